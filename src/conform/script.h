/*
 * Test scripts: the header of each test (id, title, spec, rfc, nut, needs,
 * links, init) and its steps. A script file holds one or more tests; a
 * snippet (suites/common/NAME.v6t) holds steps only and is spliced into a
 * test by `init NAME`. Language reference: docs/script-language.md.
 */
#ifndef V6LAB_CF_SCRIPT_H
#define V6LAB_CF_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>

#include "notation.h"

enum cf_verdict {
	CF_PASS,
	CF_WARN,
	CF_FAIL,
	CF_SKIP,
	CF_NA,
	CF_ERROR,
};

const char *cf_verdict_name(enum cf_verdict v);

enum cf_step_kind {
	CS_SEND,
	CS_EXPECT,
	CS_EXPECT_NONE,
	CS_COUNT,
	CS_WAIT,
	CS_NUT,
	CS_ASSERT,
	CS_VERDICT,
	CS_RESPOND,
	CS_LOG,
	CS_CLEAR,
};

struct cf_alt {
	struct cf_pexpr pat;
	bool has_then;
	enum cf_verdict then;
	char reason[256];
};

struct cf_capture {
	char var[32];
	char layer[48];
	char field[32];
	int line, col;
};

#define CF_ALTS_MAX 6
#define CF_CAPS_MAX 6
#define CF_ARGS_MAX 12
#define CF_FRAGS_MAX 16

struct cf_step {
	enum cf_step_kind kind;
	char file[160]; /* the file that holds the step (a snippet or the test) */
	int line;
	int link;	     /* link index */
	uint32_t within_ms;  /* expect, expect none, count; wait duration */
	struct cf_pexpr pkt; /* send */
	int nalts;
	struct cf_alt alts[CF_ALTS_MAX];
	int ncaps;
	struct cf_capture caps[CF_CAPS_MAX];
	bool has_else;
	enum cf_verdict else_v;
	char reason[256]; /* else / verdict / log text */
	/* nut / assert / respond */
	int argc;
	char argv[CF_ARGS_MAX][CF_TOK_MAX];
	char var[32]; /* nut ... -> $var; count $var */
	enum cf_op op;
	bool op_in; /* assert $x in [a, b] */
	/* send ... fragments A:B, ... [order i j ...]: byte ranges of the
	 * fragmentable part, sent as fragments in the given order (1-based). */
	uint32_t repeat; /* send: how many times (0: once) */
	int nfrags;
	uint32_t frag_from[CF_FRAGS_MAX], frag_to[CF_FRAGS_MAX];
	int norder;
	uint8_t order[CF_FRAGS_MAX * 2];
};

#define CF_NUT_HOST 1
#define CF_NUT_ROUTER 2

struct cf_test {
	char id[96];
	char title[192];
	char spec[48];
	char rfc[160];
	unsigned nut; /* CF_NUT_* mask */
	int nneeds;
	char needs[8][32];
	int nlinks;
	char file[256];
	int line;
	int nsteps;
	struct cf_step *steps;
};

struct cf_suite {
	int ntests;
	struct cf_test *tests;
};

/* Parses one script file (and the snippets it includes from snippet_dir).
 * Tests are appended to suite. Returns 0, or -1 with "FILE:LINE:COL: msg". */
int cf_script_load(struct cf_suite *suite, const char *path, const char *snippet_dir, char *err,
		   size_t errlen);
/* Parses script text given directly (path is used in messages). */
int cf_script_parse(struct cf_suite *suite, const char *path, const char *text,
		    const char *snippet_dir, char *err, size_t errlen);
void cf_suite_free(struct cf_suite *suite);
/* Drops the tests after the first n (those of a file that failed to parse). */
void cf_suite_truncate(struct cf_suite *suite, int n);

/* Parses "2s", "500ms", "1.5s" into milliseconds. */
int cf_parse_duration(const char *s, uint32_t *ms);

#endif
