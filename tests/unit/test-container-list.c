/* SPDX-License-Identifier: Apache-2.0 */
/* tn_state_list and tn_container_list over a state root made in /tmp. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container-list.h"
#include "fs.h"
#include "macro.h"
#include "oci-state.h"
#include "tap.h"

static char root[] = "/tmp/tenant-test-list-XXXXXX";

static void make_dir(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	mkdir(path, 0700);
}

static void remove_root(void)
{
	static const char *const dirs[] = { "b", "a", ".dotted", ".~spare", "bad id!" };
	char path[256];

	snprintf(path, sizeof(path), "%s/a/%s", root, TN_STATE_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/file", root);
	unlink(path);
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		rmdir(path);
	}
	rmdir(root);
}

TEST(a_missing_root_has_no_containers)
{
	struct tn_container_list l = { 0 };
	char **ids = (char **)"x";
	size_t n = 7;

	ASSERT_EQ(tn_state_list("/nonexistent/tenant-test", &ids, &n, NULL), 0);
	ASSERT_TRUE(ids == NULL);
	ASSERT_EQ_U(n, 0);
	ASSERT_EQ(tn_container_list("/nonexistent/tenant-test", TN_LIST_HOST_IDS, &l, NULL), 0);
	ASSERT_EQ_U(l.n, 0);
	tn_container_list_done(&l);
}

TEST(ids_sorted_and_only_containers_listed)
{
	const char state[] = "{\"pid\":0,\"bundle\":\"/b\",\"created\":\"now\",\"owner\":1000}";
	_cleanup_(tn_container_list_done) struct tn_container_list l = { 0 };
	char path[256], **ids = NULL;
	size_t n = 0;

	ASSERT_TRUE(mkdtemp(root) != NULL);
	make_dir("b");
	make_dir("a");
	make_dir(".dotted"); /* an ID, as runc's */
	make_dir(".~spare"); /* the spare directory (container-dir.c): none */
	make_dir("bad id!");
	snprintf(path, sizeof(path), "%s/file", root);
	ASSERT_EQ(tn_atomic_replace(path, "x", 1, 0600, getuid(), getgid()), 0);
	snprintf(path, sizeof(path), "%s/a/%s", root, TN_STATE_FILE);
	ASSERT_EQ(tn_atomic_replace(path, state, strlen(state), 0600, getuid(), getgid()), 0);

	ASSERT_EQ(tn_state_list(root, &ids, &n, NULL), 0);
	ASSERT_EQ_U(n, 3);
	ASSERT_STREQ(ids[0], ".dotted");
	ASSERT_STREQ(ids[1], "a");
	ASSERT_STREQ(ids[2], "b");
	ASSERT_TRUE(ids[3] == NULL);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);

	/* .dotted and b have no state.json: left out. a's process (PID 0) does not run. */
	ASSERT_EQ(tn_container_list(root, TN_LIST_HOST_IDS, &l, NULL), 0);
	ASSERT_EQ_U(l.n, 1);
	ASSERT_STREQ(l.v[0].state.id, "a");
	ASSERT_STREQ(l.v[0].state.bundle, "/b");
	ASSERT_EQ_U(l.v[0].state.owner, 1000);
	ASSERT_EQ(l.v[0].state.status, TN_STATUS_STOPPED);
	ASSERT_STREQ(l.v[0].host_uids, "-");
	ASSERT_STREQ(l.v[0].host_gids, "-");
	ASSERT_EQ_U(l.v[0].userns, 0);
	remove_root();
}

TAP_MAIN
