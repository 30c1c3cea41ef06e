/* SPDX-License-Identifier: Apache-2.0 */
/* The IDs a tree uses (tree-ids.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"
#include "macro.h"
#include "parse.h"
#include "tree-ids.h"
#include "tree-walk.h"
#include "banned.h"

static size_t slot_of(uint32_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15); /* Fibonacci hashing */

	return (size_t)(h >> 32) & (cap - 1);
}

static struct tn_tree_id *find_slot(struct tn_tree_idtab *t, uint32_t id)
{
	size_t i = slot_of(id, t->cap);

	while (t->v[i].used && t->v[i].id != id)
		i = (i + 1) & (t->cap - 1);
	return &t->v[i];
}

static int grow(struct tn_tree_idtab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct tn_tree_idtab n = { .cap = cap, .n = t->n };

	if (cap > SIZE_MAX / sizeof(*n.v) / 2)
		return -ENOMEM;
	n.v = calloc(cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->v[i].used)
			*find_slot(&n, t->v[i].id) = t->v[i];
	free(t->v);
	*t = n;
	return 0;
}

/* The entry of `id`, added when new. */
static int lookup(struct tn_tree_idtab *t, uint32_t id, struct tn_tree_id **ret)
{
	struct tn_tree_id *e;

	if ((t->n + 1) * 2 > t->cap) {
		int r = grow(t);

		if (r < 0)
			return r;
	}
	e = find_slot(t, id);
	if (!e->used) {
		*e = (struct tn_tree_id){ .id = id, .used = true };
		t->n++;
	}
	*ret = e;
	return 0;
}

int tn_tree_ids_add(struct tn_tree_ids *t, enum tn_idmap_kind kind, uint32_t id)
{
	struct tn_tree_id *e;

	return lookup(&t->tab[kind], id, &e);
}

/* One more file of `id`; `path` (relative to the top, "" for it) is its example when first. */
static int count_file(struct tn_tree_idtab *t, uint32_t id, const char *path)
{
	struct tn_tree_id *e;
	int r = lookup(t, id, &e);

	if (r < 0)
		return r;
	if (e->files++ > 0)
		return 0;
	if (asprintf(&e->example, "/%s", path) < 0) {
		e->example = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The walk in progress: tn_walk()'s user data. */
struct scan {
	struct tn_tree_ids *t;
	uint64_t max;
};

static int count_entry(const struct tn_walk_entry *e, void *data)
{
	struct scan *s = data;
	int r;

	if (s->max && s->t->files >= s->max) {
		s->t->truncated = true;
		return TN_WALK_STOP;
	}
	s->t->files++;
	r = count_file(&s->t->tab[TN_IDMAP_UID], e->st->st_uid, e->path);
	if (r < 0)
		return r;
	return count_file(&s->t->tab[TN_IDMAP_GID], e->st->st_gid, e->path);
}

/* The ID field of a line of etc/passwd or etc/group: false when there is none. */
static bool account_id(const char *line, const char *end, uint32_t *ret)
{
	const char *f = line;

	for (int i = 0; i < 2 && f < end; i++) {
		const char *colon = memchr(f, ':', (size_t)(end - f));

		f = colon ? colon + 1 : end;
	}
	return f < end && tn_parse_u32_n(f, strcspn(f, ":\n"), ret) == 0 && *ret <= TN_ID_MAX;
}

/* The third field of each line of etc/passwd or etc/group (a missing file adds nothing). */
static int add_accounts(struct tn_tree_ids *t, int rootfd, const char *file,
			enum tn_idmap_kind kind)
{
	_cleanup_close_ int fd =
		openat(rootfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (fd < 0)
		return 0; /* none, or a symlink: not followed out of the tree */
	if (tn_read_fd(fd, 16 * 1024 * 1024, &text, &len) < 0)
		return 0;
	for (char *line = text; *line;) {
		char *end = line + strcspn(line, "\n");
		uint32_t id;

		if (account_id(line, end, &id)) {
			int r = tn_tree_ids_add(t, kind, id);

			if (r < 0)
				return r;
		}
		line = *end ? end + 1 : end;
	}
	return 0;
}

static int unreadable(const char *root, struct tn_error **err)
{
	return tn_error_set(err, EACCES, "cannot read all of %s: permission denied", root);
}

int tn_tree_ids_scan(const char *root, uint64_t max_files, struct tn_tree_ids *ret,
		     struct tn_error **err)
{
	_cleanup_(tn_tree_ids_done) struct tn_tree_ids t = { 0 };
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct scan s = { .t = &t, .max = max_files };
	int r;

	*ret = (struct tn_tree_ids){ 0 }; /* nothing half-read is handed back */
	if (rootfd < 0 && errno == EACCES)
		return unreadable(root, err);
	if (rootfd < 0)
		return tn_error_errno(err, errno, "cannot read the tree %s", root);
	r = tn_walk(rootfd, root, 0, count_entry, &s, err);
	if (r == -EACCES)
		return unreadable(root, err);
	if (r < 0)
		return r;
	r = add_accounts(&t, rootfd, "etc/passwd", TN_IDMAP_UID);
	if (r < 0)
		return r;
	r = add_accounts(&t, rootfd, "etc/group", TN_IDMAP_GID);
	if (r < 0)
		return r;
	*ret = t;
	t = (struct tn_tree_ids){ 0 }; /* moved to *ret */
	return 0;
}

int tn_tree_ids_set(const struct tn_tree_ids *t, enum tn_idmap_kind kind, struct tn_idset *ret)
{
	const struct tn_tree_idtab *tab = &t->tab[kind];
	_cleanup_(tn_idset_free) struct tn_idset set = { 0 };

	*ret = (struct tn_idset){ 0 };
	for (size_t i = 0; i < tab->cap; i++) {
		int r;

		if (!tab->v[i].used)
			continue;
		r = tn_idset_add(&set, tab->v[i].id, 1);
		if (r < 0)
			return r;
	}
	tn_idset_normalize(&set);
	*ret = set;
	set = (struct tn_idset){ 0 }; /* moved to *ret */
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	const struct tn_tree_id *x = *(const struct tn_tree_id *const *)a,
				*y = *(const struct tn_tree_id *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int tn_tree_ids_unmapped(const struct tn_tree_ids *t, const struct tn_idmap *m,
			 const struct tn_tree_id ***ret, size_t *n, uint64_t *ret_files)
{
	const struct tn_tree_idtab *tab = &t->tab[m->kind];
	const struct tn_tree_id **v = calloc(tab->n + 1, sizeof(*v));
	uint32_t inside;

	if (!v)
		return -ENOMEM;
	*n = 0;
	*ret_files = 0;
	for (size_t i = 0; i < tab->cap; i++) {
		const struct tn_tree_id *e = &tab->v[i];

		if (!e->used || tn_idmap_translate(m, e->id, false, &inside) == 0 ||
		    tn_idmap_translate(m, e->id, true, &inside) == 0)
			continue;
		v[(*n)++] = e;
		*ret_files += e->files;
	}
	qsort(v, *n, sizeof(*v), id_cmp);
	*ret = v;
	return 0;
}

int tn_tree_ids_describe(const struct tn_tree_id *const *v, size_t n, enum tn_idmap_kind kind,
			 size_t max, struct tn_buf *b)
{
	for (size_t i = 0; i < n && i < max; i++) {
		const char *word = kind == TN_IDMAP_UID ? "UID" : "GID";

		if (v[i]->files == 0) /* only named by the image's accounts */
			tn_buf_printf(b, "%s%s %" PRIu32 " (in /etc/%s)", i ? ", " : "", word,
				      v[i]->id, kind == TN_IDMAP_UID ? "passwd" : "group");
		else
			tn_buf_printf(b, "%s%s %" PRIu32 " (%" PRIu64 " file%s, e.g. %s)",
				      i ? ", " : "", word, v[i]->id, v[i]->files,
				      v[i]->files == 1 ? "" : "s", v[i]->example);
	}
	if (n > max)
		tn_buf_printf(b, " and %zu more", n - max);
	return tn_buf_check(b);
}

void tn_tree_ids_done(struct tn_tree_ids *t)
{
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < t->tab[k].cap; i++)
			free(t->tab[k].v[i].example);
		free(t->tab[k].v);
	}
	*t = (struct tn_tree_ids){ 0 };
}
