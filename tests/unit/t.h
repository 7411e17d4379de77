/*
 * A minimal TAP test harness for the unit tests: each check prints one
 * "ok"/"not ok" line, and t_done() returns the exit status.
 */
#ifndef V6LAB_T_H
#define V6LAB_T_H

#include <stdio.h>
#include <string.h>

static int t_n, t_fail;

#define T_OK(cond, ...)                                                        \
	do {                                                                   \
		int t_c_ = !!(cond);                                           \
		t_n++;                                                         \
		if (!t_c_)                                                     \
			t_fail++;                                              \
		printf("%s %d - ", t_c_ ? "ok" : "not ok", t_n);               \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		if (!t_c_)                                                     \
			printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
	} while (0)

#define T_EQ_U(a, b, ...)                                                      \
	do {                                                                   \
		unsigned long long t_a_ = (unsigned long long)(a);             \
		unsigned long long t_b_ = (unsigned long long)(b);             \
		T_OK(t_a_ == t_b_, __VA_ARGS__);                               \
		if (t_a_ != t_b_)                                              \
			printf("#   got %llu (0x%llx), want %llu (0x%llx)\n", t_a_, \
			       t_a_, t_b_, t_b_);                              \
	} while (0)

#define T_EQ_S(a, b, ...)                                                      \
	do {                                                                   \
		const char *t_a_ = (a), *t_b_ = (b);                           \
		int t_e_ = t_a_ && t_b_ && !strcmp(t_a_, t_b_);                \
		T_OK(t_e_, __VA_ARGS__);                                       \
		if (!t_e_)                                                     \
			printf("#   got  \"%s\"\n#   want \"%s\"\n", t_a_ ? t_a_ : "(null)", \
			       t_b_ ? t_b_ : "(null)");                        \
	} while (0)

static inline int t_done(void)
{
	printf("1..%d\n", t_n);
	return t_fail ? 1 : 0;
}

#endif
