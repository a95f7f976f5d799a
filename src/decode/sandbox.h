/* sandbox.h - the decoder helper's cage.
 *
 * Image decoders are the largest body of code that ever sees an untrusted
 * file here, and they have a history of memory-safety bugs. The helper
 * that runs them enters this sandbox before it reads the first byte of a
 * file: whatever a crafted file makes a decoder do, it can only use the
 * fds the helper already holds, allocate up to a bound, and answer its
 * parent.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdint.h>

#include "common/err.h"

/* Bytes of private memory a helper decoding images of at most max_bytes
 * of RGBA pixels may use: three times max_bytes (the decoded surface, and
 * a conversion copy or a decoder's own buffers: libjpeg keeps one and a
 * half image's worth of coefficients for a progressive file) plus 128 MiB
 * for the libraries and the decoders' tables. The segment, a shared
 * mapping, is not counted. */
uint64_t sandbox_memory_limit(uint64_t max_bytes);

/* Dies with the parent (SIGKILL), gives up gaining privileges, limits
 * private memory (RLIMIT_DATA) to mem_limit, and installs a seccomp filter
 * that allows only reading the fds already open, memory management,
 * threads, memfd_create and sealing, sendmsg/recvmsg and exiting. Every
 * other system call (open, socket, execve, ptrace, fork...) kills the
 * process with SIGSYS. Returns 0, or -1 with the reason. */
int sandbox_enter(uint64_t mem_limit, struct err *err);

#endif
