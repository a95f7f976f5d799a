/* sandbox.h - the decoder helper's cage.
 *
 * Image decoders are the largest body of code that ever sees an untrusted
 * file here, and they have a history of memory-safety bugs. The helper
 * that runs them enters this sandbox before it reads the first byte of a
 * file. What holds afterwards, whatever a crafted file makes a decoder do:
 *
 *  - Where the kernel lets it (unprivileged user namespaces), the process
 *    is in new user, mount, network and IPC namespaces, its root an empty
 *    read-only tmpfs: no path resolves to anything, no abstract socket of
 *    the user's is reachable, no System V IPC object is shared.
 *  - A seccomp filter that checks arguments allows only: reading, seeking
 *    and writing the fds it already holds; fcntl F_GETFD, F_SETFD,
 *    F_GETFL, F_GET_SEALS; sendmsg/recvmsg and send (no address); private
 *    memory, and shared mappings of an fd it holds (never MAP_SHARED |
 *    MAP_ANONYMOUS, which would be new shared memory); threads (clone
 *    with CLONE_THREAD); and exiting. newfstatat, the one call that could
 *    look a path up, fails with EPERM; every other call (open, socket,
 *    memfd_create, ftruncate, fallocate, execve, ptrace, fork...) kills
 *    the process with SIGSYS.
 *  - Resource limits: private memory (RLIMIT_DATA), CPU time
 *    (RLIMIT_CPU, a second guard beside the parent's wall-clock bound),
 *    no core file (RLIMIT_CORE 0), no file grown by a write
 *    (RLIMIT_FSIZE 0), DECODE_MAX_FDS fds (RLIMIT_NOFILE).
 *  - It dies with its parent, and cannot gain privileges (no_new_privs).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

/* Bytes of private memory a helper decoding images of at most max_bytes
 * of RGBA pixels may use: three times max_bytes (the decoded surface, and
 * a conversion copy or a decoder's own buffers: libjpeg keeps one and a
 * half image's worth of coefficients for a progressive file) plus 128 MiB
 * for the libraries and the decoders' tables. The segment, a shared
 * mapping of the parent's memfd, is not counted. */
uint64_t sandbox_memory_limit(uint64_t max_bytes);

struct sandbox_limits {
	uint64_t memory;	/* RLIMIT_DATA, bytes */
	unsigned cpu_seconds;	/* RLIMIT_CPU; SIGXCPU past it */
	unsigned max_fds;	/* RLIMIT_NOFILE */
	bool namespaces;	/* try the namespaces and the empty root */
};

/* Enters the sandbox described above. The namespaces are best effort
 * (*isolated says whether they were entered); everything else is
 * required. Call while the process has one thread. Returns 0, or -1 with
 * the reason. */
int sandbox_enter(const struct sandbox_limits *lim, bool *isolated,
		  struct err *err);

#endif
