/*
 * Tokenizer for test scripts. It works on one logical line at a time and
 * records the column of every token, so each parse error can point at
 * file:line:column.
 */
#ifndef V6LAB_CF_LEX_H
#define V6LAB_CF_LEX_H

#include <stddef.h>

enum cf_tok {
	CT_END,
	CT_WORD,   /* names, numbers, addresses, $vars, 2001:db8::/64 */
	CT_STRING, /* "text" (escapes \" \\ \n) */
	CT_LPAREN,
	CT_RPAREN,
	CT_LBRACK,
	CT_RBRACK,
	CT_COMMA,
	CT_SLASH,
	CT_ARROW, /* -> */
	CT_EQ,
	CT_NE,
	CT_LT,
	CT_GT,
	CT_LE,
	CT_GE,
	CT_ERROR,
};

#define CF_TOK_MAX 1024

struct cf_token {
	enum cf_tok t;
	int col;	    /* 1-based column in the source line */
	int line;
	char s[CF_TOK_MAX]; /* text of WORD/STRING, message of ERROR */
};

struct cf_lex {
	const char *p;	   /* current position */
	const char *start; /* start of the physical line being read */
	int line;
	struct cf_token tok; /* current token */
	struct cf_token peek;
	int has_peek;
};

/* Starts on text that begins at column 1 of line `line`. */
void cf_lex_init(struct cf_lex *lx, const char *text, int line);
/* Advances to the next token and returns it. */
const struct cf_token *cf_lex_next(struct cf_lex *lx);
/* Looks at the next token without consuming it. */
const struct cf_token *cf_lex_peek(struct cf_lex *lx);
const char *cf_tok_name(enum cf_tok t);

#endif
