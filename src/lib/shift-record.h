/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record of a tree's shift, kept in tenant's own storage, never in the tree: whoever owns
 * the tree (or root inside a container whose rootfs it is) can write the tree's user.*
 * attributes, and a record there would steer what root does (the maps to shift with, the modes
 * and capabilities to put back). The store is /var/lib/tenant/shift as root (rootless, the
 * caller's own, see tn_storage_path), checked like every directory tenant trusts
 * (private-dir.h); a tree's record is named by its top directory's filesystem ID and inode:
 *
 *	tenant-shift 2 busy|done
 *	path /srv/rootfs              (for people; the key is the name of the file)
 *	generation N                  (the top's inode generation, where the filesystem has one)
 *	birth N                       (the top's birth time in ns + 1, where it has one)
 *
 * A record applies to the tree only while its top is the one recorded: same inode, generation
 * and birth time, and owned by an ID of the recorded map (of `to`, or of `from` while busy). A
 * new tree made at a recycled inode is not the old one, whatever its owner sets.
 *	from uid|gid C H N            (busy only; none: the tree was unshifted)
 *	to uid|gid C H N
 *	keep INO MODE [CAPS-HEX]      (busy only, appended: a file whose setuid/setgid bits or
 *	kept INO                       capabilities a chown clears, before the chown; after
 *	                               they are back)
 *
 * Why not trusted.* attributes: they would need a filesystem with them, and `tenant shift` is
 * for filesystems without idmapped mounts (NFS among them), which often have none.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"

#define TN_SHIFT_CAPS_MAX 64 /* a vfs_ns_cap_data is 24 bytes */

struct tn_shift_keep {
	uint64_t ino;
	uint32_t mode;
	uint8_t caps[TN_SHIFT_CAPS_MAX];
	size_t caps_len;
	bool kept; /* put back already */
};

struct tn_shift_record {
	char *file; /* the record in tenant's store */
	bool exists, busy;
	struct tn_idmap from[2], to[2]; /* from[k].n == 0: unshifted */
	struct tn_shift_keep *keep;	/* sorted by inode after loading */
	size_t n_keep;
	int append_fd;		 /* while busy: keep and kept lines go here */
	uint64_t generation;	 /* as recorded (0: none) */
	uint64_t generation_now; /* the tree's */
	uint64_t birth, birth_now;
};

/* As if there were no record (it is replaced when the shift begins). */
void tn_shift_record_forget(struct tn_shift_record *rec);
/* Whether a top owned by host IDs uid, gid is where the record says the tree is. */
bool tn_shift_record_fits(const struct tn_shift_record *rec, uint32_t uid, uint32_t gid);

/* The record of the tree whose top directory is `rootfd` (made: the store's directory). */
int tn_shift_record_open(int rootfd, const char *root_path, struct tn_shift_record *ret,
			 struct tn_error **err);
/* Only whether there is one: -ENODATA when not, -EBUSY when busy, else the done map in ret. */
int tn_shift_record_find(const char *root_path, struct tn_idmap ret[2], struct tn_error **err);

/* busy with these maps (replacing what was there), keep lines open for appending. */
int tn_shift_record_busy(struct tn_shift_record *rec, const char *root_path,
			 const struct tn_idmap *const from[2], const struct tn_idmap *const to[2],
			 struct tn_error **err);
int tn_shift_record_keep(struct tn_shift_record *rec, const struct tn_shift_keep *k);
int tn_shift_record_kept(struct tn_shift_record *rec, uint64_t ino);
/* A keep line of the loaded (interrupted) record still to be put back, or NULL. */
const struct tn_shift_keep *tn_shift_record_pending(const struct tn_shift_record *rec,
						    uint64_t ino);
int tn_shift_record_finish(struct tn_shift_record *rec, const char *root_path,
			   const struct tn_idmap *const to[2], struct tn_error **err);
void tn_shift_record_done(struct tn_shift_record *rec);

/* The record's file and text, for `tenant shift --show`: -ENODATA when there is none. */
int tn_shift_record_show(const char *root_path, char **ret_file, char **ret_text,
			 struct tn_error **err);

/* Parse a record's text (for the fuzzer and tn_shift_record_open): -EBADMSG when damaged. */
int tn_shift_record_parse(const char *text, struct tn_shift_record *rec);
