/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tenant's binary, out of reach of the containers it starts (CVE-2019-5736; SECURITY.md).
 *
 * The child stages that enter a container's namespaces (create's stage 1 and init, exec's two
 * stages) are forks of tenant, so their /proc/PID/exe is tenant's executable. Were that the file
 * on the host's disk, a process in the container could open it through /proc/PID/exe, or make
 * it its own interpreter with `#!/proc/self/exe`, and overwrite the binary the host runs next
 * (as host root, or as a rootless user who owns it). So the verbs that fork into a container
 * (create, run, exec) execute tenant again from a copy in memory, before they enter a container
 * that could write the binary: a memfd of mode 0555, sealed against every change (F_SEAL_WRITE,
 * F_SEAL_SHRINK, F_SEAL_GROW, then F_SEAL_SEAL). A container can reach only that copy, and no one,
 * root included, can change a sealed memfd. The stages are also non-dumpable until they exec
 * the container's process (container-init.c, container-exec.c), so even the copy, their fds and
 * their memory are out of a container's reach while tenant's code runs there.
 *
 * Whether tenant runs from such a copy already is read from the kernel (the seals of
 * /proc/self/exe), never from the environment, so argv and the environment stay as they were.
 *
 * Which containers could write the binary is decided from the file and the container's maps, as
 * the kernel decides a write: one without a user namespace of its own (its root is host root;
 * runc's and crun's default), or one whose maps hold the file's owner or group (its root then has
 * CAP_DAC_OVERRIDE and CAP_FOWNER over the file: a rootless user's own binary), or any container
 * when the file is writable by others, has an ACL, or is on FUSE (whose server may decide
 * permissions without looking at modes). Otherwise (a root-owned 0755 binary and a
 * container in a user namespace that does not map host root: Kubernetes' hostUsers: false,
 * --userns auto, rootless podman) every credential a container can have is "other" to the file,
 * no capability of its namespace applies to it, and the copy, which costs an execve, is not made.
 */
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>

#include "error.h"
#include "idmap.h"

/* The seals of a copy: no write, no size change, and no way to lift any of them. */
#define TN_EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Whether fd is a sealed copy: a memfd carrying every seal of TN_EXE_SEALS. */
bool tn_exe_fd_sealed(int fd);

/* A sealed, mode 0555 copy of the regular file open at fd (read from offset 0): a new fd
 * (O_CLOEXEC), or -errno. */
int tn_exe_seal_copy(int fd);

/*
 * Run from a sealed copy: 0 when /proc/self/exe is one already (the command's name, which the
 * kernel took from the memfd's fd number, becomes argv[0]'s last component again); otherwise a
 * copy of /proc/self/exe is made and executed with `argv` and `envp`, which returns only on
 * failure. Only the executable changes: the PID, every fd without O_CLOEXEC (stdio,
 * --preserve-fds, LISTEN_FDS), the signal mask and ignored signals, rlimits, the working
 * directory and the umask carry over, as in any execve.
 */
int tn_exe_run_sealed(char *const argv[], char *const envp[], struct tn_error **err);

/* Whether a container with these maps (NULL: no user namespace of its own, or one that cannot be
 * read) could write tenant's binary, which is not a sealed copy already. */
bool tn_exe_reachable(const struct tn_idmap *const maps[2]);

/* tn_exe_run_sealed when tn_exe_reachable(maps), with the signal mask `sigmask` (what tenant
 * started with, when it has blocked signals to forward them since; NULL: as it is): 0 when there
 * is no need (or tenant runs from a copy); else it does not return on success. */
int tn_exe_seal_if_reachable(const struct tn_idmap *const maps[2], char *const argv[],
			     char *const envp[], const sigset_t *sigmask, struct tn_error **err);
