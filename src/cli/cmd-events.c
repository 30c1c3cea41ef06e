/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant events [--stats] [--interval D] ID`, as runc's: the container's cgroup statistics as
 * one JSON line ({"type":"stats","id":ID,"data":{...}}) with --stats; without it, such a line
 * every interval and {"type":"oom","id":ID} when the kernel OOM-kills in the container, until
 * the container stops.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup-stats.h"
#include "commands.h"
#include "json-writer.h"
#include "oci-state.h"
#include "parse.h"
#include "banned.h"

enum { EVENTS_STATS, EVENTS_INTERVAL };

const struct tn_cli_option tn_events_options[] = {
	[EVENTS_STATS] = { "stats", 0, NULL, "print the container's statistics once, then exit" },
	[EVENTS_INTERVAL] = { "interval", 0, "DURATION",
			      "time between statistics (Go's form: 5s, 500ms, 1m30s; default 5s)" },
	{ 0 },
};

/* A Go duration ("1m30s", "500ms"), in milliseconds; 0 is refused. */
static int parse_interval(const char *s, uint64_t *ret_ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	uint64_t total = 0;

	while (*s) {
		size_t n = strspn(s, "0123456789"), k = 0;
		uint64_t v;

		if (n == 0 || tn_parse_u64_n(s, n, &v) < 0 || v > UINT32_MAX)
			return -EINVAL;
		s += n;
		/* "ms" before "m". */
		while (k < ELEMENTSOF(units) &&
		       strncmp(s, units[k].unit, strlen(units[k].unit)) != 0)
			k++;
		if (k == ELEMENTSOF(units))
			return -EINVAL;
		s += strlen(units[k].unit);
		total += v * units[k].ms;
	}
	if (total == 0)
		return -EINVAL;
	*ret_ms = total;
	return 0;
}

/* The container, which must not be stopped (runc: "is not running"). */
static int load_running(struct tn_cli *cli, const char *root, const char *id, struct tn_state *s)
{
	int r = tn_state_load(root, id, s, &cli->err);

	if (r < 0)
		return r;
	if (s->status == TN_STATUS_STOPPED)
		return tn_error_set(&cli->err, EINVAL, "container '%s' is not running", id);
	if (!s->cgroup_path || !s->cgroup_path[0])
		return tn_error_set(&cli->err, ENOENT, "container '%s' has no cgroup of its own",
				    id);
	return 0;
}

static int print_event(struct tn_cli *cli, const char *type, const char *id,
		       const struct tn_cgroup_at *cgroup)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	tn_json_init(&j, &b, false);
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "type", type);
	tn_json_kv_string(&j, "id", id);
	if (cgroup) {
		tn_json_key(&j, "data");
		r = tn_cgroup_stats_json(cgroup, &j);
		if (r < 0)
			return tn_error_errno(&cli->err, -r, "cannot read the statistics of '%s'",
					      id);
	}
	tn_json_end_object(&j);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	fprintf(cli->out, "%s\n", b.data);
	return fflush(cli->out) == 0 ? 0 : -EIO;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A new OOM kill since the last look: an "oom" line. */
static int check_oom(struct tn_cli *cli, const char *id, const struct tn_cgroup_at *cgroup,
		     uint64_t *kills, bool *known)
{
	uint64_t k;
	int r;

	if (tn_cgroup_oom_kills(cgroup, &k) < 0)
		return 0;
	if (*known && k > *kills) {
		r = print_event(cli, "oom", id, NULL);
		if (r < 0)
			return r;
	}
	*kills = k;
	*known = true;
	return 0;
}

/* Statistics every interval (the first after one, as runc's ticker), OOM kills every 100 ms,
 * until the container stops. */
static int stream(struct tn_cli *cli, const char *root, const char *id, uint64_t interval_ms)
{
	uint64_t kills = 0, next = now_ms() + interval_ms;
	bool known = false;

	for (;;) {
		_cleanup_(tn_state_done) struct tn_state s = { 0 };
		struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
		struct tn_cgroup_at at;
		int r = tn_state_load(root, id, &s, NULL);

		if (r < 0 || s.status == TN_STATUS_STOPPED || !s.cgroup_path || !s.cgroup_path[0])
			return 0;
		at = tn_state_cgroup(&s);
		r = check_oom(cli, id, &at, &kills, &known);
		if (r < 0)
			return r;
		if (now_ms() >= next) {
			next += interval_ms;
			r = print_event(cli, "stats", id, &at);
			if (r < 0)
				return r;
		}
		nanosleep(&tick, NULL);
	}
}

int tn_cmd_events(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_free_ char *root_buf = NULL;
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	const char *root = tn_cli_state_root(cli, &root_buf);
	uint64_t interval_ms = 5000;
	int r;

	if (!root)
		return -ENOMEM;
	if (tn_cli_has(a, EVENTS_INTERVAL) &&
	    parse_interval(a->value[EVENTS_INTERVAL], &interval_ms) < 0)
		return tn_cli_usage(cli, "--interval: '%s' is not a duration (5s, 500ms, 1m)",
				    a->value[EVENTS_INTERVAL]);
	r = load_running(cli, root, a->pos[0], &s);
	if (r < 0)
		return r;
	if (tn_cli_has(a, EVENTS_STATS))
		return print_event(cli, "stats", a->pos[0],
				   &(struct tn_cgroup_at){ s.cgroup_path, s.cgroup_parent });
	return stream(cli, root, a->pos[0], interval_ms);
}
