/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small macros every module uses: scope cleanup, ownership transfer, array sizes.
 *
 * Cleanup by scope: a variable declared `_cleanup_free_ char *p = NULL;` is freed when it goes
 * out of scope, on every return path. Hand ownership on with TAKE_PTR()/TAKE_FD(), which return
 * the value and reset the variable so the cleanup does nothing.
 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _nodiscard_    __attribute__((warn_unused_result))
#define _pure_	       __attribute__((pure))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

/* Close fd if open (errno kept) and return -1, to assign back: `fd = safe_close(fd);` ends an
 * fd's life early, before its scope does (a child's copy, a descriptor handed on). */
static inline int safe_close(int fd)
{
	closep(&fd);
	return -1;
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_	   _cleanup_(freep)
#define _cleanup_close_	   _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Return the pointer and leave NULL behind, so the scope's cleanup does not free it. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp_ = (p);                                                          \
		(p) = NULL;                                                                        \
		_tp_;                                                                              \
	})

/* Return the fd and leave -1 behind, so the scope's cleanup does not close it. */
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf_ = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_tf_;                                                                              \
	})

/* Return a struct and leave it zeroed behind, so the scope's cleanup (a tn_foo_done that
 * accepts an empty struct) does nothing: `*ret = TAKE_STRUCT(s);`. */
#define TAKE_STRUCT(s)                                                                             \
	({                                                                                         \
		__typeof__(s) _ts_ = (s);                                                          \
		(s) = (__typeof__(s)){ 0 };                                                        \
		_ts_;                                                                              \
	})

/* Define a pointer cleanup function `name##p` from a destructor that accepts NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		func(*p);                                                                          \
	}

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Retry a syscall interrupted by a signal. */
#define RETRY_EINTR(expr)                                                                          \
	({                                                                                         \
		__typeof__(expr) _r_;                                                              \
		do                                                                                 \
			_r_ = (expr);                                                              \
		while (_r_ < 0 && errno == EINTR);                                                 \
		_r_;                                                                               \
	})

/* -errno of the last failed call, never 0 (a failed call that left errno unset is EIO). */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
