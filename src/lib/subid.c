/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "parse.h"
#include "subid-nss.h"
#include "subid.h"
#include "banned.h"

void tn_subid_source_default(struct tn_subid_source *s)
{
	*s = (struct tn_subid_source){ .path = { TN_SUBUID_PATH, TN_SUBGID_PATH } };
}

void tn_subid_owner_init(struct tn_subid_owner *o, const struct tn_user *u)
{
	*o = (struct tn_subid_owner){ .name = u->name, .name_len = u->name ? strlen(u->name) : 0 };
	if (u->uid == TN_ID_INVALID)
		return; /* a name without an account: its lines by name only */
	o->uid_len = (size_t)snprintf(o->uid, sizeof(o->uid), "%" PRIu32, u->uid);
}

void tn_subid_owner_init_text(struct tn_subid_owner *o, const struct tn_user *u, const char *text)
{
	if (u)
		tn_subid_owner_init(o, u);
	else
		*o = (struct tn_subid_owner){ 0 };
	if (!o->name || strcmp(o->name, text) != 0) {
		/* An unknown name: the user is that text, whatever its UID was. */
		if (!u || !tn_all_digits(text, strlen(text))) {
			o->name = text;
			o->name_len = strlen(text);
		}
	}
}

bool tn_subid_owner_line(const struct tn_subid_owner *o, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t n = colon ? (size_t)(colon - line) : len;

	if (n == 0)
		return false;
	if (o->name && n == o->name_len && memcmp(line, o->name, n) == 0)
		return true;
	return o->uid_len && n == o->uid_len && memcmp(line, o->uid, n) == 0;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*v, ncap * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

struct load_ctx {
	struct tn_subid_file *f;
	size_t cap;
};

static int load_line(const struct tn_subid_entry *e, const char *line, size_t len, void *userdata)
{
	struct load_ctx *c = userdata;
	int r;

	(void)line;
	(void)len;
	r = grow((void **)&c->f->v, &c->cap, c->f->n, sizeof(*c->f->v));
	if (r < 0)
		return r;
	c->f->v[c->f->n++] = *e;
	return 0;
}

/* Why a database could not be read, named. */
static int db_read_error(const char *path, int r, struct tn_error **err)
{
	if (r == -EFBIG)
		return tn_error_set(err, EFBIG, "'%s' is larger than %u MiB; refusing to read it",
				    path, TN_SUBID_FILE_MAX >> 20);
	return tn_error_errno(err, r, "cannot read '%s'", path);
}

static int read_db(const char *path, bool must_exist, char **ret_data, size_t *ret_len,
		   struct stat *ret_st, struct tn_error **err)
{
	int r = tn_read_file(path, TN_SUBID_FILE_MAX, ret_data, ret_len, ret_st);

	if (r == -ENOENT && !must_exist) {
		*ret_data = NULL;
		*ret_len = 0;
		return 0;
	}
	if (r < 0)
		return db_read_error(path, r, err);
	return 1;
}

/* A file not handed on loses the lines classified so far; its text stays the caller's. */
static void file_lines_free(struct tn_subid_file *f)
{
	free(f->v);
}

int tn_subid_file_from_text(const char *path, char *text, size_t len, struct tn_subid_file *ret)
{
	_cleanup_(file_lines_free) struct tn_subid_file f = {
		.path = path, .data = text, .len = len, .exists = true
	};
	struct load_ctx c = { .f = &f };
	int r;

	r = tn_subid_foreach_line(f.data, f.len, load_line, &c);
	if (r < 0)
		return r;
	*ret = f;
	f.v = NULL; /* handed on */
	return 0;
}

int tn_subid_file_load(const char *path, bool must_exist, struct tn_subid_file *ret,
		       struct tn_error **err)
{
	_cleanup_free_ char *data = NULL;
	struct stat st = { 0 };
	size_t len;
	int r;

	r = read_db(path, must_exist, &data, &len, &st, err);
	if (r < 0)
		return r;
	if (r == 0) { /* missing: an empty database */
		*ret = (struct tn_subid_file){ .path = path };
		return 0;
	}
	r = tn_subid_file_from_text(path, data, len, ret);
	if (r < 0)
		return tn_error_errno(err, r, "cannot read '%s'", path);
	TAKE_PTR(data);
	ret->st = st;
	return 0;
}

void tn_subid_file_done(struct tn_subid_file *f)
{
	free(f->data);
	free(f->v);
	*f = (struct tn_subid_file){ 0 };
}

static int list_add_range(struct tn_subid_list *l, size_t *cap, const struct tn_subid_entry *e)
{
	int r = grow((void **)&l->v, cap, l->n, sizeof(*l->v));

	if (r < 0)
		return r;
	l->v[l->n] = (struct tn_subid_range){
		.range = { (uint32_t)e->start, (uint32_t)e->count },
		.line = e->line,
		.owner = strndup(e->owner, e->owner_len),
	};
	if (!l->v[l->n].owner)
		return -ENOMEM;
	l->n++;
	return 0;
}

static int list_add_skipped(struct tn_subid_list *l, size_t *cap, const struct tn_subid_entry *e)
{
	int r = grow((void **)&l->skipped, cap, l->n_skipped, sizeof(*l->skipped));

	if (r < 0)
		return r;
	l->skipped[l->n_skipped] = *e;
	/* Those pointed into the file's text, which is freed after listing. */
	l->skipped[l->n_skipped].owner = NULL;
	l->skipped[l->n_skipped++].text = NULL;
	return 0;
}

struct list_ctx {
	const struct tn_subid_owner *owner;
	struct tn_subid_list *l;
	size_t cap, cap_skipped;
	uint32_t line;
};

/* The hot loop of `subid list`: only lines whose owner field matches are parsed. */
static int list_line(const char *p, size_t n, void *userdata)
{
	struct list_ctx *c = userdata;
	struct tn_subid_entry e;

	if (c->line == UINT32_MAX)
		return -EFBIG;
	c->line++;
	if (!tn_subid_owner_line(c->owner, p, n))
		return 0;
	tn_subid_parse_line(p, n, c->line, &e);
	if (tn_subid_entry_usable(&e))
		return list_add_range(c->l, &c->cap, &e);
	return list_add_skipped(c->l, &c->cap_skipped, &e);
}

/* Streamed, not read whole: a 1,000,000-line file is 25 MiB (docs/performance.md). */
static int list_from_file(const char *path, bool must_exist, const struct tn_user *u,
			  struct tn_subid_list *l, struct tn_error **err)
{
	struct tn_subid_owner o;
	struct list_ctx c = { .owner = &o, .l = l };
	int r;

	l->source = strdup(path);
	if (!l->source)
		return tn_error_errno(err, ENOMEM, "cannot read '%s'", path);
	tn_subid_owner_init(&o, u);
	r = tn_read_file_lines(path, TN_SUBID_FILE_MAX, list_line, &c);
	if (r == -ENOENT && !must_exist)
		return 0;
	if (r < 0)
		return db_read_error(path, r, err);
	return 0;
}

/* The number of IDs the user has: a range listed twice does not give twice the IDs. */
static int count_distinct(struct tn_subid_list *l)
{
	_cleanup_(tn_idset_free) struct tn_idset set = { 0 };

	for (size_t i = 0; i < l->n; i++) {
		int r = tn_idset_add(&set, l->v[i].range.start, l->v[i].range.count);

		if (r < 0)
			return r;
	}
	tn_idset_normalize(&set);
	l->total = tn_idset_count(&set);
	return 0;
}

/*
 * The module nsswitch.conf names for subid, or NULL for the files: as libsubid and newuidmap do,
 * an unloadable module means the files, and *note says why.
 */
static int pick_module(char **ret_module, char **note, struct tn_error **err)
{
	_cleanup_free_ char *module = NULL;
	char *n = NULL;
	int r;

	*ret_module = NULL;
	r = tn_subid_nss_module(&module, err);
	if (r < 0)
		return r;
	if (!module || tn_subid_nss_module_loadable(module, note)) {
		*ret_module = TAKE_PTR(module);
		return 0;
	}
	if (!*note || strstr(*note, "using the files"))
		return 0;
	if (asprintf(&n, "%s; using the files, as newuidmap does", *note) < 0)
		return 0; /* the note stays as it was */
	free(*note);
	*note = n;
	return 0;
}

/* The ranges from the module, or from the file when there is none; counted. */
static int list_from(const struct tn_subid_source *src, enum tn_subid_db db, const char *module,
		     const struct tn_user *u, struct tn_subid_list *l, struct tn_error **err)
{
	int r;

	if (module)
		r = tn_subid_nss_list(module, db, u, l, err);
	else
		r = list_from_file(src->path[db], src->explicit_path[db], u, l, err);
	if (r < 0)
		return r;
	return count_distinct(l);
}

int tn_subid_list_user(const struct tn_subid_source *src, enum tn_subid_db db,
		       const struct tn_user *u, struct tn_subid_list *ret, struct tn_error **err)
{
	_cleanup_(tn_subid_list_done) struct tn_subid_list l = { .db = db };
	_cleanup_free_ char *module = NULL;
	int r;

	if (!src->explicit_path[db]) {
		r = pick_module(&module, &l.note, err);
		if (r < 0)
			return r;
	}
	r = list_from(src, db, module, u, &l, err);
	if (r < 0)
		return r == -ENOMEM ? tn_error_errno(err, r, "cannot list ranges") : r;
	*ret = l;
	l = (struct tn_subid_list){ 0 }; /* handed on */
	return 0;
}
