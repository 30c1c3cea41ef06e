/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The test rootfs's /init: a small static program that answers what the OCI tests ask from
 * inside a container, without a shell or libraries in the image.
 *
 *	init CMD [ARGS...] [; CMD [ARGS...]]...
 *
 *	id                  uid=U gid=G groups=G1,G2
 *	cat FILE...         the files, as they are
 *	write FILE TEXT     create or truncate FILE with TEXT
 *	stat FILE           "UID GID MODE" (octal mode bits)
 *	ls DIR              the names, sorted, one a line
 *	find DIR            every path below DIR, sorted, directories entered (not symlinks)
 *	lsdev DIR           "NAME TYPE MODE UID GID [MAJ:MIN|-> TARGET]" for each entry, sorted
 *	hostname            the UTS hostname and domainname
 *	env                 the environment, one a line
 *	cwd                 the working directory
 *	umask               the umask, in octal
 *	mkdir DIR [MODE]    make a directory (MODE in octal, default 755)
 *	chmod PATH MODE     change PATH's mode (octal)
 *	syscall NR          make raw syscall NR without arguments: "0" or the errno's name
 *	forks N             fork N children that wait; print "forked K" (K <= N), end them
 *	mknod PATH MAJ MIN  make a character device node
 *	readlink PATH       the target of a symlink (/proc/self/ns/net...)
 *	sleep SECONDS       sleep
 *	trap SIGNAL         on SIGNAL print "got SIGNAL" and exit 3; meanwhile wait for it
 *	exit N              exit with N
 *	euid                the effective UID and GID: "euid=U egid=G"
 *	kill PID SIGNAL     send SIGNAL (a number) to PID
 *	mount-tmpfs DIR     mount a tmpfs on DIR
 *	mount-bind SRC DIR  bind-mount SRC on DIR
 *	mount-proc DIR      mount a new procfs on DIR
 *	nested-proc DIR     in new user, mount and PID namespaces (where the container's masks
 *	                    are locked), mount a new procfs on DIR: "mounted" or the error
 *	spawn PROG ARGS...  start PROG in the background (its own session, stdio on /dev/null)
 *	setxattr PATH NAME VALUE   set an extended attribute (VALUE as text)
 *	nest SECONDS        leave a process behind in a user and mount namespace of its own
 *	thread-leftover SECONDS    leave a process behind whose main thread has exited while
 *	                    another thread sleeps SECONDS (it shows as a zombie, but lives)
 *	hunt ..., catch ... the attacker of exe-protect.bats and its catcher (hunt.c)
 *
 * A failing command prints "probe: CMD: error" to stderr and exits 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <unistd.h>

#include "hunt.h"

extern char **environ;

/* A small decimal number (what the tests pass); anything else is 0. */
static int num(const char *s)
{
	int v = 0;

	for (; *s >= '0' && *s <= '9' && v < 100000; s++)
		v = v * 10 + (*s - '0');
	return v;
}

static int fail(const char *cmd, const char *what)
{
	fprintf(stderr, "probe: %s: %s: %s\n", cmd, what, strerror(errno));
	return 1;
}

/* A procfs mounted by a child in user, mount and PID namespaces of its own: the kernel allows
 * it only where a procfs is fully visible (no locked mask over it). */
static int cmd_nested_proc(const char *dir)
{
	pid_t pid;
	int status;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0)
		return fail("nested-proc", "unshare");
	pid = fork();
	if (pid < 0)
		return fail("nested-proc", "fork");
	if (pid == 0) {
		if (mount("proc", dir, "proc", 0, NULL) < 0)
			_exit(fail("nested-proc", dir));
		printf("mounted\n");
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail("nested-proc", "waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int cmd_id(void)
{
	gid_t groups[64];
	int n = getgroups(64, groups);

	printf("uid=%u gid=%u groups=", (unsigned)getuid(), (unsigned)getgid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)groups[i]);
	printf("\n");
	return 0;
}

static int cmd_cat(char **args, int n)
{
	char buf[4096];

	for (int i = 0; i < n; i++) {
		int fd = open(args[i], O_RDONLY);
		ssize_t k;

		if (fd < 0)
			return fail("cat", args[i]);
		fflush(stdout);
		while ((k = read(fd, buf, sizeof(buf))) > 0)
			if (write(STDOUT_FILENO, buf, (size_t)k) != k)
				return fail("cat", "stdout");
		close(fd);
	}
	return 0;
}

static int cmd_write(char **args, int n)
{
	FILE *f;

	if (n != 2)
		return fprintf(stderr, "probe: write FILE TEXT\n"), 1;
	f = fopen(args[0], "w");
	if (!f)
		return fail("write", args[0]);
	fputs(args[1], f);
	return fclose(f) == 0 ? 0 : fail("write", args[0]);
}

static int cmd_stat(char **args, int n)
{
	for (int i = 0; i < n; i++) {
		struct stat st;

		if (lstat(args[i], &st) < 0)
			return fail("stat", args[i]);
		printf("%u %u %o\n", (unsigned)st.st_uid, (unsigned)st.st_gid,
		       (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir but . and .., sorted, into names (1024 at most); their count, or -1. */
static int sorted_names(const char *dir, char *names[1024])
{
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d)) && n < 1024;)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), name_cmp);
	return n;
}

static int cmd_ls(const char *dir)
{
	char *names[1024];
	int n = sorted_names(dir, names);

	if (n < 0)
		return fail("ls", dir);
	for (int i = 0; i < n; i++)
		printf("%s\n", names[i]);
	return 0;
}

/* One entry of lsdev: its type letter (as ls -l), mode, owner, then the device or the target. */
static void lsdev_entry(const char *dir, const char *name)
{
	char path[4096], target[4096];
	struct stat st;
	ssize_t k;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st) < 0) {
		fail("lsdev", path);
		return;
	}
	printf("%s %c %o %u %u", name,
	       S_ISCHR(st.st_mode)    ? 'c'
	       : S_ISBLK(st.st_mode)  ? 'b'
	       : S_ISDIR(st.st_mode)  ? 'd'
	       : S_ISLNK(st.st_mode)  ? 'l'
	       : S_ISREG(st.st_mode)  ? '-'
	       : S_ISFIFO(st.st_mode) ? 'p'
				      : '?',
	       (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, (unsigned)st.st_gid);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		printf(" %u:%u", major(st.st_rdev), minor(st.st_rdev));
	if (S_ISLNK(st.st_mode) && (k = readlink(path, target, sizeof(target) - 1)) >= 0)
		printf(" -> %.*s", (int)k, target);
	printf("\n");
}

static int cmd_lsdev(const char *dir)
{
	char *names[1024];
	int n = sorted_names(dir, names);

	if (n < 0)
		return fail("lsdev", dir);
	for (int i = 0; i < n; i++) {
		lsdev_entry(dir, names[i]);
		free(names[i]);
	}
	return 0;
}

static int cmd_find(const char *dir)
{
	char *names[1024], path[4096];
	int n = sorted_names(dir, names), r = 0;

	if (n < 0)
		return fail("find", dir);
	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		printf("%s\n", path);
		if (r == 0 && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			r = cmd_find(path);
		free(names[i]);
	}
	return r;
}

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	got = sig;
}

static int cmd_trap(const char *name)
{
	int sig = strcmp(name, "TERM") == 0  ? SIGTERM
		  : strcmp(name, "INT") == 0 ? SIGINT
		  : strcmp(name, "HUP") == 0 ? SIGHUP
					     : SIGUSR1;
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(sig, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!got)
		pause();
	printf("got %s\n", name);
	fflush(stdout);
	exit(3);
}

static void *sleeper(void *arg)
{
	sleep((unsigned)num(arg));
	return NULL;
}

/* A child whose main thread exits while a second thread lives on. */
static int cmd_thread_leftover(char *seconds)
{
	pid_t pid = fork();
	pthread_t t;

	if (pid < 0)
		return fail("thread-leftover", "fork");
	if (pid > 0)
		return 0;
	setsid();
	if (pthread_create(&t, NULL, sleeper, seconds) != 0)
		_exit(1);
	syscall(SYS_exit, 0); /* this thread only */
	return 0;
}

/* The main thread ends while a second thread lives on: as PID 1, its namespace lives on too. */
static int cmd_thread_exit(char *seconds)
{
	pthread_t t;

	if (pthread_create(&t, NULL, sleeper, seconds) != 0)
		return fail("thread-exit", "pthread_create");
	syscall(SYS_exit, 0); /* this thread only */
	return 0;
}

static int run(char **args, int n)
{
	const char *c = args[0];

	if (strcmp(c, "id") == 0)
		return cmd_id();
	if (strcmp(c, "cat") == 0)
		return cmd_cat(args + 1, n - 1);
	if (strcmp(c, "write") == 0)
		return cmd_write(args + 1, n - 1);
	if (strcmp(c, "stat") == 0)
		return cmd_stat(args + 1, n - 1);
	if (strcmp(c, "ls") == 0 && n == 2)
		return cmd_ls(args[1]);
	if (strcmp(c, "find") == 0 && n == 2)
		return cmd_find(args[1]);
	if (strcmp(c, "lsdev") == 0 && n == 2)
		return cmd_lsdev(args[1]);
	if (strcmp(c, "hostname") == 0) {
		struct utsname u;

		uname(&u);
		printf("%s %s\n", u.nodename, u.domainname);
		return 0;
	}
	if (strcmp(c, "env") == 0) {
		for (char **e = environ; *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	if (strcmp(c, "cwd") == 0) {
		char buf[4096];

		return getcwd(buf, sizeof(buf)) ? printf("%s\n", buf), 0 : fail("cwd", ".");
	}
	if (strcmp(c, "readlink") == 0 && n == 2) {
		char buf[4096];
		ssize_t k = readlink(args[1], buf, sizeof(buf) - 1);

		if (k < 0)
			return fail("readlink", args[1]);
		buf[k] = '\0';
		printf("%s\n", buf);
		return 0;
	}
	if (strcmp(c, "mkdir") == 0 && (n == 2 || n == 3)) {
		mode_t mode = 0755;

		if (n == 3) {
			mode = 0;
			for (const char *d = args[2]; *d >= '0' && *d <= '7'; d++)
				mode = mode * 8 + (mode_t)(*d - '0');
		}
		return mkdir(args[1], mode) < 0 ? fail("mkdir", args[1]) : 0;
	}
	if (strcmp(c, "syscall") == 0 && n == 2) {
		long r = syscall(num(args[1]), 0, 0, 0, 0, 0, 0);

		printf("%s\n", r >= 0		 ? "0"
			       : errno == ENOSYS ? "ENOSYS"
			       : errno == EPERM	 ? "EPERM"
						 : strerror(errno));
		return 0;
	}
	if (strcmp(c, "chmod") == 0 && n == 3) {
		mode_t mode = 0;

		for (const char *d = args[2]; *d >= '0' && *d <= '7'; d++)
			mode = mode * 8 + (mode_t)(*d - '0');
		return chmod(args[1], mode) < 0 ? fail("chmod", args[1]) : 0;
	}
	if (strcmp(c, "mknod") == 0 && n == 4)
		return mknod(args[1], S_IFCHR | 0666,
			     makedev((unsigned)num(args[2]), (unsigned)num(args[3]))) < 0
			       ? fail("mknod", args[1])
			       : 0;
	if (strcmp(c, "forks") == 0 && n == 2) {
		int want = num(args[1]), k = 0;
		pid_t kids[1024];

		for (; k < want && k < 1024; k++) {
			kids[k] = fork();
			if (kids[k] < 0)
				break;
			if (kids[k] == 0) {
				pause();
				_exit(0);
			}
		}
		printf("forked %d\n", k);
		for (int i = 0; i < k; i++)
			kill(kids[i], SIGKILL);
		for (int i = 0; i < k; i++)
			waitpid(kids[i], NULL, 0);
		return 0;
	}
	if (strcmp(c, "umask") == 0) {
		mode_t m = umask(0);

		printf("%04o\n", (unsigned)m);
		return 0;
	}
	if (strcmp(c, "sleep") == 0 && n == 2)
		return sleep((unsigned)num(args[1])), 0;
	if (strcmp(c, "trap") == 0 && n == 2)
		return cmd_trap(args[1]);
	if (strcmp(c, "exit") == 0 && n == 2)
		exit(num(args[1]));
	if (strcmp(c, "euid") == 0) {
		printf("euid=%u egid=%u\n", (unsigned)geteuid(), (unsigned)getegid());
		return 0;
	}
	if (strcmp(c, "kill") == 0 && n == 3)
		return kill((pid_t)num(args[1]), num(args[2])) < 0 ? fail(c, args[1]) : 0;
	if (strcmp(c, "mount-tmpfs") == 0 && n == 2)
		return mount("tmpfs", args[1], "tmpfs", 0, NULL) < 0 ? fail(c, args[1]) : 0;
	if (strcmp(c, "mount-proc") == 0 && n == 2)
		return mount("proc", args[1], "proc", 0, NULL) < 0 ? fail(c, args[1]) : 0;
	if (strcmp(c, "nested-proc") == 0 && n == 2)
		return cmd_nested_proc(args[1]);
	if (strcmp(c, "mount-bind") == 0 && n == 3)
		return mount(args[1], args[2], NULL, MS_BIND, NULL) < 0 ? fail(c, args[2]) : 0;
	if (strcmp(c, "setxattr") == 0 && n == 4)
		return lsetxattr(args[1], args[2], args[3], strlen(args[3]), 0) < 0
			       ? fail(c, args[1])
			       : 0;
	if (strcmp(c, "nest") == 0 && n == 2) {
		pid_t pid = fork();

		if (pid < 0)
			return fail(c, "fork");
		if (pid == 0) {
			setsid();
			if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
				_exit(1);
			sleep((unsigned)num(args[1]));
			_exit(0);
		}
		return 0;
	}
	if (strcmp(c, "thread-leftover") == 0 && n == 2)
		return cmd_thread_leftover(args[1]);
	if (strcmp(c, "thread-exit") == 0 && n == 2)
		return cmd_thread_exit(args[1]);
	if (strcmp(c, "spawn") == 0 && n >= 2) {
		pid_t pid = fork();

		if (pid < 0)
			return fail(c, args[1]);
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);

			setsid();
			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
			}
			args[n] = NULL;
			execv(args[1], args + 1);
			_exit(127);
		}
		return 0;
	}
	if (strcmp(c, "hunt") == 0)
		return hunt_main(args + 1, n - 1);
	if (strcmp(c, "catch") == 0)
		return catch_main(args + 1, n - 1);
	fprintf(stderr, "probe: unknown command '%s'\n", c);
	return 1;
}

int main(int argc, char **argv)
{
	int start = 1;

	for (int i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], ";") != 0)
			continue;
		if (i > start) {
			int r = run(argv + start, i - start);

			fflush(stdout);
			if (r != 0)
				return r;
		}
		start = i + 1;
	}
	return 0;
}
