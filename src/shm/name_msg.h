/* name_msg.h - one message over a Unix stream socket: a payload with one
 * fd, or 'E' and a reason.
 *
 * The name (name.h) speaks it, and so do the decoder helper and its
 * parent: 'F' with SCM_RIGHTS carrying one fd, or 'E' followed by at most
 * NAME_REASON_MAX bytes of reason and no fd. The receiving side trusts
 * nothing the sender put in it.
 */
#ifndef SHM_NAME_MSG_H
#define SHM_NAME_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The longest reason a sender puts after 'E'. */
#define NAME_REASON_MAX 200

/* name_send_fd() sends len bytes of payload ('F' in this protocol) with
 * fd attached and returns 0 or sendmsg's errno; name_send_reason() sends
 * 'E' and the first NAME_REASON_MAX bytes of reason, best effort. Neither
 * waits. */
int name_send_fd(int sock, const void *payload, size_t len, int fd);
void name_send_reason(int sock, const char *reason);

/* Copies the n bytes of a reason from another process into out (room
 * for n + 1), keeping only printable ASCII: the text ends up on a screen
 * or a terminal. */
void name_reason_printable(char *out, const char *in, size_t n);

/* Receives one byte-long message that must carry no fd (tag gets the
 * byte), without waiting. Any fd that came with it is closed. Returns
 * how many fds came (a truncated control message counts one more), or
 * -1 with errno (ECONNRESET at EOF). */
int name_receive_bare(int sock, char *tag);

/* Receives one message from sock by deadline, with every check a reader
 * makes: exactly one fd with 'F' (received close-on-exec; every fd is
 * closed otherwise), no truncated control data, the reason of an 'E'
 * cut to printable ASCII. from names the sender in messages ("the
 * decoder"); start is when the caller began waiting, for the message.
 * Returns the fd, or -1 with the whole story in err and, when the sender
 * answered 'E', its own reason alone in reason (NAME_REASON_MAX + 1
 * bytes; "" otherwise; NULL when not wanted). */
int name_receive(int sock, const char *from, int64_t start, int64_t deadline,
		 char *reason, struct err *err);

#endif
