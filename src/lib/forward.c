/* SPDX-License-Identifier: Apache-2.0 */
/* Signal forwarding and waiting for a supervised child (forward.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

#include "forward.h"
#include "macro.h"
#include "banned.h"

/*
 * Signals that report a fault of tenant itself, or cannot be caught: never blocked. (SIGABRT,
 * SIGTRAP and SIGSYS are blocked and forwarded like the rest: abort() unblocks its own.)
 */
static const int unblockable[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL };

int tn_forward_begin(struct tn_forward *f)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	/* An inherited SIG_IGN for SIGCHLD would make the kernel reap the child unseen. */
	sigaction(SIGCHLD, &dfl, NULL);
	sigfillset(&f->mask);
	for (size_t i = 0; i < ELEMENTSOF(unblockable); i++)
		sigdelset(&f->mask, unblockable[i]);
	if (sigprocmask(SIG_BLOCK, &f->mask, &f->old_mask) < 0)
		return negative_errno();
	f->fd = signalfd(-1, &f->mask, SFD_CLOEXEC);
	if (f->fd < 0) {
		int r = negative_errno();

		sigprocmask(SIG_SETMASK, &f->old_mask, NULL);
		return r;
	}
	return 0;
}

void tn_forward_end(struct tn_forward *f)
{
	if (f->fd >= 0) {
		struct signalfd_siginfo si;

		/* What arrived meanwhile was meant for the child, not for tenant, which is about to
		 * report how the child ended: drop it rather than let it kill tenant now. */
		fcntl(f->fd, F_SETFL, O_NONBLOCK);
		while (read(f->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		closep(&f->fd);
		f->fd = -1;
		sigprocmask(SIG_SETMASK, &f->old_mask, NULL);
	}
}

/* Is tenant in the foreground process group of its terminal (a job a shell controls)? */
static bool foreground_job(void)
{
	_cleanup_close_ int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return false;
	return tcgetpgrp(fd) == getpgrp();
}

/*
 * The child stopped. When that is job control (^Z, or reading the terminal from the
 * background) and tenant is a job in the foreground, stop tenant the same way so the shell sees
 * the job stop, and continue the child when tenant is continued. Any other stop (SIGSTOP from a
 * debugger or a supervisor) is the child's alone.
 */
static void follow_stop(pid_t pid, int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	sigset_t one;

	if ((sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) || !foreground_job())
		return;
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigaction(sig, &dfl, &old);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig); /* tenant stops here until continued */
	sigprocmask(SIG_BLOCK, &one, NULL);
	sigaction(sig, &old, NULL);
	kill(pid, SIGCONT);
}

/* 1 when the child has ended (status set), 0 while it runs. */
static int reap(pid_t pid, int *ret_status)
{
	for (;;) {
		int status;
		pid_t got = waitpid(pid, &status, WNOHANG | WUNTRACED);

		if (got < 0)
			return errno == EINTR ? 0 : negative_errno();
		if (got == 0)
			return 0;
		if (WIFSTOPPED(status)) {
			follow_stop(pid, WSTOPSIG(status));
			continue;
		}
		*ret_status = status;
		return 1;
	}
}

/* Whether a signal tenant got goes on to the child (forward.h). */
static bool forwarded(const struct tn_forward *f, const struct signalfd_siginfo *si)
{
	if (!f->child_session)
		/* The terminal signals the whole foreground process group, the child included. */
		return si->ssi_code != SI_KERNEL;
	return si->ssi_signo != SIGWINCH && si->ssi_signo != SIGURG;
}

int tn_forward_wait(struct tn_forward *f, pid_t pid, int *ret_status)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n;
		int r = reap(pid, ret_status);

		if (r != 0 && f->relay)
			tn_relay_drain(f->relay);
		if (r != 0)
			return r < 0 ? r : 0;
		r = f->relay ? tn_relay_until(f->relay, f->fd) : 0;
		if (r < 0)
			return r;
		n = RETRY_EINTR(read(f->fd, &si, sizeof(si)));
		if (n < 0)
			return negative_errno();
		if (n != sizeof(si) || si.ssi_signo == SIGCHLD)
			continue;
		if (si.ssi_signo == SIGWINCH && f->relay)
			tn_relay_resize(f->relay);
		if (!forwarded(f, &si))
			continue;
		if ((pid_t)si.ssi_pid == pid)
			continue; /* the child signalling tenant: nothing to pass back to it */
		kill(pid, (int)si.ssi_signo);
	}
}

int tn_forward_exit_like(int status)
{
	int sig;
	sigset_t only;

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	sig = WTERMSIG(status);
	/* The child's crash leaves its core file (if any), not a second one of tenant. */
	prctl(PR_SET_DUMPABLE, 0);
	if (sig != SIGKILL && sig != SIGSTOP) {
		struct sigaction sa = { .sa_handler = SIG_DFL };

		sigaction(sig, &sa, NULL);
	}
	sigemptyset(&only);
	sigaddset(&only, sig);
	sigprocmask(SIG_UNBLOCK, &only, NULL);
	kill(getpid(), sig);
	return 128 + sig;
}
