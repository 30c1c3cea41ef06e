/* SPDX-License-Identifier: Apache-2.0 */
/* Running from a sealed copy of tenant's binary (exe-seal.h). */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "exe-seal.h"
#include "banned.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

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
	int r = tn_error_errno(err, code, "cannot %s the sealed copy of tenant's binary", what);

	if (code != EACCES && code != EPERM)
		return r;
	return tn_error_hint(err, r,
			     "tenant runs containers from a sealed copy of itself in memory "
			     "(memfd_create with MFD_EXEC): is vm.memfd_noexec 2?");
}

int tn_exe_run_sealed(char *const argv[], char *const envp[], struct tn_error **err)
{
	int r;

	_cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int copy = -1;

	if (exe < 0) {
		r = tn_error_errno(err, errno, "cannot read tenant's own binary (/proc/self/exe)");
		return tn_error_hint(err, r,
				     "tenant runs containers from a sealed copy of itself: it "
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

/* Whether gid is tenant's own: its GID, or one of its supplementary groups. */
static bool own_group(gid_t gid)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);

	if (gid == getegid() || gid == getgid() || n < 0)
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* Whether a host ID is in a map's host side. */
static bool mapped(const struct tn_idmap *m, uint32_t host)
{
	uint32_t c;

	return tn_idmap_translate(m, host, false, &c) == 0;
}

bool tn_exe_reachable(const struct tn_idmap *const maps[2])
{
	_cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct statfs fs;
	struct stat st;

	if (exe < 0 || fstat(exe, &st) < 0)
		return true;
	if (tn_exe_fd_sealed(exe))
		return false; /* the copy already */
	if (!maps || !maps[0] || !maps[1])
		return true; /* container root is host root, or a namespace we cannot read */
	/* FUSE decides permissions itself (without default_permissions, modes say nothing). */
	if (fstatfs(exe, &fs) < 0 || fs.f_type == FUSE_SUPER_MAGIC)
		return true;
	/* The file's permissions as a container sees it: an owner or group it has (and with it
	 * CAP_DAC_OVERRIDE and CAP_FOWNER over the file), a write bit for others, or an ACL. A
	 * group of tenant's own counts too: where setgroups is denied in the container's user
	 * namespace (rootless maps without newgidmap, or a namespace the container made), its
	 * processes keep the supplementary groups they started with. */
	if (mapped(maps[0], st.st_uid) || mapped(maps[1], st.st_gid) || (st.st_mode & S_IWOTH))
		return true;
	if ((st.st_mode & S_IWGRP) && own_group(st.st_gid))
		return true;
	return fgetxattr(exe, "system.posix_acl_access", NULL, 0) >= 0 || errno == ERANGE;
}

int tn_exe_seal_if_reachable(const struct tn_idmap *const maps[2], char *const argv[],
			     char *const envp[], const sigset_t *sigmask, struct tn_error **err)
{
	_cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	sigset_t now;
	int r;

	if (exe >= 0 && tn_exe_fd_sealed(exe)) {
		restore_name(argv ? argv[0] : NULL);
		return 0;
	}
	if (!tn_exe_reachable(maps))
		return 0;
	if (!argv)
		return tn_error_set(
			err, EINVAL,
			"tenant needs its command line to run again from a sealed copy");
	/* The caller may have blocked signals to forward them: the copy starts as tenant did. */
	if (sigmask && sigprocmask(SIG_SETMASK, sigmask, &now) < 0)
		return tn_error_errno(err, errno, "cannot restore the signal mask");
	r = tn_exe_run_sealed(argv, envp, err);
	if (sigmask)
		sigprocmask(SIG_SETMASK, &now, NULL);
	return r;
}
