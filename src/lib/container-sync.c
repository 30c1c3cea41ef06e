/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sync protocol (container-sync.h). On the wire a message is a fixed header record, then
 * its texts (message, hint, state) back to back in records of at most TN_SYNC_CHUNK bytes: a
 * text has no size limit but memory.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "container-sync.h"
#include "sock.h"
#include "banned.h"

#define TN_SYNC_CHUNK	 (64 * 1024)
#define TN_SYNC_TEXT_MAX (256u * 1024 * 1024) /* a sanity bound against a corrupt header */

enum { TEXT_MESSAGE, TEXT_HINT, TEXT_STATE, TEXT_COUNT };

struct wire_header {
	int32_t type;
	int32_t code;
	int32_t pid;
	uint32_t len[TEXT_COUNT];
	uint64_t userns;
};

void tn_sync_msg_done(struct tn_sync_msg *m)
{
	free(m->message);
	free(m->hint);
	free(m->state);
	*m = (struct tn_sync_msg){ 0 };
}

static int send_record(int fd, const void *p, size_t n)
{
	ssize_t w = RETRY_EINTR(send(fd, p, n, MSG_NOSIGNAL));

	if (w < 0)
		return negative_errno();
	return (size_t)w == n ? 0 : -EIO;
}

static int send_text(int fd, const char *s, size_t n)
{
	for (size_t off = 0; off < n; off += TN_SYNC_CHUNK) {
		int r = send_record(fd, s + off, MIN(n - off, (size_t)TN_SYNC_CHUNK));

		if (r < 0)
			return r;
	}
	return 0;
}

int tn_sync_send(int fd, const struct tn_sync_msg *m)
{
	const char *text[TEXT_COUNT] = { m->message, m->hint, m->state };
	struct wire_header h = {
		.type = m->type, .code = m->code, .pid = m->pid, .userns = m->userns
	};
	int r;

	for (int i = 0; i < TEXT_COUNT; i++) {
		size_t n = text[i] ? strlen(text[i]) : 0;

		if (n > TN_SYNC_TEXT_MAX)
			return -E2BIG;
		h.len[i] = (uint32_t)n;
	}
	r = send_record(fd, &h, sizeof(h));
	if (r < 0)
		return r;
	for (int i = 0; i < TEXT_COUNT; i++) {
		r = send_text(fd, text[i], h.len[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int tn_sync_send_type(int fd, enum tn_sync_type type)
{
	struct tn_sync_msg m = { .type = type };

	return tn_sync_send(fd, &m);
}

int tn_sync_send_error(int fd, int code, const struct tn_error *e)
{
	struct tn_sync_msg m = { .type = TN_SYNC_ERROR, .code = code > 0 ? code : EIO };

	if (e) {
		m.message = e->message;
		m.hint = e->hint;
	}
	if (!m.message)
		m.message = (char *)strerror(m.code);
	return tn_sync_send(fd, &m);
}

/* Exactly n bytes of text in records of TN_SYNC_CHUNK; NULL when n is 0. */
static int recv_text(int fd, uint32_t n, char **ret)
{
	_cleanup_free_ char *s = NULL;

	*ret = NULL;
	if (n == 0)
		return 0;
	if (n > TN_SYNC_TEXT_MAX)
		return -EPROTO;
	s = malloc((size_t)n + 1);
	if (!s)
		return -ENOMEM;
	for (size_t off = 0; off < n;) {
		size_t want = MIN((size_t)n - off, (size_t)TN_SYNC_CHUNK);
		ssize_t got = RETRY_EINTR(recv(fd, s + off, want, 0));

		if (got < 0)
			return negative_errno();
		if (got == 0)
			return -EPIPE;
		if ((size_t)got != want)
			return -EPROTO;
		off += want;
	}
	s[n] = '\0';
	if (strlen(s) != n)
		return -EPROTO; /* a NUL inside */
	*ret = TAKE_PTR(s);
	return 0;
}

int tn_sync_recv(int fd, struct tn_sync_msg *ret)
{
	_cleanup_(tn_sync_msg_done) struct tn_sync_msg m = { 0 };
	char *text[TEXT_COUNT] = { NULL };
	struct wire_header h;
	ssize_t n = RETRY_EINTR(recv(fd, &h, sizeof(h), 0));
	int r;

	if (n < 0)
		return negative_errno();
	if (n == 0)
		return -EPIPE;
	if ((size_t)n != sizeof(h) || h.type < TN_SYNC_SETUP || h.type > TN_SYNC_HOOKS)
		return -EPROTO;
	m = (struct tn_sync_msg){
		.type = (enum tn_sync_type)h.type, .code = h.code, .pid = h.pid, .userns = h.userns
	};
	for (int i = 0; i < TEXT_COUNT; i++) {
		r = recv_text(fd, h.len[i], &text[i]);
		if (r < 0)
			break;
	}
	m.message = text[TEXT_MESSAGE];
	m.hint = text[TEXT_HINT];
	m.state = text[TEXT_STATE];
	if (r < 0)
		return r;
	*ret = m;
	m = (struct tn_sync_msg){ 0 };
	return 0;
}

static uint64_t monotonic_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

void tn_sync_wait_briefly(int fd, unsigned max_us)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t end = monotonic_us() + max_us;

	while (poll(&pfd, 1, 0) == 0 && monotonic_us() < end)
		sched_yield();
}

int tn_sync_expect(int fd, enum tn_sync_type type, struct tn_sync_msg *ret)
{
	int r = tn_sync_recv(fd, ret);

	if (r < 0)
		return r;
	return ret->type == type ? 0 : -EPROTO;
}

int tn_sync_error(const struct tn_sync_msg *m, struct tn_error **err)
{
	int code = m->type == TN_SYNC_ERROR && m->code > 0 ? m->code : EIO;

	if (m->type != TN_SYNC_ERROR)
		return tn_error_set(err, EPROTO,
				    "the container's setup process sent message %d out of turn",
				    (int)m->type);
	code = tn_error_set(err, code, "%s", m->message ? m->message : strerror(code));
	if (m->hint)
		tn_error_hint(err, code, "%s", m->hint);
	return code;
}

_Noreturn void tn_sync_fail(int fd, int code, struct tn_error *e, int status)
{
	int r = tn_sync_send_error(fd, code, e);

	/* R closed its end: it failed first and says why. Anything else: say it here. */
	if (r < 0 && r != -EPIPE) {
		dprintf(STDERR_FILENO, "tenant: %s\n",
			e && e->message ? e->message : strerror(code > 0 ? code : EIO));
		if (e && e->hint)
			dprintf(STDERR_FILENO, "hint: %s\n", e->hint);
	}
	_exit(status);
}

#define FIFO_MAGIC 0x4f464946u /* "FIFO" */

int tn_sync_send_fifo(int fd, int fifo_fd)
{
	const uint32_t magic = FIFO_MAGIC;

	return tn_send_fd(fd, fifo_fd, &magic, sizeof(magic));
}

int tn_sync_recv_fifo(int fd, int *ret_fifo_fd)
{
	uint32_t magic = 0;
	int fifo = -1, r = tn_recv_fd(fd, &magic, sizeof(magic), &fifo);

	if (r < 0)
		return r;
	if (magic != FIFO_MAGIC || fifo < 0) {
		safe_close(fifo);
		return -EPROTO;
	}
	*ret_fifo_fd = fifo;
	return 0;
}
