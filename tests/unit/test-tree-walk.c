/* SPDX-License-Identifier: Apache-2.0 */
/* tn_walk (tree-walk.h) and the walks built on it: tree-ids.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "tap.h"
#include "tree-ids.h"
#include "tree-walk.h"

/* Setup outside a test: a failure there is no result, it stops the program. */
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			perror(#x);                                                                \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A tree: a/, a/f, a/b/, a/b/g, etc/passwd, h, l -> a (a symlink, never followed). */
static char *make_tree(void)
{
	char tmpl[] = "/tmp/test-tree-walk.XXXXXX", *top = mkdtemp(tmpl), p[512];

	CHECK(top != NULL);
	top = strdup(top);
	snprintf(p, sizeof(p), "%s/a", top);
	CHECK(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/a/b", top);
	CHECK(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/etc", top);
	CHECK(mkdir(p, 0755) == 0);
	for (const char *const *f = (const char *const[]){ "a/f", "a/b/g", "h", NULL }; *f; f++) {
		snprintf(p, sizeof(p), "%s/%s", top, *f);
		close(open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	}
	snprintf(p, sizeof(p), "%s/etc/passwd", top);
	FILE *f = fopen(p, "we");
	CHECK(f != NULL);
	fputs("root:x:0:0::/root:/bin/sh\nbob:x:4242:4243::/home/bob:/bin/sh\nbad line\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/l", top);
	CHECK(symlink("a", p) == 0);
	return top;
}

static void remove_tree(char *top)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	CHECK(system(cmd) == 0);
	free(top);
}

struct seen {
	struct tn_buf b;
	const char *skip, *stop;
};

static int note(const struct tn_walk_entry *e, void *data)
{
	struct seen *s = data;

	tn_buf_printf(&s->b, "%s%s%s;", e->post ? "<" : "", *e->path ? e->path : ".",
		      S_ISDIR(e->st->st_mode) ? "/" : "");
	if (s->stop && strcmp(e->path, s->stop) == 0)
		return TN_WALK_STOP;
	if (s->skip && strcmp(e->path, s->skip) == 0)
		return TN_WALK_SKIP;
	return 0;
}

/* What a walk saw, each name sorted out of readdir's order by the caller's check. */
static char *walk(const char *top, unsigned flags, const char *skip, const char *stop, int *ret)
{
	struct seen s = { .skip = skip, .stop = stop };
	int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(fd >= 0);
	*ret = tn_walk(fd, top, flags, note, &s, NULL);
	close(fd);
	tn_buf_putc(&s.b, '\0');
	return tn_buf_steal(&s.b);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* `a` is seen before `b` in the walk's record. */
static bool before(const char *seen, const char *a, const char *b)
{
	const char *x = strstr(seen, a), *y = strstr(seen, b);

	return x && y && x < y;
}

TEST(walk_pre_order_no_symlink_followed)
{
	char *top = make_tree(), *seen;
	int r;

	seen = walk(top, 0, NULL, NULL, &r);
	ASSERT_EQ(r, 0);
	ASSERT_TRUE(strncmp(seen, "./;", 3) == 0);
	ASSERT_EQ(count(seen, ";"), 9);
	ASSERT_TRUE(before(seen, ";a/;", ";a/f;"));
	ASSERT_TRUE(before(seen, ";a/b/;", ";a/b/g;"));
	ASSERT_CONTAINS(seen, ";l;"); /* the symlink itself, not a directory */
	ASSERT_EQ(count(seen, "<"), 0);
	free(seen);
	remove_tree(top);
}

TEST(walk_post_order_comes_after_the_contents)
{
	char *top = make_tree(), *seen;
	int r;

	seen = walk(top, TN_WALK_POST, NULL, NULL, &r);
	ASSERT_EQ(r, 0);
	ASSERT_EQ(count(seen, "<"), 4); /* ., a, a/b, etc */
	ASSERT_TRUE(before(seen, ";a/b/g;", ";<a/b/;"));
	ASSERT_TRUE(before(seen, ";<a/b/;", ";<a/;"));
	ASSERT_TRUE(strstr(seen, ";<./;") == seen + strlen(seen) - 5);
	free(seen);
	remove_tree(top);
}

TEST(walk_skip_and_stop)
{
	char *top = make_tree(), *seen;
	int r;

	seen = walk(top, TN_WALK_POST, "a", NULL, &r);
	ASSERT_EQ(r, 0);
	ASSERT_CONTAINS(seen, ";a/;");
	ASSERT_EQ(count(seen, ";a/f;"), 0);
	ASSERT_EQ(count(seen, "<a/"), 0); /* skipped: no post-order visit either */
	free(seen);
	seen = walk(top, 0, NULL, "a/b", &r);
	ASSERT_EQ(r, 0);
	ASSERT_EQ(count(seen, ";a/b/g;"), 0);
	ASSERT_TRUE(strcmp(seen + strlen(seen) - 6, ";a/b/;") == 0);
	free(seen);
	remove_tree(top);
}

static int fail_at_f(const struct tn_walk_entry *e, void *data)
{
	(void)data;
	return strcmp(e->name, "f") == 0 ? -EIO : 0;
}

TEST(walk_stops_at_a_callback_error)
{
	char *top = make_tree();
	int fd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ASSERT_EQ(tn_walk(fd, top, 0, fail_at_f, NULL, NULL), -EIO);
	close(fd);
	remove_tree(top);
}

TEST(tree_ids_owners_and_accounts)
{
	char *top = make_tree();
	struct tn_tree_ids ids;
	struct tn_error *err = NULL;
	struct tn_idset set;

	ASSERT_EQ(tn_tree_ids_scan(top, 0, &ids, &err), 0);
	ASSERT_EQ_U(ids.files, 9);
	ASSERT_FALSE(ids.truncated);
	ASSERT_EQ(tn_tree_ids_set(&ids, TN_IDMAP_UID, &set), 0);
	ASSERT_EQ_U(tn_idset_count(&set), getuid() == 0 ? 2 : 3); /* 0, 4242 and ours */
	tn_idset_free(&set);
	tn_tree_ids_done(&ids);

	ASSERT_EQ(tn_tree_ids_scan(top, 3, &ids, &err), 0);
	ASSERT_EQ_U(ids.files, 3);
	ASSERT_TRUE(ids.truncated);
	tn_tree_ids_done(&ids);
	remove_tree(top);
}

TEST(tree_ids_missing_tree_is_named)
{
	struct tn_tree_ids ids;
	struct tn_error *err = NULL;

	ASSERT_EQ(tn_tree_ids_scan("/nonexistent/tree", 0, &ids, &err), -ENOENT);
	ASSERT_STREQ(err->message,
		     "cannot read the tree /nonexistent/tree: No such file or directory");
	ASSERT_EQ_U(ids.files, 0);
	tn_error_free(err);
}

TAP_MAIN
