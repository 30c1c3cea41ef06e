/* SPDX-License-Identifier: Apache-2.0 */
#include <dlfcn.h>
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "macro.h"
#include "sdbus.h"
#include "sock.h"
#include "banned.h"

#define SD_DEST	     "org.freedesktop.systemd1"
#define SD_PATH	     "/org/freedesktop/systemd1"
#define SD_MANAGER   "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT  (30ULL * 1000000ULL) /* as runc: 30 s for a job */
#define CALL_TIMEOUT (0)		  /* sd-bus's default (25 s) */

/* The part of libsystemd tenant uses, resolved once. */
struct sd_api {
	int (*bus_new)(sd_bus **);
	int (*set_address)(sd_bus *, const char *);
	int (*start)(sd_bus *);
	int (*open_system)(sd_bus **);
	int (*open_user)(sd_bus **);
	sd_bus *(*flush_close_unref)(sd_bus *);
	int (*call)(sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
	int (*process)(sd_bus *, sd_bus_message **);
	int (*wait)(sd_bus *, uint64_t);
	sd_bus_slot *(*slot_unref)(sd_bus_slot *);
	int (*new_method_call)(sd_bus *, sd_bus_message **, const char *, const char *,
			       const char *, const char *);
	sd_bus_message *(*message_unref)(sd_bus_message *);
	int (*append)(sd_bus_message *, const char *, ...);
	int (*append_array)(sd_bus_message *, char, const void *, size_t);
	int (*open_container)(sd_bus_message *, char, const char *);
	int (*close_container)(sd_bus_message *);
	int (*read)(sd_bus_message *, const char *, ...);
	int (*match_signal)(sd_bus *, sd_bus_slot **, const char *, const char *, const char *,
			    const char *, sd_bus_message_handler_t, void *);
	int (*get_property_string)(sd_bus *, const char *, const char *, const char *, const char *,
				   sd_bus_error *, char **);
	int (*get_property)(sd_bus *, const char *, const char *, const char *, const char *,
			    sd_bus_error *, sd_bus_message **, const char *);
	int (*read_array)(sd_bus_message *, char, const void **, size_t *);
	void (*error_free)(sd_bus_error *);
};

struct tn_sdbus {
	sd_bus *bus;
	/* The job being waited for, and what JobRemoved said of it. */
	const char *job;
	char result[32];
	bool done;
};

static const struct {
	const char *name;
	size_t offset;
} symbols[] = {
#define SYM(field, sym)                                                                            \
	{                                                                                          \
#sym, offsetof(struct sd_api, field)                                               \
	}
	SYM(bus_new, sd_bus_new),
	SYM(set_address, sd_bus_set_address),
	SYM(start, sd_bus_start),
	SYM(open_system, sd_bus_open_system),
	SYM(open_user, sd_bus_open_user),
	SYM(flush_close_unref, sd_bus_flush_close_unref),
	SYM(call, sd_bus_call),
	SYM(process, sd_bus_process),
	SYM(wait, sd_bus_wait),
	SYM(slot_unref, sd_bus_slot_unref),
	SYM(new_method_call, sd_bus_message_new_method_call),
	SYM(message_unref, sd_bus_message_unref),
	SYM(append, sd_bus_message_append),
	SYM(append_array, sd_bus_message_append_array),
	SYM(open_container, sd_bus_message_open_container),
	SYM(close_container, sd_bus_message_close_container),
	SYM(read, sd_bus_message_read),
	SYM(match_signal, sd_bus_match_signal),
	SYM(get_property_string, sd_bus_get_property_string),
	SYM(get_property, sd_bus_get_property),
	SYM(read_array, sd_bus_message_read_array),
	SYM(error_free, sd_bus_error_free),
#undef SYM
};

/* libsystemd.so.0, resolved once per process (never unloaded): file-scope, so that the
 * cleanup functions below reach it. */
static struct sd_api api;
static void *lib;

static void msg_unrefp(sd_bus_message **m)
{
	if (*m)
		api.message_unref(*m);
}

static void error_freep(sd_bus_error *e)
{
	if (lib)
		api.error_free(e);
}

static void slot_unrefp(sd_bus_slot **s)
{
	if (*s)
		api.slot_unref(*s);
}

static void bus_unrefp(sd_bus **b)
{
	if (*b)
		api.flush_close_unref(*b);
}

#define _cleanup_msg_	_cleanup_(msg_unrefp)
#define _cleanup_error_ _cleanup_(error_freep)

static int load_api(const struct sd_api **ret, struct tn_error **err)
{
	if (lib) {
		*ret = &api;
		return 0;
	}
	void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		int r = tn_error_set(err, EOPNOTSUPP, "cannot load libsystemd.so.0: %s", dlerror());
		return tn_error_hint(err, r,
				     "install Debian's libsystemd0 for the systemd cgroup "
				     "manager, or use --cgroup-manager cgroupfs");
	}
	for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
		void *f = dlsym(h, symbols[i].name);
		if (!f) {
			dlclose(h);
			return tn_error_set(err, EOPNOTSUPP, "libsystemd.so.0 has no %s",
					    symbols[i].name);
		}
		memcpy((char *)&api + symbols[i].offset, &f, sizeof(f));
	}
	lib = h;
	*ret = &api;
	return 0;
}

/* The user manager's runtime directory: $XDG_RUNTIME_DIR, else /run/user/UID. */
static int user_runtime_dir(char *buf, size_t size)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	int n = x && x[0] == '/' ? snprintf(buf, size, "%s", x)
				 : snprintf(buf, size, "/run/user/%u", (unsigned)getuid());
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* systemd's private socket for this manager (NULL-free path in buf), or -ENAMETOOLONG. */
static int private_socket(bool user, char *buf, size_t size)
{
	if (!user)
		return snprintf(buf, size, "/run/systemd/private") < (int)size ? 0 : -ENAMETOOLONG;
	char dir[PATH_MAX];
	int r = user_runtime_dir(dir, sizeof(dir));
	if (r < 0)
		return r;
	int n = snprintf(buf, size, "%s/systemd/private", dir);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool connectable(const char *path)
{
	_cleanup_close_ int fd = -1;

	return tn_unix_connect(path, &fd) == 0;
}

bool tn_sdbus_reachable(bool user)
{
	char path[PATH_MAX], dir[PATH_MAX];
	struct stat st;

	if (!user && (lstat("/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode)))
		return false; /* not booted with systemd (sd_booted) */
	if (private_socket(user, path, sizeof(path)) == 0 && connectable(path))
		return true;
	if (!user)
		return connectable("/run/dbus/system_bus_socket");
	if (user_runtime_dir(dir, sizeof(dir)) < 0)
		return false;
	int n = snprintf(path, sizeof(path), "%s/bus", dir);
	return n > 0 && (size_t)n < sizeof(path) && connectable(path);
}

bool tn_sdbus_system_private(void)
{
	return connectable("/run/systemd/private");
}

static int open_private(const char *path, sd_bus **ret)
{
	_cleanup_(bus_unrefp) sd_bus *bus = NULL;
	char address[PATH_MAX + 16];
	int n = snprintf(address, sizeof(address), "unix:path=%s", path);

	if (n < 0 || (size_t)n >= sizeof(address))
		return -ENAMETOOLONG;
	int r = api.bus_new(&bus);
	if (r < 0)
		return r;
	r = api.set_address(bus, address);
	if (r < 0)
		return r;
	r = api.start(bus);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(bus);
	return 0;
}

/* The manager's private socket (no dbus-daemon needed), else the bus. */
static int connect_bus(bool user, sd_bus **ret)
{
	char path[PATH_MAX];

	if (private_socket(user, path, sizeof(path)) == 0 && access(path, F_OK) == 0 &&
	    open_private(path, ret) == 0)
		return 0;
	return user ? api.open_user(ret) : api.open_system(ret);
}

int tn_sdbus_open(bool user, struct tn_sdbus **ret, struct tn_error **err)
{
	_cleanup_(bus_unrefp) sd_bus *bus = NULL;
	const struct sd_api *a;
	int r = load_api(&a, err);

	if (r < 0)
		return r;
	r = connect_bus(user, &bus);
	if (r < 0) {
		r = tn_error_errno(err, -r, "cannot connect to the systemd %s manager",
				   user ? "user" : "system");
		return tn_error_hint(
			err, r, "%s",
			user ? "the user's systemd must run (loginctl enable-linger USER) and "
			       "XDG_RUNTIME_DIR name its runtime directory; or use --cgroup-manager "
			       "cgroupfs"
			     : "systemd must be PID 1 with /run/systemd/private or the system bus "
			       "reachable; or use --cgroup-manager cgroupfs");
	}
	struct tn_sdbus *b = calloc(1, sizeof(*b));
	if (!b)
		return tn_error_errno(err, ENOMEM, "cannot connect to systemd");
	b->bus = TAKE_PTR(bus);
	*ret = b;
	return 0;
}

void tn_sdbus_close(struct tn_sdbus *b)
{
	api.flush_close_unref(b->bus);
	free(b);
}

int tn_sd_props_add(struct tn_sd_props *p, const struct tn_sd_prop *prop)
{
	if (p->n >= ELEMENTSOF(p->v))
		return -E2BIG;
	p->v[p->n++] = *prop;
	return 0;
}

static int append_value(sd_bus_message *m, const struct tn_sd_prop *p)
{
	switch (p->type) {
	case 'b':
		return api.append(m, "b", (int)p->b);
	case 't':
		return api.append(m, "t", p->t);
	case 's':
		return api.append(m, "s", p->s);
	case 'p':
		return api.append(m, "au", 1, p->pid);
	default:
		return api.append_array(m, 'y', p->bits, p->n_bits);
	}
}

static int append_prop(sd_bus_message *m, const struct tn_sd_prop *p)
{
	static const char *const sig[128] = {
		['b'] = "b", ['t'] = "t", ['s'] = "s", ['p'] = "au", ['y'] = "ay"
	};
	const char *s = (unsigned char)p->type < 128 ? sig[(unsigned char)p->type] : NULL;

	if (!s)
		return -EINVAL;
	int r = api.open_container(m, 'r', "sv");
	if (r < 0)
		return r;
	r = api.append(m, "s", p->name);
	if (r < 0)
		return r;
	r = api.open_container(m, 'v', s);
	if (r < 0)
		return r;
	r = append_value(m, p);
	if (r < 0)
		return r;
	r = api.close_container(m);
	if (r < 0)
		return r;
	return api.close_container(m);
}

static int append_props(sd_bus_message *m, const struct tn_sd_props *p)
{
	int r = api.open_container(m, 'a', "(sv)");

	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n; i++) {
		r = append_prop(m, &p->v[i]);
		if (r < 0)
			return r;
	}
	return api.close_container(m);
}

/* A bus error as -errno: the two systemd names callers tell apart, else the call's errno. */
static int bus_errno(const sd_bus_error *e, int r)
{
	if (e->name && strcmp(e->name, "org.freedesktop.systemd1.UnitExists") == 0)
		return -EEXIST;
	if (e->name && strcmp(e->name, "org.freedesktop.systemd1.NoSuchUnit") == 0)
		return -ENOENT;
	return r < 0 ? r : -EIO;
}

/* The error of a call, as "what: systemd's message" (or the errno's). */
static int call_error(struct tn_error **err, const sd_bus_error *e, int r, const char *what,
		      const char *unit)
{
	r = bus_errno(e, r);
	return tn_error_set(err, -r, "%s %s: %s", what, unit,
			    e->message ? e->message : strerror(-r));
}

static int job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct tn_sdbus *b = userdata;
	const char *job = NULL, *unit = NULL, *result = NULL;
	uint32_t id;

	(void)ret_error;
	if (!b->job || api.read(m, "uoss", &id, &job, &unit, &result) < 0)
		return 0;
	if (strcmp(job, b->job) != 0)
		return 0;
	snprintf(b->result, sizeof(b->result), "%s", result);
	b->done = true;
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

/* Wait for JobRemoved of b->job: 0 with b->result, or -ETIMEDOUT. */
static int wait_job(struct tn_sdbus *b)
{
	uint64_t end = now_usec() + JOB_TIMEOUT;

	while (!b->done) {
		int r = api.process(b->bus, NULL);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		uint64_t now = now_usec();
		if (now >= end)
			return -ETIMEDOUT;
		r = api.wait(b->bus, end - now);
		if (r < 0 && r != -EINTR)
			return r;
	}
	return 0;
}

/*
 * Call a Manager method that queues a job ("o" in the reply) and wait for it: the signal is
 * matched before the call, so it cannot be missed. ret_result: "done", "failed"...
 */
static int job_call(struct tn_sdbus *b, sd_bus_message *m, char *ret_result, size_t size,
		    sd_bus_error *e)
{
	_cleanup_(slot_unrefp) sd_bus_slot *slot = NULL;
	_cleanup_msg_ sd_bus_message *reply = NULL;
	const char *job = NULL;
	int r = api.match_signal(b->bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
				 job_removed, b);

	if (r < 0)
		return r;
	r = api.call(b->bus, m, CALL_TIMEOUT, e, &reply);
	if (r < 0)
		return r;
	r = api.read(reply, "o", &job);
	if (r < 0)
		return r;
	b->job = job;
	b->done = false;
	r = wait_job(b);
	b->job = NULL;
	if (r < 0)
		return r;
	snprintf(ret_result, size, "%s", b->result);
	return 0;
}

static int new_call(struct tn_sdbus *b, sd_bus_message **m, const char *member)
{
	return api.new_method_call(b->bus, m, SD_DEST, SD_PATH, SD_MANAGER, member);
}

/* StartTransientUnit's message: name, mode, properties, no auxiliary units. */
static int start_message(struct tn_sdbus *b, const char *unit, const struct tn_sd_props *props,
			 sd_bus_message **ret)
{
	_cleanup_msg_ sd_bus_message *m = NULL;
	int r = new_call(b, &m, "StartTransientUnit");

	if (r < 0)
		return r;
	r = api.append(m, "ss", unit, "replace");
	if (r < 0)
		return r;
	r = append_props(m, props);
	if (r < 0)
		return r;
	r = api.append(m, "a(sa(sv))", 0);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(m);
	return 0;
}

int tn_sdbus_start_transient(struct tn_sdbus *b, const char *unit, const struct tn_sd_props *props,
			     struct tn_error **err)
{
	_cleanup_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *m = NULL;
	char result[32] = "";
	int r = start_message(b, unit, props, &m);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot ask systemd for %s", unit);
	r = job_call(b, m, result, sizeof(result), &e);
	if (r < 0 && bus_errno(&e, r) == -EEXIST)
		return -EEXIST;
	if (r < 0)
		return call_error(err, &e, r, "systemd cannot start", unit);
	if (strcmp(result, "done") == 0)
		return 0;
	(void)tn_sdbus_stop(b, unit, NULL); /* resets the failed unit */
	r = tn_error_set(err, EIO, "systemd did not start %s: its job ended '%s'", unit, result);
	return tn_error_hint(err, r, "journalctl -u %s says why", unit);
}

int tn_sdbus_set_properties(struct tn_sdbus *b, const char *unit, const struct tn_sd_props *props,
			    struct tn_error **err)
{
	_cleanup_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *m = NULL, *reply = NULL;
	int r = new_call(b, &m, "SetUnitProperties");

	if (r < 0)
		return tn_error_errno(err, -r, "cannot ask systemd to change %s", unit);
	r = api.append(m, "sb", unit, 1);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot ask systemd to change %s", unit);
	r = append_props(m, props);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot ask systemd to change %s", unit);
	r = api.call(b->bus, m, CALL_TIMEOUT, &e, &reply);
	if (r < 0)
		return call_error(err, &e, r, "systemd cannot set the properties of", unit);
	return 0;
}

/* A Manager method taking one unit name, its reply unread; -errno, systemd's error in *e. */
static int unit_call(struct tn_sdbus *b, const char *member, const char *unit, sd_bus_error *e,
		     sd_bus_message **reply)
{
	_cleanup_msg_ sd_bus_message *m = NULL;
	int r = new_call(b, &m, member);

	if (r < 0)
		return r;
	r = api.append(m, "s", unit);
	if (r < 0)
		return r;
	return api.call(b->bus, m, CALL_TIMEOUT, e, reply);
}

void tn_sdbus_reset_failed(struct tn_sdbus *b, const char *unit)
{
	_cleanup_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *reply = NULL;

	(void)unit_call(b, "ResetFailedUnit", unit, &e, &reply); /* not failed: nothing to do */
}

int tn_sdbus_stop(struct tn_sdbus *b, const char *unit, struct tn_error **err)
{
	_cleanup_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *m = NULL;
	char result[32] = "";
	int r = new_call(b, &m, "StopUnit");

	if (r < 0)
		return tn_error_errno(err, -r, "cannot ask systemd to stop %s", unit);
	r = api.append(m, "ss", unit, "replace");
	if (r < 0)
		return tn_error_errno(err, -r, "cannot ask systemd to stop %s", unit);
	r = job_call(b, m, result, sizeof(result), &e);
	tn_sdbus_reset_failed(b, unit);
	if (r < 0 && bus_errno(&e, r) != -ENOENT) /* gone already: what stop wants */
		return call_error(err, &e, r, "systemd cannot stop", unit);
	return 0;
}

int tn_sdbus_control_group(struct tn_sdbus *b, const char *unit, const char *interface, char **ret,
			   struct tn_error **err)
{
	_cleanup_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *reply = NULL;
	const char *path = NULL;
	char iface[64];
	int r = unit_call(b, "GetUnit", unit, &e, &reply);

	if (r < 0)
		return call_error(err, &e, r, "cannot ask systemd where the cgroup is of", unit);
	r = api.read(reply, "o", &path);
	if (r < 0)
		return call_error(err, &e, r, "cannot ask systemd where the cgroup is of", unit);
	snprintf(iface, sizeof(iface), "org.freedesktop.systemd1.%s", interface);
	r = api.get_property_string(b->bus, SD_DEST, path, iface, "ControlGroup", &e, ret);
	if (r < 0)
		return call_error(err, &e, r, "cannot ask systemd where the cgroup is of", unit);
	return 0;
}

unsigned tn_sdbus_version(struct tn_sdbus *b)
{
	_cleanup_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_free_ char *v = NULL;
	unsigned n = 0;

	if (api.get_property_string(b->bus, SD_DEST, SD_PATH, SD_MANAGER, "Version", &e, &v) < 0)
		return 0;
	for (const char *p = v[0] == 'v' ? v + 1 : v; *p >= '0' && *p <= '9' && n < 100000; p++)
		n = n * 10 + (unsigned)(*p - '0');
	return n;
}

int tn_sdbus_invocation(struct tn_sdbus *b, const char *unit, char ret[33], struct tn_error **err)
{
	_cleanup_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
	_cleanup_msg_ sd_bus_message *reply = NULL, *prop = NULL;
	const char *path = NULL;
	const void *id = NULL;
	size_t n = 0;
	int r = unit_call(b, "GetUnit", unit, &e, &reply);

	if (r < 0 && bus_errno(&e, r) == -ENOENT)
		return -ENOENT; /* not loaded: gone */
	if (r < 0)
		return call_error(err, &e, r, "cannot ask systemd about", unit);
	r = api.read(reply, "o", &path);
	if (r < 0)
		return call_error(err, &e, r, "cannot ask systemd about", unit);
	r = api.get_property(b->bus, SD_DEST, path, "org.freedesktop.systemd1.Unit", "InvocationID",
			     &e, &prop, "ay");
	if (r < 0)
		return call_error(err, &e, r, "cannot ask systemd about", unit);
	r = api.read_array(prop, 'y', &id, &n);
	if (r < 0 || n != 16)
		return call_error(err, &e, r < 0 ? r : -EBADMSG, "cannot ask systemd about", unit);
	for (size_t i = 0; i < 16; i++)
		snprintf(ret + 2 * i, 3, "%02x", ((const uint8_t *)id)[i]);
	return 0;
}
