/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Functions that are too easy to misuse on untrusted input. Every .c file includes this header
 * after all others (`make check` verifies it), so a use is a compile error that names the ban.
 *
 * Use tn_parse_u32()/tn_parse_u64() instead of ato*()/strto*(): they reject signs, blanks,
 * trailing garbage and overflow. Use snprintf()/asprintf() or struct tn_buf instead of
 * sprintf()/strcpy()/strcat().
 */
#pragma once

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)
#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtol
#define strtol(...) BANNED(strtol)
#undef strtoul
#define strtoul(...) BANNED(strtoul)
#undef strtoll
#define strtoll(...) BANNED(strtoll)
#undef strtoull
#define strtoull(...) BANNED(strtoull)
