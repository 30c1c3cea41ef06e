// SPDX-License-Identifier: Apache-2.0
// The pause program of the CRI harness's sandbox image (tests/cri/images.py): holds the pod's
// namespaces by sleeping (sigsuspend(), pause() without its race) until SIGINT or SIGTERM, then exits 0; as PID 1 of a pod
// with a shared PID namespace it also reaps children that are handed to it (SIGCHLD).
// Built with gcc -static so that the image needs nothing else.
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_child(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static int handle(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = sig == SIGCHLD ? SA_NOCLDSTOP | SA_RESTART : 0;
	return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	sigset_t block, old;

	(void)argv;
	if (argc > 1) {
		static const char msg[] = "usage: pause (sleeps until SIGINT or SIGTERM)\n";

		(void)!write(2, msg, sizeof(msg) - 1);
		return 2;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	// Blocked between the check of stop and the wait, so that a signal in that gap is not
	// lost: sigsuspend() is pause() with the old mask put back atomically.
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0 || handle(SIGINT, on_stop) < 0 ||
	    handle(SIGTERM, on_stop) < 0 || handle(SIGCHLD, on_child) < 0)
		return 1;
	sigdelset(&old, SIGINT);
	sigdelset(&old, SIGTERM);
	while (!stop)
		sigsuspend(&old);
	return 0;
}
