/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "parse.h"
#include "subid-nss.h"
#include "subid.h"
#include "banned.h"

const char *tn_subid_db_name(enum tn_subid_db db)
{
	return db == TN_SUBUID ? "subuid" : "subgid";
}

void tn_subid_source_default(struct tn_subid_source *s)
{
	*s = (struct tn_subid_source){ .path = { TN_SUBUID_PATH, TN_SUBGID_PATH } };
}

bool tn_subid_entry_owned_by(const struct tn_subid_entry *e, const struct tn_user *u)
{
	uint32_t uid;

	if (!e->owner || e->owner_len == 0)
		return false;
	if (tn_all_digits(e->owner, e->owner_len))
		return tn_parse_u32_n(e->owner, e->owner_len, &uid) == 0 && uid == u->uid;
	return u->name && tn_subid_owner_is(e, u->name);
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

static int read_db(const char *path, bool must_exist, char **ret_data, size_t *ret_len,
		   struct stat *ret_st, struct tn_error **err)
{
	int r = tn_read_file(path, TN_SUBID_FILE_MAX, ret_data, ret_len, ret_st);

	if (r == -ENOENT && !must_exist) {
		*ret_data = NULL;
		*ret_len = 0;
		return 0;
	}
	if (r == -EFBIG)
		return tn_error_set(err, EFBIG, "'%s' is larger than %u MiB; refusing to read it",
				    path, TN_SUBID_FILE_MAX >> 20);
	if (r < 0)
		return tn_error_errno(err, r, "cannot read '%s'", path);
	return 1;
}

int tn_subid_file_from_text(const char *path, char *text, size_t len, struct tn_subid_file *ret)
{
	struct tn_subid_file f = { .path = path, .data = text, .len = len, .exists = true };
	struct load_ctx c = { .f = &f };
	int r;

	r = tn_subid_foreach_line(f.data, f.len, load_line, &c);
	if (r < 0) {
		free(f.v);
		return r;
	}
	*ret = f;
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

struct list_ctx {
	const struct tn_user *u;
	struct tn_subid_list *l;
	size_t cap, cap_skipped;
};

static int list_line(const struct tn_subid_entry *e, const char *line, size_t len, void *userdata)
{
	struct list_ctx *c = userdata;
	struct tn_subid_list *l = c->l;
	int r;

	(void)line;
	(void)len;
	if (!tn_subid_entry_owned_by(e, c->u))
		return 0;
	if (!tn_subid_entry_usable(e)) {
		r = grow((void **)&l->skipped, &c->cap_skipped, l->n_skipped, sizeof(*l->skipped));
		if (r < 0)
			return r;
		l->skipped[l->n_skipped] = *e;
		l->skipped[l->n_skipped++].owner = NULL; /* it pointed into the file's text */
		return 0;
	}
	r = grow((void **)&l->v, &c->cap, l->n, sizeof(*l->v));
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
	l->total += e->count;
	return 0;
}

static int list_from_file(const char *path, bool must_exist, const struct tn_user *u,
			  struct tn_subid_list *l, struct tn_error **err)
{
	_cleanup_free_ char *data = NULL;
	struct list_ctx c = { .u = u, .l = l };
	struct stat st;
	size_t len;
	int r;

	l->source = strdup(path);
	if (!l->source)
		return tn_error_errno(err, ENOMEM, "cannot read '%s'", path);
	r = read_db(path, must_exist, &data, &len, &st, err);
	if (r <= 0)
		return r;
	r = tn_subid_foreach_line(data, len, list_line, &c);
	if (r < 0)
		return tn_error_errno(err, r, "cannot read '%s'", path);
	return 0;
}

int tn_subid_list_user(const struct tn_subid_source *src, enum tn_subid_db db,
		       const struct tn_user *u, struct tn_subid_list *ret, struct tn_error **err)
{
	struct tn_subid_list l = { .db = db };
	_cleanup_free_ char *module = NULL;
	int r;

	if (!src->explicit_path[db]) {
		r = tn_subid_nss_module(&module, err);
		if (r < 0)
			return r;
	}
	if (module)
		r = tn_subid_nss_list(module, db, u, &l, err);
	else
		r = list_from_file(src->path[db], src->explicit_path[db], u, &l, err);
	if (r < 0) {
		tn_subid_list_done(&l);
		return r;
	}
	*ret = l;
	return 0;
}

void tn_subid_list_done(struct tn_subid_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].owner);
	free(l->v);
	free(l->skipped);
	free(l->source);
	free(l->note);
	*l = (struct tn_subid_list){ 0 };
}
