/* SPDX-License-Identifier: Apache-2.0 */
/* The sealed copy of the binary (lib/exe-seal.h): what counts as sealed, and what a copy refuses. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exe-seal.h"
#include "tap.h"

static int memfd_with(const char *text, int seals)
{
	int fd = memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0)
		return -1;
	return fd;
}

TEST(only_a_memfd_with_every_seal_is_sealed)
{
	char path[] = "/tmp/tenant-test-exe-seal.XXXXXX";
	int file = mkstemp(path), none = memfd_with("x", 0),
	    write_only = memfd_with("x", F_SEAL_WRITE),
	    no_seal_seal = memfd_with("x", F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
	    all = memfd_with("x", TN_EXE_SEALS);

	ASSERT_TRUE(file >= 0 && none >= 0 && write_only >= 0 && no_seal_seal >= 0 && all >= 0);
	unlink(path);
	ASSERT_FALSE(tn_exe_fd_sealed(file));
	ASSERT_FALSE(tn_exe_fd_sealed(none));
	ASSERT_FALSE(tn_exe_fd_sealed(write_only));
	ASSERT_FALSE(tn_exe_fd_sealed(no_seal_seal));
	ASSERT_TRUE(tn_exe_fd_sealed(all));
	ASSERT_FALSE(tn_exe_fd_sealed(-1));
	close(file), close(none), close(write_only), close(no_seal_seal), close(all);
}

TEST(a_copy_is_whole_read_only_and_cannot_be_changed)
{
	int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), copy, flags;
	struct stat a, b;
	char x[4096], y[4096];
	ssize_t n;

	ASSERT_TRUE(src >= 0);
	copy = tn_exe_seal_copy(src);
	ASSERT_TRUE(copy >= 0);
	ASSERT_TRUE(tn_exe_fd_sealed(copy));
	flags = fcntl(copy, F_GETFD);
	ASSERT_TRUE(flags >= 0 && (flags & FD_CLOEXEC));
	ASSERT_EQ(fstat(src, &a), 0);
	ASSERT_EQ(fstat(copy, &b), 0);
	ASSERT_EQ(b.st_size, a.st_size);
	ASSERT_EQ((int)(b.st_mode & 07777), 0555);
	for (off_t off = 0; off < a.st_size; off += n) {
		n = pread(src, x, sizeof(x), off);
		ASSERT_TRUE(n > 0 && pread(copy, y, (size_t)n, off) == n &&
			    memcmp(x, y, (size_t)n) == 0);
	}
	/* Not even the owner can change it, nor lift a seal. */
	ASSERT_EQ(pwrite(copy, "x", 1, 0), -1);
	ASSERT_EQ(errno, EPERM);
	ASSERT_EQ(ftruncate(copy, 0), -1);
	ASSERT_EQ(ftruncate(copy, a.st_size + 1), -1);
	ASSERT_TRUE(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, copy, 0) == MAP_FAILED);
	ASSERT_EQ(fcntl(copy, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);
	ASSERT_EQ(errno, EPERM);
	close(copy);
	close(src);
}

TEST(only_a_regular_file_with_content_is_copied)
{
	char path[] = "/tmp/tenant-test-exe-seal.XXXXXX";
	int p[2], empty = mkstemp(path);

	ASSERT_TRUE(empty >= 0);
	unlink(path);
	ASSERT_EQ(tn_exe_seal_copy(empty), -EINVAL);
	ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
	ASSERT_EQ(tn_exe_seal_copy(p[0]), -EINVAL);
	ASSERT_EQ(tn_exe_seal_copy(-1), -EBADF);
	close(empty), close(p[0]), close(p[1]);
}

TAP_MAIN
