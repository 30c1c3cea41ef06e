/* SPDX-License-Identifier: Apache-2.0 */
/* Running from a sealed copy of tenant's binary (exe-seal.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exe-seal.h"
#include "banned.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3 */
#endif

bool tn_exe_fd_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	/* Only a memfd takes seals beyond F_SEAL_SEAL: a tmpfs or hugetlbfs file has that one. */
	return seals >= 0 && (seals & TN_EXE_SEALS) == TN_EXE_SEALS;
}

/* A memfd that may be executed. MFD_EXEC says so whatever vm.memfd_noexec makes the default
 * (1: not executable); a kernel before 6.3 refuses the flag, and its memfds all are. */
static int memfd_exec(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd < 0 ? negative_errno() : fd;
}

static int copy_all(int from, int to, off_t size)
{
	off_t off = 0;

	while (off < size) {
		ssize_t n = RETRY_EINTR(sendfile(to, from, &off, (size_t)(size - off)));

		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -EIO; /* shorter than fstat said */
	}
	return 0;
}

int tn_exe_seal_copy(int fd)
{
	_cleanup_close_ int copy = -1;
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_size <= 0)
		return -EINVAL;
	copy = memfd_exec("tenant");
	if (copy < 0)
		return copy;
	r = copy_all(fd, copy, st.st_size);
	if (r < 0)
		return r;
	/* The seals refuse every write; without a write bit, opening the copy for writing fails
	 * too, for whoever lacks CAP_DAC_OVERRIDE over it. */
	if (fchmod(copy, 0555) < 0)
		return negative_errno();
	if (fcntl(copy, F_ADD_SEALS, TN_EXE_SEALS) < 0)
		return negative_errno();
	return tn_exe_fd_sealed(copy) ? TAKE_FD(copy) : -EIO;
}

/* After the execve of a memfd the kernel names the process after its fd ("3"): give it the
 * name an exec of argv[0] would have given it. */
static void restore_name(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	const char *name = slash ? slash + 1 : argv0;

	if (name && *name)
		(void)prctl(PR_SET_NAME, name, 0, 0, 0);
}

/* A memfd that may not be executed is what vm.memfd_noexec = 2 makes of every one. */
static int refused(struct tn_error **err, int code, const char *what)
{
	tn_error_errno(err, code, "cannot %s the sealed copy of tenant's binary", what);
	if (code != EACCES && code != EPERM)
		return -code;
	return tn_error_hint(err, "tenant runs containers from a sealed copy of itself in memory "
				  "(memfd_create with MFD_EXEC): is vm.memfd_noexec 2?");
}

int tn_exe_run_sealed(char *const argv[], char *const envp[], struct tn_error **err)
{
	_cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int copy = -1;

	if (exe < 0) {
		tn_error_errno(err, errno, "cannot read tenant's own binary (/proc/self/exe)");
		return tn_error_hint(err, "tenant runs containers from a sealed copy of itself: it "
					  "needs /proc mounted and its binary readable");
	}
	if (tn_exe_fd_sealed(exe)) {
		restore_name(argv[0]);
		return 0;
	}
	copy = tn_exe_seal_copy(exe);
	if (copy < 0)
		return refused(err, -copy, "make");
	fexecve(copy, argv, envp);
	return refused(err, errno, "execute");
}
