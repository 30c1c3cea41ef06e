/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What /proc says about one process: its start time (field 22 of /proc/PID/stat, which tells a
 * process from a later one given the same PID), its command name and its user namespace.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Start time of a process, in clock ticks since boot; 0 when it does not exist or is a
 * zombie. */
uint64_t tn_proc_start_time(pid_t pid);
/* The same for a process whose main thread has ended (a zombie, whose other threads may run on:
 * its PID is not reused while it is there). */
uint64_t tn_proc_start_time_any(pid_t pid);
/* The command name of a process (/proc/PID/comm, without its newline), allocated; -errno when
 * it cannot be read (the process ended). */
int tn_proc_comm(pid_t pid, char **ret);
/* The inode of a process's user namespace, as lsns -t user shows it; 0 when it cannot be
 * read. */
uint64_t tn_proc_userns_inode(pid_t pid);
