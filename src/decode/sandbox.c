#include "decode/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* AddressSanitizer reserves terabytes of shadow memory at start-up and
 * maps more as it goes: under it a data limit would fail every
 * allocation, so sanitizer builds run the helper without one. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_LIMIT_DATA 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_LIMIT_DATA 0
#endif
#endif
#ifndef SANDBOX_LIMIT_DATA
#define SANDBOX_LIMIT_DATA 1
#endif

#define SLACK ((uint64_t)128 << 20)

uint64_t sandbox_memory_limit(uint64_t max_bytes)
{
	uint64_t limit;

	if (__builtin_mul_overflow(max_bytes, 3, &limit) ||
	    __builtin_add_overflow(limit, SLACK, &limit))
		return UINT64_MAX;
	return limit;
}

/* What decoding needs, and nothing that reaches outside the process:
 * no open, no socket, no exec, no new process. */
static const int allowed[] = {
	/* the file and the reply, through fds the helper holds */
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(pread64), SCMP_SYS(lseek),
	SCMP_SYS(fstat), SCMP_SYS(write), SCMP_SYS(writev),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(close),
	/* the segment */
	SCMP_SYS(memfd_create), SCMP_SYS(ftruncate), SCMP_SYS(fcntl),
	/* memory */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(madvise),
	/* threads (created below only with CLONE_THREAD) and their locks */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(getrandom), SCMP_SYS(sysinfo),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

static int filter_load(struct err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = ctx ? 0 : -ENOMEM;

	for (size_t i = 0; rc == 0 && i < sizeof(allowed) / sizeof(*allowed);
	     i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* glibc's fstat() is newfstatat(fd, "", st, AT_EMPTY_PATH): allow
	 * that form only, so no path can be looked at. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(newfstatat),
				      1, SCMP_A3(SCMP_CMP_MASKED_EQ,
						 AT_EMPTY_PATH, AT_EMPTY_PATH));
	/* send() is sendto() without an address: only that form, so no
	 * datagram can go anywhere else. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1,
				      SCMP_A4(SCMP_CMP_EQ, 0));
	/* A thread, never a process: clone must carry CLONE_THREAD. glibc
	 * tries clone3 first, whose flags sit in memory a filter cannot
	 * read; ENOSYS makes it fall back to clone. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD,
					      CLONE_THREAD));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				      SCMP_SYS(clone3), 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		err_errno(err, -rc, "cannot install the seccomp filter");
	return rc < 0 ? -1 : 0;
}

int sandbox_enter(uint64_t mem_limit, struct err *err)
{
	/* The parent's death ends a decode nobody waits for. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		err_errno(err, errno, "PR_SET_PDEATHSIG");
		return -1;
	}
	/* Required for an unprivileged seccomp filter, and the right thing
	 * anyway: nothing in here may gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err_errno(err, errno, "PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	if (SANDBOX_LIMIT_DATA) {
		struct rlimit rl = { .rlim_cur = mem_limit,
				     .rlim_max = mem_limit };

		if (setrlimit(RLIMIT_DATA, &rl) < 0) {
			err_errno(err, errno, "RLIMIT_DATA");
			return -1;
		}
	}
	return filter_load(err);
}
