/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tenant's binary, out of reach of the containers it starts (CVE-2019-5736; SECURITY.md).
 *
 * The child stages that enter a container's namespaces (create's stage 1 and init, exec's two
 * stages) are forks of tenant, so their /proc/PID/exe is tenant's executable. Were that the file
 * on the host's disk, a process in the container could open it through /proc/PID/exe, or make
 * it its own interpreter with `#!/proc/self/exe`, and overwrite the binary the host runs next
 * (as host root, or as a rootless user who owns it). So the verbs that fork into a container
 * (create, run, exec: TN_CMD_SEALED_EXE in the command table) first execute tenant again from
 * a copy in memory: a memfd of mode 0555, sealed against every change (F_SEAL_WRITE,
 * F_SEAL_SHRINK, F_SEAL_GROW, then F_SEAL_SEAL). A container can reach only that copy, and no one,
 * root included, can change a sealed memfd. The stages are also non-dumpable until they exec
 * the container's process (container-init.c, container-exec.c), so even the copy, their fds and
 * their memory are out of a container's reach while tenant's code runs there.
 *
 * Whether tenant runs from such a copy already is read from the kernel (the seals of
 * /proc/self/exe), never from the environment, so argv and the environment stay as they were.
 */
#pragma once

#include <fcntl.h>
#include <stdbool.h>

#include "error.h"

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
