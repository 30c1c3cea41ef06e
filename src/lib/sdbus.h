/* SPDX-License-Identifier: Apache-2.0 */
/*
 * systemd's D-Bus API through Debian's libsystemd (sd-bus), loaded with dlopen only when the
 * systemd cgroup manager is asked for: a plain create pays nothing for it (issue 19), and a
 * host without libsystemd.so.0 gets a clear error, not a binary that fails to start.
 *
 * The connection goes to systemd's own private socket where there is one (root, or the user's
 * manager at $XDG_RUNTIME_DIR/systemd/private: no dbus-daemon needed, as systemctl does), else
 * to the system or session bus. Calls that start or stop a unit wait for the job's JobRemoved
 * signal and report its result, as runc does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct tn_sdbus;

/* One unit property, as plain data (the plan): its D-Bus type is one of b, t, s, au, ay. */
struct tn_sd_prop {
	const char *name;
	char type; /* 'b', 't', 's', 'p' (au of one PID), 'y' (ay) */
	bool b;
	uint64_t t;
	const char *s;
	uint32_t pid;
	uint8_t bits[128]; /* ay: a bitmask, bit N of byte N/8 (AllowedCPUs) */
	size_t n_bits;	   /* bytes used */
};

struct tn_sd_props {
	struct tn_sd_prop v[32];
	size_t n;
	char text[256]; /* storage for a string property (the Description) */
};

/* Append a property; -E2BIG when the table is full. */
int tn_sd_props_add(struct tn_sd_props *p, const struct tn_sd_prop *prop);

/*
 * Connect to the system manager (user false) or the caller's user manager (true). Errors name
 * what is missing (libsystemd, the bus socket) with a hint.
 */
int tn_sdbus_open(bool user, struct tn_sdbus **ret, struct tn_error **err);
void tn_sdbus_close(struct tn_sdbus *b);
static inline void tn_sdbus_closep(struct tn_sdbus **b)
{
	if (*b)
		tn_sdbus_close(*b);
}
#define _cleanup_sdbus_ __attribute__((cleanup(tn_sdbus_closep)))

/* The manager's Version property as a number (252 for "252.38-1~deb12u1"); 0 if unknown. */
unsigned tn_sdbus_version(struct tn_sdbus *b);

/* StartTransientUnit(name, "replace", props) and wait for its job: -EEXIST if the unit exists. */
int tn_sdbus_start_transient(struct tn_sdbus *b, const char *unit, const struct tn_sd_props *props,
			     struct tn_error **err);
/* SetUnitProperties(name, runtime, props). */
int tn_sdbus_set_properties(struct tn_sdbus *b, const char *unit, const struct tn_sd_props *props,
			    struct tn_error **err);
/* StopUnit(name, "replace") and wait for its job, then ResetFailedUnit; a unit that is gone
 * already is not an error. */
int tn_sdbus_stop(struct tn_sdbus *b, const char *unit, struct tn_error **err);
/* The unit's InvocationID (32 hex digits): which start of a unit of that name it is. -ENOENT
 * when no unit of that name is loaded. */
int tn_sdbus_invocation(struct tn_sdbus *b, const char *unit, char ret[33], struct tn_error **err);
/* ResetFailedUnit: a failed unit of that name is forgotten (nothing happens to another). */
void tn_sdbus_reset_failed(struct tn_sdbus *b, const char *unit);
/* The unit's ControlGroup ("/system.slice/x.scope"); interface "Scope" or "Slice". */
int tn_sdbus_control_group(struct tn_sdbus *b, const char *unit, const char *interface, char **ret,
			   struct tn_error **err);
/* Whether a manager answers on that socket, without libsystemd: for `features` and `check`. */
bool tn_sdbus_reachable(bool user);
/* Whether the system manager's private socket takes this process (its root, in a system
 * container's user namespace too; not root of a rootless engine's namespace). */
bool tn_sdbus_system_private(void);
