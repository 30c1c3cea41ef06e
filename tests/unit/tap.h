/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal TAP producer for unit tests.
 *
 *	TEST(parse_rejects_sign) {
 *		uint32_t v;
 *		ASSERT_EQ(tn_parse_u32("-1", &v), -EINVAL);
 *	}
 *	TAP_MAIN
 *
 * Tests register themselves before main(); each runs in turn and prints "ok N name" or
 * "not ok N name" with the failed assertion and both of its values as TAP diagnostics. An
 * assertion that fails returns from the test.
 */
#pragma once

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

#define TAP_MAX_TESTS 256

static struct tap_test tap_tests[TAP_MAX_TESTS];
static int tap_n_tests;
static bool tap_failed;

static inline void tap_register(const char *name, void (*fn)(void))
{
	if (tap_n_tests < TAP_MAX_TESTS)
		tap_tests[tap_n_tests++] = (struct tap_test){ name, fn };
}

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		tap_register(#name, test_##name);                                                  \
	}                                                                                          \
	static void test_##name(void)

#define TAP_FAIL(...)                                                                              \
	do {                                                                                       \
		printf("# %s:%d: ", __FILE__, __LINE__);                                           \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		tap_failed = true;                                                                 \
		return;                                                                            \
	} while (0)

#define ASSERT_TRUE(x)                                                                             \
	do {                                                                                       \
		if (!(x))                                                                          \
			TAP_FAIL("ASSERT_TRUE(%s) failed", #x);                                    \
	} while (0)

#define ASSERT_FALSE(x)                                                                            \
	do {                                                                                       \
		if (x)                                                                             \
			TAP_FAIL("ASSERT_FALSE(%s) failed", #x);                                   \
	} while (0)

/* Integers of any width and sign, compared and printed as intmax_t/uintmax_t. */
#define ASSERT_EQ(a, b)                                                                            \
	do {                                                                                       \
		intmax_t _a = (intmax_t)(a), _b = (intmax_t)(b);                                   \
		if (_a != _b)                                                                      \
			TAP_FAIL("ASSERT_EQ(%s, %s): %jd != %jd", #a, #b, _a, _b);                 \
	} while (0)

#define ASSERT_EQ_U(a, b)                                                                          \
	do {                                                                                       \
		uintmax_t _a = (uintmax_t)(a), _b = (uintmax_t)(b);                                \
		if (_a != _b)                                                                      \
			TAP_FAIL("ASSERT_EQ_U(%s, %s): %ju != %ju", #a, #b, _a, _b);               \
	} while (0)

#define ASSERT_STREQ(a, b)                                                                         \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (!_a || !_b || strcmp(_a, _b) != 0)                                             \
			TAP_FAIL("ASSERT_STREQ(%s, %s): \"%s\" != \"%s\"", #a, #b,                 \
				 _a ? _a : "(null)", _b ? _b : "(null)");                          \
	} while (0)

/* A substring check, for messages. */
#define ASSERT_CONTAINS(haystack, needle)                                                          \
	do {                                                                                       \
		const char *_h = (haystack), *_n = (needle);                                       \
		if (!_h || !strstr(_h, _n))                                                        \
			TAP_FAIL("ASSERT_CONTAINS(%s, %s): \"%s\" lacks \"%s\"", #haystack,        \
				 #needle, _h ? _h : "(null)", _n);                                 \
	} while (0)

#define TAP_MAIN                                                                                   \
	int main(void)                                                                             \
	{                                                                                          \
		int failures = 0;                                                                  \
		printf("1..%d\n", tap_n_tests);                                                    \
		for (int i = 0; i < tap_n_tests; i++) {                                            \
			tap_failed = false;                                                        \
			tap_tests[i].fn();                                                         \
			printf("%sok %d %s\n", tap_failed ? "not " : "", i + 1,                    \
			       tap_tests[i].name);                                                 \
			fflush(stdout);                                                            \
			failures += tap_failed;                                                    \
		}                                                                                  \
		return failures ? 1 : 0;                                                           \
	}
