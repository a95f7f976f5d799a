#include "decode/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

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

/* Where the empty root is mounted before it becomes the root: the first
 * directory of these that exists (only its name is used; nothing in it is
 * seen, and the mount lives in our own mount namespace). */
static const char *const mount_points[] = { "/tmp", "/mnt", "/dev" };

/* Enters new user, mount, network and IPC namespaces and makes an empty
 * read-only tmpfs the root. Returns 0, or -1 with errno: before unshare
 * nothing changed; after it, the process may be in new namespaces with
 * the old root, which the filter alone then guards. */
static int enter_namespaces(void)
{
	size_t i, n = sizeof(mount_points) / sizeof(mount_points[0]);

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET |
		    CLONE_NEWIPC) < 0)
		return -1;
	/* No mount made here may propagate back to the parent's tree. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (mount("sandbox", mount_points[i], "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,nr_inodes=2,mode=0555") == 0)
			break;
	if (i == n || chdir(mount_points[i]) < 0)
		return -1;
	/* chroot, not pivot_root: detaching the old root tree after a
	 * pivot waits for an RCU grace period, which costs more than the
	 * whole rest of the helper's start-up. The old tree stays mounted
	 * in this private namespace, reachable by no path: leaving a chroot
	 * takes chroot itself, or a directory fd from outside, and the
	 * helper holds none and may open none. */
	if (chroot(".") < 0)
		return -1;
	return chdir("/");
}

/* What decoding needs, and nothing that reaches outside the process:
 * no open, no socket, no exec, no new process. */
static const int allowed[] = {
	/* the file and the reply, through fds the helper holds */
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(pread64), SCMP_SYS(lseek),
	SCMP_SYS(fstat), SCMP_SYS(write), SCMP_SYS(writev),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(close),
	/* memory (mmap is below) */
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap),
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

/* fcntl commands that only read an fd's state or its close-on-exec
 * flag. F_SETOWN/F_SETSIG/F_SETFL(O_ASYNC) would aim signals at any
 * process of the user, F_SETLEASE block anyone writing the file, and
 * F_ADD_SEALS is the parent's business. */
static const int fcntl_allowed[] = { F_GETFD, F_SETFD, F_GETFL, F_GET_SEALS };

static int add_rules(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(allowed) / sizeof(*allowed);
	     i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; rc == 0 && i < sizeof(fcntl_allowed) /
					  sizeof(*fcntl_allowed); i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				      SCMP_A1(SCMP_CMP_EQ,
					      (scmp_datum_t)fcntl_allowed[i]));
	/* Private memory (bounded by RLIMIT_DATA), or a shared mapping of
	 * an fd held: the parent's segment, the read-only file. Shared and
	 * anonymous would be new memory outside every limit. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				      SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_TYPE,
					      MAP_PRIVATE));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				      SCMP_A3(SCMP_CMP_MASKED_EQ,
					      MAP_TYPE | MAP_ANONYMOUS,
					      MAP_SHARED));
	/* glibc's fstat() is newfstatat(fd, "", st, AT_EMPTY_PATH), and a
	 * filter cannot read the path: AT_EMPTY_PATH with a non-empty path
	 * looks the path up. So it fails, as if there were nothing to see;
	 * the helper itself uses lseek for sizes, stdio copes. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
				      SCMP_SYS(newfstatat), 0);
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
	return rc;
}

static int filter_load(struct err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = ctx ? add_rules(ctx) : -ENOMEM;

	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		err_errno(err, -rc, "cannot install the seccomp filter");
	return rc < 0 ? -1 : 0;
}

static int limit(int resource, const char *name, rlim_t soft, rlim_t hard,
		 struct err *err)
{
	struct rlimit rl = { .rlim_cur = soft, .rlim_max = hard };

	if (setrlimit(resource, &rl) < 0) {
		err_errno(err, errno, "%s", name);
		return -1;
	}
	return 0;
}

static int set_limits(const struct sandbox_limits *lim, struct err *err)
{
	/* SIGXCPU at the soft limit (no core: RLIMIT_CORE is 0), SIGKILL
	 * one second later should it be caught. */
	if (limit(RLIMIT_CORE, "RLIMIT_CORE", 0, 0, err) < 0 ||
	    limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", 0, 0, err) < 0 ||
	    limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", lim->max_fds, lim->max_fds,
		  err) < 0 ||
	    limit(RLIMIT_CPU, "RLIMIT_CPU", lim->cpu_seconds,
		  (rlim_t)lim->cpu_seconds + 1, err) < 0)
		return -1;
	if (SANDBOX_LIMIT_DATA &&
	    limit(RLIMIT_DATA, "RLIMIT_DATA", lim->memory, lim->memory,
		  err) < 0)
		return -1;
	return 0;
}

int sandbox_enter(const struct sandbox_limits *lim, bool *isolated,
		  struct err *err)
{
	/* The parent's death ends a decode nobody waits for. Set again
	 * below: a change of credentials may clear it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		err_errno(err, errno, "PR_SET_PDEATHSIG");
		return -1;
	}
	*isolated = lim->namespaces && enter_namespaces() == 0;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		err_errno(err, errno, "PR_SET_PDEATHSIG");
		return -1;
	}
	if (set_limits(lim, err) < 0)
		return -1;
	/* Required for an unprivileged seccomp filter, and the right thing
	 * anyway: nothing in here may gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err_errno(err, errno, "PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	return filter_load(err);
}
