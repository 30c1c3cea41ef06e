/* SPDX-License-Identifier: Apache-2.0 */
/* The record of a tree's shift, in tenant's own store (shift-record.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "buf.h"
#include "fs.h"
#include "macro.h"
#include "parse.h"
#include "private-dir.h"
#include "shift-record.h"
#include "banned.h"

#define HEADER "tenant-shift 2 "

/* The record's file for the tree at rootfd: STORE/FSID-INO (the device number when the
 * filesystem has no ID). The store's directory is made and checked. */
static int record_file(int rootfd, bool create, char **ret, struct tn_error **err)
{
	_cleanup_free_ char *store = tn_storage_path("shift");
	struct statfs fs;
	struct stat st;
	uint64_t fsid;
	int r;

	if (!store)
		return -ENOMEM;
	if (fstat(rootfd, &st) < 0 || fstatfs(rootfd, &fs) < 0)
		return tn_error_errno(err, errno, "cannot examine the tree");
	r = tn_private_dir_open(store, "store of shift records", create ? TN_PRIVATE_CREATE : 0,
				NULL, err);
	if (r < 0)
		return r;
	fsid = (uint64_t)(uint32_t)fs.f_fsid.__val[0] << 32 | (uint32_t)fs.f_fsid.__val[1];
	if (fsid == 0)
		fsid = (uint64_t)st.st_dev;
	return asprintf(ret, "%s/%016" PRIx64 "-%" PRIu64, store, fsid, (uint64_t)st.st_ino) < 0
		       ? -ENOMEM
		       : 0;
}

/* The inode's generation (ext4, xfs, btrfs...): a tree made anew at a recycled inode number has
 * another, so that it does not inherit the record of the tree that was there. 0: unknown. */
static uint64_t generation(int rootfd)
{
	int v = 0;

	if (ioctl(rootfd, FS_IOC_GETVERSION, &v) < 0)
		return 0;
	return (uint64_t)(unsigned)v + 1;
}

/* The top's birth time, where the filesystem keeps one: nobody can set it (unlike the
 * generation, which the owner may set with FS_IOC_SETVERSION). 0: unknown. */
static uint64_t birth(int rootfd)
{
	struct statx stx;

	if (statx(rootfd, "", AT_EMPTY_PATH, STATX_BTIME, &stx) < 0 ||
	    !(stx.stx_mask & STATX_BTIME))
		return 0;
	return (uint64_t)stx.stx_btime.tv_sec * 1000000000 + stx.stx_btime.tv_nsec + 1;
}

static void record_clear(struct tn_shift_record *rec)
{
	for (int k = 0; k < 2; k++) {
		tn_idmap_done(&rec->from[k]);
		tn_idmap_done(&rec->to[k]);
		rec->from[k] = (struct tn_idmap){ .kind = (enum tn_idmap_kind)k };
		rec->to[k] = (struct tn_idmap){ .kind = (enum tn_idmap_kind)k };
	}
	free(rec->keep);
	rec->keep = NULL;
	rec->n_keep = 0;
	rec->exists = rec->busy = false;
	rec->generation = rec->birth = 0;
}

static bool maps_host(const struct tn_idmap *m, uint32_t h)
{
	uint32_t c;

	return tn_idmap_translate(m, h, false, &c) == 0;
}

static bool maps_container(const struct tn_idmap *m, uint32_t c)
{
	uint32_t h;

	return tn_idmap_translate(m, c, true, &h) == 0;
}

void tn_shift_record_forget(struct tn_shift_record *rec)
{
	record_clear(rec);
}

bool tn_shift_record_fits(const struct tn_shift_record *rec, uint32_t uid, uint32_t gid)
{
	uint32_t id[2] = { uid, gid };

	for (int k = 0; k < 2; k++) {
		bool to = maps_host(&rec->to[k], id[k]);
		bool from = rec->from[k].n ? maps_host(&rec->from[k], id[k])
					   : maps_container(&rec->to[k], id[k]);

		if (!to && !(rec->busy && from))
			return false;
	}
	return true;
}

static struct tn_shift_keep *keep_find(struct tn_shift_record *rec, uint64_t ino)
{
	for (size_t i = 0; i < rec->n_keep; i++)
		if (rec->keep[i].ino == ino)
			return &rec->keep[i];
	return NULL;
}

/* "keep INO MODE [HEX]" or "kept INO": a later keep line of an inode replaces an earlier one. */
static int parse_keep(char *f[4], int nf, struct tn_shift_record *rec)
{
	struct tn_shift_keep k = { 0 }, *e, *nv;
	uint64_t ino;
	size_t hex;

	if (nf < 2 || tn_parse_u64(f[1], &ino) < 0)
		return -EBADMSG;
	if (strcmp(f[0], "kept") == 0) {
		e = keep_find(rec, ino);
		if (nf != 2 || !e)
			return -EBADMSG;
		e->kept = true;
		return 0;
	}
	hex = nf == 4 ? strlen(f[3]) : 0;
	if (nf < 3 || tn_parse_u32(f[2], &k.mode) < 0 || k.mode > 07777 || hex % 2 ||
	    hex / 2 > TN_SHIFT_CAPS_MAX)
		return -EBADMSG;
	k.ino = ino;
	k.caps_len = hex / 2;
	for (size_t i = 0; i < k.caps_len; i++) {
		uint32_t v = 0;

		for (int j = 0; j < 2; j++) {
			char c = f[3][2 * i + (size_t)j];

			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				return -EBADMSG;
			v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		k.caps[i] = (uint8_t)v;
	}
	e = keep_find(rec, ino);
	if (e) {
		*e = k;
		return 0;
	}
	nv = reallocarray(rec->keep, rec->n_keep + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	rec->keep = nv;
	rec->keep[rec->n_keep++] = k;
	return 0;
}

static int parse_line(char *line, struct tn_shift_record *rec)
{
	char *f[6];
	int nf = 0;
	uint32_t v[3];

	for (char *t = line; nf < 6 && *t; nf++) {
		f[nf] = t;
		t += strcspn(t, " ");
		if (*t)
			*t++ = '\0';
	}
	if (nf >= 1 && strcmp(f[0], "path") == 0)
		return 0; /* for people */
	if (nf == 2 && strcmp(f[0], "generation") == 0)
		return tn_parse_u64(f[1], &rec->generation) < 0 ? -EBADMSG : 0;
	if (nf == 2 && strcmp(f[0], "birth") == 0)
		return tn_parse_u64(f[1], &rec->birth) < 0 ? -EBADMSG : 0;
	if (nf >= 1 && (strcmp(f[0], "keep") == 0 || strcmp(f[0], "kept") == 0))
		return nf <= 4 ? parse_keep(f, nf, rec) : -EBADMSG;
	if (nf != 5 || (strcmp(f[1], "uid") != 0 && strcmp(f[1], "gid") != 0) ||
	    tn_parse_u32(f[2], &v[0]) < 0 || tn_parse_u32(f[3], &v[1]) < 0 ||
	    tn_parse_u32(f[4], &v[2]) < 0)
		return -EBADMSG;
	if (strcmp(f[0], "from") == 0)
		return tn_idmap_push(&rec->from[f[1][0] == 'g'], v[0], v[1], v[2]);
	if (strcmp(f[0], "to") == 0)
		return tn_idmap_push(&rec->to[f[1][0] == 'g'], v[0], v[1], v[2]);
	return -EBADMSG;
}

static int keep_cmp(const void *a, const void *b)
{
	const struct tn_shift_keep *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* The lines after the header, into rec; a record without a "to" map is damaged. */
static int parse_lines(char *line, struct tn_shift_record *rec)
{
	while (*line) {
		char *end = line + strcspn(line, "\n");
		bool last = *end == '\0';
		int r;

		*end = '\0';
		r = parse_line(line, rec);
		/* A keep line cut short by a crash while it was appended says nothing yet. */
		if (r == -EBADMSG && last && rec->busy && strncmp(line, "kee", 3) == 0)
			r = 0;
		if (r < 0)
			return r;
		line = last ? end : end + 1;
	}
	return rec->to[0].n == 0 ? -EBADMSG : 0;
}

int tn_shift_record_parse(const char *text, struct tn_shift_record *rec)
{
	_cleanup_free_ char *copy = strdup(text);
	int r;

	record_clear(rec);
	if (!copy)
		return -ENOMEM;
	if (strncmp(copy, HEADER "busy\n", strlen(HEADER) + 5) != 0 &&
	    strncmp(copy, HEADER "done\n", strlen(HEADER) + 5) != 0)
		return -EBADMSG;
	rec->busy = copy[strlen(HEADER)] == 'b';
	r = parse_lines(copy + strlen(HEADER) + 5, rec);
	if (r < 0) {
		record_clear(rec); /* nothing of a damaged record is kept */
		return r;
	}
	if (rec->n_keep)
		qsort(rec->keep, rec->n_keep, sizeof(*rec->keep), keep_cmp);
	rec->exists = true;
	return 0;
}

static int load(struct tn_shift_record *rec, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = open(rec->file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	size_t len;
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0
				       : tn_error_errno(err, errno, "cannot read %s", rec->file);
	r = tn_read_fd(fd, 64 * 1024 * 1024, &text, &len);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", rec->file);
	r = tn_shift_record_parse(text, rec);
	if (r == -EBADMSG) {
		r = tn_error_set(err, EBADMSG, "the shift record %s is damaged", rec->file);
		return tn_error_hint(err, r,
				     "if you know the tree's map, remove the record (rm '%s') and "
				     "give the map with --from",
				     rec->file);
	}
	return r;
}

/* Load the record of the tree at rootfd: one left by an earlier tree at the same inode (another
 * generation) is not this tree's, and is as if there were none. */
static int load_for(int rootfd, struct tn_shift_record *rec, struct tn_error **err)
{
	int r = load(rec, err);

	if (r < 0)
		return r;
	rec->generation_now = generation(rootfd);
	rec->birth_now = birth(rootfd);
	if (rec->exists && ((rec->generation && rec->generation != rec->generation_now) ||
			    (rec->birth && rec->birth != rec->birth_now)))
		record_clear(rec);
	return 0;
}

int tn_shift_record_open(int rootfd, const char *root_path, struct tn_shift_record *ret,
			 struct tn_error **err)
{
	int r;

	(void)root_path;
	*ret = (struct tn_shift_record){ .append_fd = -1 };
	record_clear(ret);
	r = record_file(rootfd, true, &ret->file, err);
	if (r < 0)
		return r;
	return load_for(rootfd, ret, err);
}

/* The record of the tree at fd, loaded, and cleared when the top is not where it says. */
static int find_at(int fd, struct tn_shift_record *rec, struct tn_error **err)
{
	struct stat st;
	int r = record_file(fd, false, &rec->file, err);

	if (r == -ENOENT) /* no store: nothing was ever shifted */
		return -ENODATA;
	if (r < 0)
		return r;
	r = load_for(fd, rec, err);
	if (r < 0)
		return r;
	if (rec->exists && (fstat(fd, &st) < 0 || !tn_shift_record_fits(rec, st.st_uid, st.st_gid)))
		record_clear(rec);
	if (!rec->exists)
		return -ENODATA;
	return rec->busy ? -EBUSY : 0;
}

int tn_shift_record_find(const char *root_path, struct tn_idmap ret[2], struct tn_error **err)
{
	/* Released in reverse: the record, then the tree's top. */
	_cleanup_close_ int fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_(tn_shift_record_done) struct tn_shift_record rec = { .append_fd = -1 };
	int r;

	if (fd < 0)
		return tn_error_errno(err, errno, "cannot open %s", root_path);
	r = find_at(fd, &rec, err);
	if (r < 0)
		return r;
	ret[0] = rec.to[0];
	ret[1] = rec.to[1];
	rec.to[0] = rec.to[1] = (struct tn_idmap){ 0 }; /* handed on */
	return 0;
}

static void format_maps(struct tn_buf *b, const char *word, const struct tn_idmap *const m[2])
{
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; m[k] && i < m[k]->n; i++)
			tn_buf_printf(b, "%s %s %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", word,
				      k ? "gid" : "uid", m[k]->v[i].inside, m[k]->v[i].outside,
				      m[k]->v[i].count);
}

static int write_record(struct tn_shift_record *rec, bool busy, const char *root_path,
			const struct tn_idmap *const from[2], const struct tn_idmap *const to[2],
			struct tn_error **err)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	int r;

	tn_buf_printf(&b, HEADER "%s\n", busy ? "busy" : "done");
	if (!strchr(root_path, '\n'))
		tn_buf_printf(&b, "path %s\n", root_path);
	if (rec->generation_now)
		tn_buf_printf(&b, "generation %" PRIu64 "\n", rec->generation_now);
	if (rec->birth_now)
		tn_buf_printf(&b, "birth %" PRIu64 "\n", rec->birth_now);
	if (busy)
		format_maps(&b, "from", from);
	format_maps(&b, "to", to);
	r = tn_buf_check(&b);
	if (r < 0)
		return r;
	r = tn_atomic_replace(rec->file, b.data, b.len, 0600, geteuid(), getegid());
	if (r < 0)
		return tn_error_errno(err, -r, "cannot write the shift record %s", rec->file);
	return 0;
}

int tn_shift_record_busy(struct tn_shift_record *rec, const char *root_path,
			 const struct tn_idmap *const from[2], const struct tn_idmap *const to[2],
			 struct tn_error **err)
{
	int r = write_record(rec, true, root_path, from, to, err);

	if (r < 0)
		return r;
	closep(&rec->append_fd); /* the record owns its append fd: the old one is replaced */
	rec->append_fd = open(rec->file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (rec->append_fd < 0)
		return tn_error_errno(err, errno, "cannot open the shift record %s", rec->file);
	/* The keep lines of an interrupted shift were loaded: they stay pending in memory, and
	 * a line is written again for each file that still needs them. */
	for (size_t i = 0; i < rec->n_keep; i++) {
		if (rec->keep[i].kept)
			continue;
		r = tn_shift_record_keep(rec, &rec->keep[i]);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot write the shift record %s",
					      rec->file);
	}
	return 0;
}

/* One line in one write(2): appends of several threads do not interleave. */
static int append(struct tn_shift_record *rec, const char *line, size_t len)
{
	ssize_t n = RETRY_EINTR(write(rec->append_fd, line, len));

	if (n < 0)
		return negative_errno();
	return (size_t)n == len ? 0 : -EIO;
}

int tn_shift_record_keep(struct tn_shift_record *rec, const struct tn_shift_keep *k)
{
	char line[64 + 2 * TN_SHIFT_CAPS_MAX];
	int n = snprintf(line, sizeof(line), "keep %" PRIu64 " %" PRIu32 "%s", k->ino, k->mode,
			 k->caps_len ? " " : "");

	for (size_t i = 0; i < k->caps_len && i < TN_SHIFT_CAPS_MAX; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x", k->caps[i]);
	line[n++] = '\n';
	return append(rec, line, (size_t)n);
}

int tn_shift_record_kept(struct tn_shift_record *rec, uint64_t ino)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "kept %" PRIu64 "\n", ino);

	return append(rec, line, (size_t)n);
}

const struct tn_shift_keep *tn_shift_record_pending(const struct tn_shift_record *rec, uint64_t ino)
{
	struct tn_shift_keep key = { .ino = ino };
	const struct tn_shift_keep *k;

	if (!rec->n_keep)
		return NULL;
	k = bsearch(&key, rec->keep, rec->n_keep, sizeof(key), keep_cmp);
	return k && !k->kept ? k : NULL;
}

int tn_shift_record_finish(struct tn_shift_record *rec, const char *root_path,
			   const struct tn_idmap *const to[2], struct tn_error **err)
{
	closep(&rec->append_fd); /* no more keep lines */
	rec->append_fd = -1;
	/* Every keep line was put back: none may come back with a later shift of the tree. */
	free(rec->keep);
	rec->keep = NULL;
	rec->n_keep = 0;
	return write_record(rec, false, root_path, NULL, to, err);
}

void tn_shift_record_done(struct tn_shift_record *rec)
{
	record_clear(rec);
	closep(&rec->append_fd);
	free(rec->file);
	*rec = (struct tn_shift_record){ .append_fd = -1 };
}

/* Whether the record's text is an earlier tree's, at the same inode as the tree at fd. A damaged
 * record is not: it is shown as it is. */
static bool record_stale(int fd, const char *text)
{
	_cleanup_(tn_shift_record_done) struct tn_shift_record rec = { .append_fd = -1 };
	struct stat st;

	if (tn_shift_record_parse(text, &rec) != 0)
		return false;
	return (rec.generation && rec.generation != generation(fd)) ||
	       (rec.birth && rec.birth != birth(fd)) || fstat(fd, &st) < 0 ||
	       !tn_shift_record_fits(&rec, st.st_uid, st.st_gid);
}

int tn_shift_record_show(const char *root_path, char **ret_file, char **ret_text,
			 struct tn_error **err)
{
	_cleanup_close_ int fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rfd = -1;
	_cleanup_free_ char *file = NULL, *text = NULL;
	size_t len;
	int r;

	if (fd < 0)
		return tn_error_errno(err, errno, "cannot open %s", root_path);
	r = record_file(fd, false, &file, err);
	if (r == -ENOENT)
		return -ENODATA;
	if (r < 0)
		return r;
	rfd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (rfd < 0)
		return errno == ENOENT ? -ENODATA
				       : tn_error_errno(err, errno, "cannot read %s", file);
	r = tn_read_fd(rfd, 64 * 1024 * 1024, &text, &len);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", file);
	if (record_stale(fd, text)) /* an earlier tree's, at the same inode */
		return -ENODATA;
	*ret_file = TAKE_PTR(file);
	*ret_text = TAKE_PTR(text);
	return 0;
}
