/* SPDX-License-Identifier: Apache-2.0 */
/* config.json through tables of fields (oci-fields.h, oci-config.h): values, messages, frees. */
#include <errno.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "oci-config.h"
#include "oci-fields.h"
#include "tap.h"

/* A table of every kind of field, on a struct of its own. */
struct sample {
	char *name;
	bool on;
	int small;
	int64_t big;
	uint32_t id, u;
	uint64_t u64;
	char **list;
	size_t n_list;
	char **map;
	size_t n_map;
	uint32_t *ids;
	size_t n_ids;
	bool has_small;
	struct sample_item {
		char *path;
		uint32_t weight;
	} * items;
	size_t n_items;
};

#define S(k, t, m, ...) TN_FIELD(struct sample, k, t, m, __VA_ARGS__)
#define I(k, t, m, ...) TN_FIELD(struct sample_item, k, t, m, __VA_ARGS__)

static const struct tn_field item_fields[] = {
	I("path", STRING, path, TN_FIELD_REQUIRED, .check = tn_field_check_absolute),
	I("weight", U32, weight, 0),
	{ 0 },
};

static const struct tn_field sample_fields[] = {
	S("name", STRING, name, TN_FIELD_REQUIRED),
	S("on", BOOL, on, 0),
	S("small", INT, small, TN_FIELD_HAS, TN_GIVEN(struct sample, has_small), .min = -5,
	  .max = 5),
	S("big", I64, big, 0, .min = -1, .max = INT64_MAX),
	S("id", ID, id, 0),
	S("u", U32, u, 0),
	S("u64", U64, u64, 0),
	S("list", STRINGS, list, 0, TN_COUNT(struct sample, n_list)),
	S("map", STRING_MAP, map, 0, TN_COUNT(struct sample, n_map)),
	S("ids", IDS, ids, 0, TN_COUNT(struct sample, n_ids)),
	S("items", ARRAY, items, 0, TN_COUNT(struct sample, n_items), .fields = item_fields,
	  .elem_size = sizeof(struct sample_item)),
	{ 0 },
};

static int parse_sample(const char *text, struct sample *s, struct tn_error **err)
{
	struct tn_cfg c = { .file = "s.json", .err = err };
	struct tn_json_syntax_error se;
	struct tn_json_value *v = NULL;
	int r = tn_json_parse(text, strlen(text), &v, &se);

	*s = (struct sample){ 0 };
	if (r < 0)
		return r;
	r = tn_fields_parse(&c, sample_fields, v, "s", s);
	tn_json_value_free(v);
	return r;
}

TEST(fields_every_type)
{
	struct sample s;

	ASSERT_EQ(parse_sample(
			  "{\"name\": \"n\", \"on\": true, \"small\": -5, \"big\": -1,"
			  " \"id\": 4294967294, \"u\": 4294967295, \"u64\": 18446744073709551615,"
			  " \"list\": [\"a\", \"b\"], \"map\": {\"k\": \"v\"}, \"ids\": [1, 2],"
			  " \"items\": [{\"path\": \"/x\", \"weight\": 3}, {\"path\": \"/y\"}],"
			  " \"unknown\": [1]}",
			  &s, NULL),
		  0);
	ASSERT_STREQ(s.name, "n");
	ASSERT_TRUE(s.on);
	ASSERT_EQ(s.small, -5);
	ASSERT_TRUE(s.has_small);
	ASSERT_EQ(s.big, -1);
	ASSERT_EQ_U(s.id, 4294967294u);
	ASSERT_EQ_U(s.u, 4294967295u);
	ASSERT_EQ_U(s.u64, UINT64_MAX);
	ASSERT_EQ(s.n_list, 2);
	ASSERT_STREQ(s.list[1], "b");
	ASSERT_TRUE(s.list[2] == NULL);
	ASSERT_EQ(s.n_map, 1);
	ASSERT_STREQ(s.map[0], "k");
	ASSERT_STREQ(s.map[1], "v");
	ASSERT_EQ(s.n_ids, 2);
	ASSERT_EQ(s.ids[1], 2);
	ASSERT_EQ(s.n_items, 2);
	ASSERT_STREQ(s.items[1].path, "/y");
	ASSERT_EQ(s.items[0].weight, 3);
	tn_fields_done(sample_fields, &s);
	ASSERT_TRUE(s.name == NULL && s.list == NULL && s.items == NULL);
	ASSERT_EQ(s.n_items, 0);
	tn_fields_done(sample_fields, &s); /* twice is harmless */
}

TEST(fields_absent_and_null)
{
	struct sample s;

	ASSERT_EQ(parse_sample("{\"name\": \"n\", \"small\": null, \"list\": null}", &s, NULL), 0);
	ASSERT_FALSE(s.has_small);
	ASSERT_TRUE(s.list == NULL);
	ASSERT_EQ(s.n_list, 0);
	tn_fields_done(sample_fields, &s);
}

static void sample_fails(const char *text, const char *want)
{
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct sample s;

	ASSERT_EQ(parse_sample(text, &s, &err), -EINVAL);
	ASSERT_STREQ(err->message, want);
	tn_fields_done(sample_fields, &s); /* frees what was read before the error */
}

TEST(fields_messages)
{
	sample_fails("{}", "s.json:1:1: s.name: missing (it is required)");
	sample_fails("{\"name\": 1}", "s.json:1:10: s.name: expected a string, got a number (1)");
	sample_fails("{\"name\": \"n\", \"small\": 6}",
		     "s.json:1:24: s.small: expected an integer from -5 to 5, got a number (6)");
	sample_fails("{\"name\": \"n\", \"id\": 4294967295}",
		     "s.json:1:21: s.id: 4294967295 is not a user or group ID (the kernel reads "
		     "it as \"leave unchanged\"); the last valid ID is 4294967294");
	sample_fails("{\"name\": \"n\", \"list\": [\"a\", 2]}",
		     "s.json:1:29: s.list[1]: expected a string, got a number (2)");
	sample_fails("{\"name\": \"n\", \"ids\": [1, \"x\"]}",
		     "s.json:1:26: s.ids[1]: expected an integer from 0 to 4294967294, got a "
		     "string (\"x\")");
	sample_fails("{\"name\": \"n\", \"items\": [{\"path\": \"/a\"}, 3]}",
		     "s.json:1:41: s.items[1]: expected an object, got a number");
	sample_fails("{\"name\": \"n\", \"list\": [\"a\"], \"items\": [{\"path\": \"a\"}]}",
		     "s.json:1:49: s.items[0].path: \"a\" is not an absolute path");
	sample_fails("{\"name\": \"n\", \"items\": [{\"path\": \"/a\", \"weight\": -1}]}",
		     "s.json:1:50: s.items[0].weight: expected an integer from 0 to 4294967295, "
		     "got a number (-1)");
}

static const char minimal[] =
	"{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},\n"
	" \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"/init\"], \"cwd\": \"/\"},\n"
	" \"annotations\": {%s}, \"linux\": {%s}}";

static int parse_config(const char *annotations, const char *lx, struct tn_oci_config *cfg,
			struct tn_error **err)
{
	char text[2048];

	snprintf(text, sizeof(text), minimal, annotations, lx);
	return tn_oci_config_parse("config.json", text, strlen(text), cfg, err);
}

TEST(config_minimal)
{
	struct tn_oci_config cfg;

	ASSERT_EQ(parse_config("", "", &cfg, NULL), 0);
	ASSERT_STREQ(cfg.oci_version, "1.2.0");
	ASSERT_STREQ(cfg.root_path, "rootfs");
	ASSERT_TRUE(cfg.has_process);
	ASSERT_EQ(cfg.process.n_args, 1);
	ASSERT_STREQ(cfg.process.cwd, "/");
	ASSERT_EQ(cfg.policy.userns.kind, TN_USERNS_UNSET);
	ASSERT_EQ(cfg.policy.rootfs_idmap, TN_TRISTATE_AUTO);
	ASSERT_TRUE(cfg.policy.preflight);
	tn_oci_config_done(&cfg);
}

TEST(config_linux_and_policy)
{
	struct tn_oci_config cfg;

	ASSERT_EQ(
		parse_config("\"run.tenant.userns\": \"auto:size=1000\", "
			     "\"run.tenant.rootfs-idmap\": \"off\"",
			     "\"namespaces\": [{\"type\": \"user\"}, {\"type\": \"network\", "
			     "\"path\": \"/proc/1/ns/net\"}], \"uidMappings\": [{\"containerID\": "
			     "0, \"hostID\": 1000, \"size\": 10}], \"gidMappings\": "
			     "[{\"containerID\": 0, \"hostID\": 2000, \"size\": 20}], "
			     "\"resources\": {\"pids\": {\"limit\": 5}, \"devices\": "
			     "[{\"allow\": false}, {\"allow\": false, \"access\": \"war\"}]}",
			     &cfg, NULL),
		0);
	ASSERT_EQ(cfg.policy.userns.kind, TN_USERNS_AUTO);
	ASSERT_EQ_U(cfg.policy.userns.size, 1000);
	ASSERT_EQ(cfg.policy.rootfs_idmap, TN_TRISTATE_OFF);
	ASSERT_TRUE(cfg.ns[TN_NS_USER].present);
	ASSERT_STREQ(cfg.ns[TN_NS_NET].path, "/proc/1/ns/net");
	ASSERT_EQ(cfg.n_gid_mappings, 1);
	ASSERT_EQ_U(cfg.gid_mappings[0].outside, 2000);
	ASSERT_TRUE(cfg.resources.has_pids);
	ASSERT_EQ(cfg.resources.pids_limit, 5);
	ASSERT_FALSE(cfg.resources.has_memory);
	ASSERT_EQ(cfg.resources.n_devices, 2);
	ASSERT_EQ(cfg.resources.devices[0].type, 'a');
	ASSERT_EQ(cfg.resources.devices[0].major, -1);
	ASSERT_STREQ(cfg.resources.devices[0].access, "rwm");
	/* runc's reading: letters other than r, w, m are ignored, the rest in order */
	ASSERT_STREQ(cfg.resources.devices[1].access, "rw");
	tn_oci_config_done(&cfg);
}

TEST(config_resources_every_field)
{
	struct tn_oci_config cfg;
	const struct tn_resources *r = &cfg.resources;

	ASSERT_EQ(parse_config("",
			       "\"resources\": {\"memory\": {\"reservation\": 5, \"swappiness\": "
			       "-1, \"disableOOMKiller\": true}, \"cpu\": {\"realtimeRuntime\": "
			       "-1, \"realtimePeriod\": 7}, \"blockIO\": {\"weight\": 10, "
			       "\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"leafWeight\": "
			       "3}], \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 1, "
			       "\"rate\": 9}]}, \"hugepageLimits\": [{\"pageSize\": \"2MB\", "
			       "\"limit\": 4}], \"network\": {\"classID\": 6, \"priorities\": "
			       "[{\"name\": \"lo\", \"priority\": 2}]}, \"rdma\": {\"mlx\": "
			       "{\"hcaHandles\": 3}}, \"unified\": {\"memory.high\": \"1\"}}",
			       &cfg, NULL),
		  0);
	ASSERT_TRUE(r->has_reservation);
	ASSERT_EQ(r->memory_reservation, 5);
	ASSERT_TRUE(r->has_swappiness);
	ASSERT_EQ(r->swappiness, -1);
	ASSERT_TRUE(r->disable_oom);
	ASSERT_EQ(r->cpu_rt_runtime, -1);
	ASSERT_EQ_U(r->cpu_rt_period, 7);
	ASSERT_EQ_U(r->blkio_weight, 10);
	ASSERT_EQ(r->n_weight_devices, 1);
	ASSERT_EQ_U(r->weight_devices[0].weight, 0);
	ASSERT_EQ_U(r->weight_devices[0].leaf_weight, 3);
	ASSERT_EQ(r->n_throttle[TN_THROTTLE_WRITE_IOPS], 1);
	ASSERT_EQ(r->n_throttle[TN_THROTTLE_READ_BPS], 0);
	ASSERT_EQ(r->throttle[TN_THROTTLE_WRITE_IOPS][0].minor, 1);
	ASSERT_EQ_U(r->throttle[TN_THROTTLE_WRITE_IOPS][0].rate, 9);
	ASSERT_EQ(r->n_hugepages, 1);
	ASSERT_STREQ(r->hugepages[0].page_size, "2MB");
	ASSERT_EQ_U(r->net_class_id, 6);
	ASSERT_STREQ(r->net_priorities[0].name, "lo");
	ASSERT_STREQ(r->rdma[0].device, "mlx");
	ASSERT_TRUE(r->rdma[0].has_handles);
	ASSERT_FALSE(r->rdma[0].has_objects);
	ASSERT_TRUE(r->rdma[1].device == NULL);
	ASSERT_EQ(r->n_unified, 1);
	ASSERT_STREQ(r->unified[1], "1");
	/* update's own free (tn_resources_done) frees the same: then nothing is left for the
	 * config's. */
	tn_resources_done(&cfg.resources);
	tn_oci_config_done(&cfg);
}

TEST(config_linux_devices)
{
	struct tn_oci_config cfg;

	ASSERT_EQ(parse_config("",
			       "\"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", "
			       "\"major\": 10, \"minor\": 229, \"fileMode\": 384, \"uid\": 5, "
			       "\"gid\": 6}, {\"path\": \"/dev/tty9\", \"type\": \"u\"}, "
			       "{\"path\": \"/dev/f\", \"type\": \"p\"}]",
			       &cfg, NULL),
		  0);
	ASSERT_EQ(cfg.n_devices, 3);
	ASSERT_STREQ(cfg.devices[0].path, "/dev/fuse");
	ASSERT_EQ(cfg.devices[0].type, 'c');
	ASSERT_EQ(cfg.devices[0].major, 10);
	ASSERT_EQ(cfg.devices[0].minor, 229);
	ASSERT_TRUE(cfg.devices[0].has_file_mode);
	ASSERT_EQ_U(cfg.devices[0].file_mode, 0600);
	ASSERT_EQ_U(cfg.devices[0].uid, 5);
	ASSERT_EQ_U(cfg.devices[0].gid, 6);
	ASSERT_EQ(cfg.devices[1].type, 'c'); /* "u": unbuffered, a character device */
	ASSERT_FALSE(cfg.devices[1].has_file_mode);
	ASSERT_EQ(cfg.devices[1].major, 0);
	ASSERT_EQ(cfg.devices[2].type, 'p');
	tn_oci_config_done(&cfg);
}

static void config_fails(const char *annotations, const char *lx, const char *want)
{
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_oci_config cfg;

	ASSERT_EQ(parse_config(annotations, lx, &cfg, &err), -EINVAL);
	ASSERT_STREQ(err->message, want);
	ASSERT_TRUE(cfg.oci_version == NULL); /* nothing is left half read */
}

TEST(config_messages)
{
	config_fails("", "\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]",
		     "config.json:3:72: linux.namespaces[1].type: namespace \"pid\" is listed "
		     "twice");
	config_fails("", "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 0}]",
		     "config.json:3:47: linux.uidMappings[0]: size is 0: the extent maps no IDs");
	config_fails("", "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]",
		     "config.json:3:30: linux.uidMappings: mappings are given but "
		     "linux.namespaces has no \"user\" namespace");
	config_fails("", "\"maskedPaths\": [\"/a\", \"b\"]",
		     "config.json:3:53: linux.maskedPaths[1]: \"b\" is not an absolute path");
	config_fails("", "\"resources\": {\"memory\": {\"limit\": null}}",
		     "config.json:3:55: linux.resources.memory.limit: missing (it is required)");
	config_fails("", "\"resources\": {\"devices\": [{\"type\": \"x\"}]}",
		     "config.json:3:66: linux.resources.devices[0].type: \"x\" is not a, b or c");
	config_fails("", "\"devices\": [{\"path\": \"/dev/x\", \"type\": \"q\"}]",
		     "config.json:3:70: linux.devices[0].type: \"q\" is not c, b, u or p");
	config_fails("", "\"devices\": [{\"path\": \"dev/x\", \"type\": \"c\"}]",
		     "config.json:3:52: linux.devices[0].path: \"dev/x\" is not an absolute path");
	config_fails("", "\"devices\": [{\"path\": \"/dev/x\"}]",
		     "config.json:3:43: linux.devices[0].type: missing (it is required)");
	config_fails("\"run.tenant.rootfs-idmap\": \"maybe\"", "",
		     "annotations: run.tenant.rootfs-idmap: 'maybe' is not auto, on or off");
	config_fails("\"run.tenant.userns\": \"bogus\"", "",
		     "userns mode 'bogus' is not one of auto, auto:size=N, auto:size=image, "
		     "remap, keep-id, host");
	/* A policy error comes after every error of the file itself. */
	config_fails("\"run.tenant.userns\": \"bogus\"", "\"cgroupsPath\": 1",
		     "config.json:3:74: linux.cgroupsPath: expected a string, got a number (1)");
}

TEST(config_top_level)
{
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_oci_config cfg;

	ASSERT_EQ(tn_oci_config_parse("c.json", "[]", 2, &cfg, &err), -EINVAL);
	ASSERT_STREQ(err->message, "c.json:1:1: (top level): expected an object, got an array");
	ASSERT_EQ(tn_oci_config_parse("c.json", "{", 1, &cfg, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "c.json:1:2: invalid JSON: ");
	ASSERT_EQ(tn_oci_config_parse("c.json", "{\"ociVersion\": \"1\"}", 19, &cfg, &err),
		  -EINVAL);
	ASSERT_STREQ(err->message, "c.json:1:1: root: missing (it is required)");
}

TEST(process_file)
{
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_oci_config cfg = { 0 };
	const char *ok = "{\"user\": {\"uid\": 1, \"gid\": 2, \"additionalGids\": [3]},"
			 " \"args\": [\"sh\"], \"cwd\": \"/tmp\", \"rlimits\": [{\"type\":"
			 " \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 2}], \"capabilities\":"
			 " {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"]}}";
	const char *twice = "{\"user\": {\"uid\": 1, \"gid\": 2}, \"args\": [\"sh\"], \"cwd\": "
			    "\"/\", \"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 1, "
			    "\"hard\": 2}, {\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": 2}]}";

	ASSERT_EQ(tn_oci_process_parse("p.json", ok, strlen(ok), &cfg, NULL), 0);
	ASSERT_TRUE(cfg.has_process);
	ASSERT_EQ(cfg.process.uid, 1);
	ASSERT_EQ(cfg.process.n_additional_gids, 1);
	ASSERT_EQ(cfg.process.additional_gids[0], 3);
	ASSERT_EQ(cfg.process.n_rlimits, 1);
	ASSERT_EQ_U(cfg.process.caps[TN_CAP_BOUNDING], (1u << 0) | (1u << 5));
	ASSERT_EQ(tn_oci_process_parse("p.json", twice, strlen(twice), &cfg, &err), -EINVAL);
	ASSERT_STREQ(err->message,
		     "p.json:1:128: process.rlimits[1].type: \"RLIMIT_CORE\" is given twice");
	tn_oci_process_done(&cfg.process);
}

TEST(mount_destination_relative_to_root)
{
	static const char text[] =
		"{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},\n"
		" \"mounts\": [{\"destination\": \"data\", \"type\": \"tmpfs\"},\n"
		"  {\"destination\": \"/abs\", \"type\": \"tmpfs\"}]}";
	struct tn_oci_config cfg;

	ASSERT_EQ(tn_oci_config_parse("config.json", text, strlen(text), &cfg, NULL), 0);
	ASSERT_EQ(cfg.n_mounts, 2);
	ASSERT_STREQ(cfg.mounts[0].destination, "/data");
	ASSERT_STREQ(cfg.mounts[1].destination, "/abs");
	tn_oci_config_done(&cfg);
}

TAP_MAIN

TEST(mount_options_as_runc)
{
	char *opts[] = { "rbind", "bind", "rro", "rrw", "rnoatime", "rnosuid", "nodev", "size=1k" };
	struct tn_oci_mount m = { .options = opts, .n_options = ELEMENTSOF(opts) };
	const char *bad = NULL;

	ASSERT_EQ(tn_oci_mount_options(&m, &bad), 0);
	ASSERT_TRUE(m.bind);
	ASSERT_TRUE(m.recursive); /* a later "bind" keeps the recursion */
	ASSERT_EQ_U(m.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME | MOUNT_ATTR_NOSUID);
	ASSERT_EQ_U(m.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME);
	ASSERT_EQ_U(m.flags, MS_NODEV);
	ASSERT_STREQ(m.data, "size=1k"); /* the recursive ones are not the filesystem's */
	free(m.data);
}
