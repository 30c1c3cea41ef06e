/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's state directory, made and removed (container.h). The directory a delete
 * emptied is kept as the state root's one spare, TN_SPARE_DIR, and the next create takes it
 * by a rename that fails when the ID is taken, as mkdir would: on a disk filesystem a new
 * directory costs an inode and a block, and removing one frees the block (with ext4's
 * `discard` and no journal, a discard the rmdir waits for: half a millisecond here), where
 * two renames cost neither. The spare is not a container ID (container IDs have no '~'), so
 * `list` and every ID lookup pass it by.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/types.h>

#include "container.h"
#include "fs.h"
#include "oci-state.h"
#include "banned.h"

#define TN_SPARE_DIR ".~spare"

/* The spare next to `dir` (a container's directory, "ROOT/ID"). */
static char *spare_of(const char *dir)
{
	_cleanup_free_ char *root = tn_path_dirname(dir);
	char *p;

	return root && asprintf(&p, "%s/" TN_SPARE_DIR, root) >= 0 ? p : NULL;
}

/* Nothing in it, and as mkdir(dir, 0700) by this user makes it. */
static bool as_new(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != geteuid() || st.st_gid != getegid() ||
	    (st.st_mode & 07777) != 0700)
		return false;
	d = fdopendir(fd);
	if (!d)
		return false;
	TAKE_FD(fd); /* the DIR's */
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			return false;
	return true;
}

/* The temporary files of a state.json or config copy a killed create or state write left
 * (tn_volatile_replace's), and nothing else: the directory is tenant's. */
static void remove_temporaries(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_type == DT_REG && (tn_replace_temporary_of(e->d_name, TN_STATE_FILE) ||
					    tn_replace_temporary_of(e->d_name, TN_CONFIG_COPY)))
			(void)unlinkat(dirfd(d), e->d_name, 0);
}

/* What a container's directory holds, then the directory, kept as the spare when there is none. */
int tn_container_remove_dir(const char *dir)
{
	static const char *const files[] = { TN_EXEC_FIFO, TN_STATE_FILE, TN_CONFIG_COPY };
	_cleanup_free_ char *to = spare_of(dir);
	char path[PATH_MAX];

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			return negative_errno();
	}
	/* Not when the root has its spare already, nor a directory a killed create left more in. */
	if (to && as_new(dir) && renameat2(AT_FDCWD, dir, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != ENOTEMPTY && errno != EEXIST)
		return negative_errno();
	remove_temporaries(dir);
	return rmdir(dir) < 0 && errno != ENOENT ? negative_errno() : 0;
}

/*
 * A spare not as a delete leaves one (someone with the state root's rights, who alone can
 * write there, changed it) is left where it is: a new directory instead. Only the root's owner
 * can change it between the check and the rename, as they can any container's directory.
 */
int tn_container_make_dir(const char *dir)
{
	_cleanup_free_ char *spare = spare_of(dir);

	if (!spare)
		return -ENOMEM;
	if (as_new(spare)) {
		if (renameat2(AT_FDCWD, spare, AT_FDCWD, dir, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EEXIST)
			return -EEXIST; /* the ID is taken: the spare stays */
	}
	return mkdir(dir, 0700) < 0 ? negative_errno() : 0;
}

int tn_container_make_fifo(const char *dir, int *ret_fd, struct tn_error **err)
{
	_cleanup_free_ char *fifo = NULL;

	if (asprintf(&fifo, "%s/%s", dir, TN_EXEC_FIFO) < 0)
		return -ENOMEM;
	if (mkfifo(fifo, 0600) < 0 || chmod(fifo, 0622) < 0)
		return tn_error_errno(err, errno, "cannot create %s", fifo);
	*ret_fd = open(fifo, O_PATH | O_CLOEXEC);
	if (*ret_fd < 0)
		return tn_error_errno(err, errno, "cannot create %s", fifo);
	return 0;
}
