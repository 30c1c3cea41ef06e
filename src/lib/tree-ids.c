/* SPDX-License-Identifier: Apache-2.0 */
/* The IDs a tree uses (tree-ids.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"
#include "macro.h"
#include "parse.h"
#include "tree-ids.h"
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

static int count_file(struct tn_tree_idtab *t, uint32_t id, const char *path)
{
	struct tn_tree_id *e;
	int r = lookup(t, id, &e);

	if (r < 0)
		return r;
	if (e->files++ == 0 && !(e->example = strdup(path)))
		return -ENOMEM;
	return 0;
}

/* nftw() has no argument for the callback: the walk in progress. */
static _Thread_local struct walk {
	struct tn_tree_ids *t;
	size_t root_len;
	uint64_t max;
	int error;
} * cur;

static int visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	const char *rel = path + cur->root_len;
	int r;

	(void)f;
	if (type == FTW_NS || type == FTW_DNR) {
		cur->error = -EACCES;
		return 1;
	}
	if (cur->max && cur->t->files >= cur->max) {
		cur->t->truncated = true;
		return 1;
	}
	cur->t->files++;
	r = count_file(&cur->t->tab[TN_IDMAP_UID], st->st_uid, *rel ? rel : "/");
	if (r == 0)
		r = count_file(&cur->t->tab[TN_IDMAP_GID], st->st_gid, *rel ? rel : "/");
	if (r < 0) {
		cur->error = r;
		return 1;
	}
	return 0;
}

/* The third field of each line of etc/passwd or etc/group (a missing file adds nothing). */
static int add_accounts(struct tn_tree_ids *t, int rootfd, const char *file,
			enum tn_idmap_kind kind)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int fd = openat(rootfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK), r;

	if (fd < 0)
		return 0; /* none, or a symlink: not followed out of the tree */
	r = tn_read_fd(fd, 16 * 1024 * 1024, &text, &len);
	close(fd);
	if (r < 0)
		return 0;
	for (char *line = text; *line;) {
		char *end = line + strcspn(line, "\n"), *f = line;
		uint32_t id;

		for (int i = 0; i < 2 && f < end; i++) {
			char *colon = memchr(f, ':', (size_t)(end - f));

			f = colon ? colon + 1 : end;
		}
		if (f < end && tn_parse_u32_n(f, strcspn(f, ":\n"), &id) == 0 && id <= TN_ID_MAX &&
		    (r = tn_tree_ids_add(t, kind, id)) < 0)
			return r;
		line = *end ? end + 1 : end;
	}
	return 0;
}

int tn_tree_ids_scan(const char *root, uint64_t max_files, struct tn_tree_ids *ret,
		     struct tn_error **err)
{
	struct walk w = { .t = ret, .root_len = strlen(root), .max = max_files };
	int rootfd = -1, r;

	*ret = (struct tn_tree_ids){ 0 };
	while (w.root_len > 1 && root[w.root_len - 1] == '/')
		w.root_len--;
	cur = &w;
	r = nftw(root, visit, 32, FTW_PHYS | FTW_MOUNT);
	cur = NULL;
	if (r < 0)
		r = tn_error_errno(err, errno, "cannot read the tree %s", root);
	else if (w.error == -EACCES)
		r = tn_error_set(err, EACCES, "cannot read all of %s: permission denied", root);
	else
		r = w.error;
	if (r == 0) {
		rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			r = tn_error_errno(err, errno, "cannot open %s", root);
	}
	if (r == 0) {
		r = add_accounts(ret, rootfd, "etc/passwd", TN_IDMAP_UID);
		if (r == 0)
			r = add_accounts(ret, rootfd, "etc/group", TN_IDMAP_GID);
		close(rootfd);
	}
	if (r < 0) /* nothing half-read is handed back */
		tn_tree_ids_done(ret);
	return r;
}

int tn_tree_ids_set(const struct tn_tree_ids *t, enum tn_idmap_kind kind, struct tn_idset *ret)
{
	const struct tn_tree_idtab *tab = &t->tab[kind];
	int r = 0;

	*ret = (struct tn_idset){ 0 };
	for (size_t i = 0; i < tab->cap && r == 0; i++)
		if (tab->v[i].used)
			r = tn_idset_add(ret, tab->v[i].id, 1);
	if (r < 0) {
		tn_idset_free(ret);
		return r;
	}
	tn_idset_normalize(ret);
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
