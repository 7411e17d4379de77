/*
 * The packet notation: `ether(TN1 -> NUT) / ipv6(src=TN1.ll, hlim=255) /
 * icmpv6.ns(target=NUT.ll) / ndopt.slla(lladdr=TN1)`. One parse gives an
 * expression that serves both to build a frame (unset fields take defaults,
 * lengths and checksums are computed) and as a pattern to match received
 * frames (unset fields match anything). Names of layers and fields are
 * checked against the packet library at parse time; values that name nodes
 * or variables are resolved when the step runs.
 */
#ifndef V6LAB_CF_NOTATION_H
#define V6LAB_CF_NOTATION_H

#include <stdbool.h>

#include "build.h"
#include "lex.h"
#include "proto.h"

enum cf_vkind {
	CV_WORD,  /* number, address, node reference (TN1.ll) or $variable */
	CV_STRING, /* "text": bytes */
	CV_LIST,  /* [a, b, ...] for address lists */
	CV_CALL,  /* solicited(X), mcastmac(X), eui64(PREFIX, NODE) ... */
};

#define CF_LIST_MAX 8

struct cf_value {
	enum cf_vkind kind;
	char text[CF_TOK_MAX]; /* WORD/STRING text, CALL function name */
	int nargs;	  /* LIST items / CALL arguments (words) */
	char args[CF_LIST_MAX][128];
	int line, col;
};

enum cf_op { CF_OP_EQ, CF_OP_NE, CF_OP_LT, CF_OP_GT, CF_OP_LE, CF_OP_GE };

struct cf_fexpr {
	const struct pkt_fdesc *f;
	enum cf_op op;
	struct cf_value v;
};

#define CF_FIELDS_MAX 16

struct cf_lexpr {
	const struct pkt_proto *proto;
	bool prefix;	 /* "icmpv6" in a pattern matches any icmpv6.* */
	uint32_t rawlen; /* raw(N): N zero bytes */
	uint8_t nopad;
	int nf;
	struct cf_fexpr *f; /* owned */
	int line, col;
};

struct cf_pexpr {
	int n;
	struct cf_lexpr *l; /* owned: cf_pexpr_free */
	int line, col;
};

#define CF_LAYERS_MAX 24

void cf_pexpr_free(struct cf_pexpr *pe);

/* Parses a packet expression from the lexer (current token is its first).
 * Returns 0 or -1 with "line:col: message" in err. Stops at the first token
 * that cannot continue the expression (left as the current token). */
int cf_pexpr_parse(struct cf_lex *lx, struct cf_pexpr *pe, char *err, size_t errlen);

/* Resolves words into values at run time: nodes, variables, functions. */
struct cf_resolver {
	void *ctx;
	/* Fills v for a word of the given field type; 0, or -1 with err set. */
	int (*word)(void *ctx, const char *word, uint8_t ftype, struct pkt_val *v,
		    uint8_t *store, size_t storelen, char *err, size_t errlen);
};

/* Resolves one value for field f. Bytes for BYTES/IP6LIST values go to store. */
int cf_value_resolve(const struct cf_value *cv, const struct pkt_fdesc *f,
		     const struct cf_resolver *r, struct pkt_val *v, uint8_t *store,
		     size_t storelen, char *err, size_t errlen);

/* Turns an expression into a spec ready for pkt_build. `store` holds the
 * bytes of BYTES values and must outlive the build. */
struct cf_store {
	uint8_t b[16384];
	size_t used;
};
int cf_pexpr_to_spec(const struct cf_pexpr *pe, const struct cf_resolver *r, struct pkt_spec *s,
		     struct cf_store *st, char *err, size_t errlen);

/* Matches a decoded frame against a pattern. Returns 1 on a match, 0
 * otherwise with the reason in why (the closest miss), -1 on a resolve
 * error (err in why). `first` receives the index of the decoded layer the
 * pattern's first layer matched, for captures. */
int cf_pexpr_match(const struct cf_pexpr *pe, const struct pkt_dec *d, const struct cf_resolver *r,
		   int *layer_map, char *why, size_t whylen);

/* The same, also giving how close the best attempt came (layers and fields
 * that matched; -1 when not even the first layer name matched). */
int cf_pexpr_match_score(const struct cf_pexpr *pe, const struct pkt_dec *d,
			 const struct cf_resolver *r, int *layer_map, char *why, size_t whylen,
			 int *best_score);

/* Parses a plain word as a number (decimal or 0x hex). */
int cf_parse_u64(const char *s, uint64_t *out);

#endif
