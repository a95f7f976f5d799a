#include "decode/try.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "decode/protocol.h"

#define GIB ((size_t)1 << 30)

/* Each returns 0 when the attempt worked, or -1 with errno. */

static int try_setown(const char *arg)
{
	pid_t victim = (pid_t)atoi(arg);
	int fl = fcntl(DECODE_CHILD_FD, F_GETFL);

	if (fcntl(DECODE_CHILD_FD, F_SETOWN, victim) < 0 ||
	    fcntl(DECODE_CHILD_FD, F_SETSIG, SIGKILL) < 0 ||
	    fcntl(DECODE_CHILD_FD, F_SETFL, fl | O_ASYNC) < 0)
		return -1;
	return 0;
}

static int try_lease(int file_fd)
{
	struct timespec hold = { .tv_sec = 2 };

	if (fcntl(file_fd, F_SETLEASE, F_RDLCK) < 0)
		return -1;
	/* Held a while, as an attacker would, so a writer meets it. */
	nanosleep(&hold, NULL);
	return 0;
}

static int try_statpath(void)
{
	struct stat st;

	if (syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &st,
		    AT_EMPTY_PATH) == 0 ||
	    syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &st, 0) == 0)
		return 0;
	return -1;
}

static int try_mapanon(void)
{
	char *p = mmap(NULL, GIB, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 1, GIB);
	return 0;
}

static int try_connect(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	if (n >= sizeof(sa.sun_path))
		n = sizeof(sa.sun_path) - 1;
	memcpy(sa.sun_path + 1, name, n);
	return connect(s, (struct sockaddr *)&sa,
		       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
				   n));
}

static int attempt(const char *what, int file_fd, int seg_fd)
{
	char *argv[] = { "true", NULL };

	if (!strcmp(what, "open"))
		return open("/etc/passwd", O_RDONLY | O_CLOEXEC) < 0 ? -1 : 0;
	if (!strcmp(what, "socket"))
		return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) < 0 ?
		       -1 : 0;
	if (!strcmp(what, "execve"))
		return execve("/bin/true", argv, NULL);
	if (!strcmp(what, "memfd"))
		return memfd_create("try", MFD_CLOEXEC) < 0 ? -1 : 0;
	if (!strcmp(what, "ftruncate"))
		return ftruncate(seg_fd, (off_t)GIB);
	if (!strncmp(what, "setown:", 7))
		return try_setown(what + 7);
	if (!strcmp(what, "lease"))
		return try_lease(file_fd);
	if (!strcmp(what, "statpath"))
		return try_statpath();
	if (!strcmp(what, "write"))
		return lseek(seg_fd, (off_t)GIB, SEEK_SET) < 0 ||
		       write(seg_fd, "x", 1) != 1 ? -1 : 0;
	if (!strcmp(what, "mapanon"))
		return try_mapanon();
	if (!strncmp(what, "connect:", 8))
		return try_connect(what + 8);
	errno = EINVAL;
	return -1;
}

bool try_known(const char *what)
{
	static const char *const names[] = {
		"open", "socket", "execve", "memfd", "ftruncate", "setown:",
		"lease", "statpath", "write", "mapanon", "connect:",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (names[i][n - 1] == ':' ? !strncmp(what, names[i], n)
					   : !strcmp(what, names[i]))
			return true;
	}
	return false;
}

void try_attempt(const char *what, int file_fd, int seg_fd, char *out,
		 size_t len)
{
	if (attempt(what, file_fd, seg_fd) == 0)
		snprintf(out, len, "try %s: ALLOWED", what);
	else
		snprintf(out, len, "try %s: refused (%s)", what,
			 strerror(errno));
}
