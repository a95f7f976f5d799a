/* try.h - the helper playing a decoder a crafted file has taken over.
 *
 * `shm-decode --try WHAT` (an argument only its parent's command line can
 * give, never a file) decodes as usual until it holds the file and the
 * parent's segment, then attempts WHAT from inside its sandbox, as
 * compromised decoder code would, and answers 'E' with the outcome. The
 * tests (tests/test_decoder.c) prove with it that each attempt is refused
 * and that nothing outside changed:
 *
 *   nothing        the control: no attempt, the decode goes on
 *   open socket execve memfd ftruncate
 *                  the call itself (the filter kills the process)
 *   setown:PID     F_SETOWN PID, F_SETSIG SIGKILL and O_ASYNC on the
 *                  parent's socket, so that its shutdown() would kill PID
 *   lease          F_SETLEASE on the file: a writer would block
 *   statpath       newfstatat of /etc/passwd, with AT_EMPTY_PATH and without
 *   write          lseek() to 1 GiB in the segment and write() a byte
 *   mapanon        MAP_SHARED | MAP_ANONYMOUS of 1 GiB, every page touched
 *   connect:NAME   socket() and connect() to the abstract address NAME
 */
#ifndef DECODE_TRY_H
#define DECODE_TRY_H

#include <stdbool.h>
#include <stddef.h>

/* True for the attempts above but "nothing". */
bool try_known(const char *what);

/* Attempts what with the file's fd and the segment's fd at hand (unless
 * it kills the process), and writes "try WHAT: refused (reason)" or "try
 * WHAT: ALLOWED" to out. */
void try_attempt(const char *what, int file_fd, int seg_fd, char *out,
		 size_t len);

#endif
