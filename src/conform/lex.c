/* Script tokenizer: see lex.h. */
#include "lex.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void cf_lex_init(struct cf_lex *lx, const char *text, int line)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = text;
	lx->start = text;
	lx->line = line;
}

static int word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == ':' || c == '$' ||
	       c == '%' || c == '@';
}

/* The word so far is an address: it has a ':' or is digits and dots. */
static int addr_so_far(const char *s, size_t n)
{
	int dots = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			return 1;
		if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return dots == 3;
}

static void scan(struct cf_lex *lx, struct cf_token *t)
{
	const char *p = lx->p;
	size_t n = 0;

	/* Continuation lines are joined with '\n': count them for positions. */
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\n') {
			p++;
			lx->line++;
			lx->start = p;
			continue;
		}
		if (*p == '#') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		break;
	}
	memset(t, 0, sizeof(t->t) + sizeof(t->col) + sizeof(t->line));
	t->s[0] = 0;
	t->col = (int)(p - lx->start) + 1;
	t->line = lx->line;
	switch (*p) {
	case 0:
		t->t = CT_END;
		lx->p = p;
		return;
	case '(':
		t->t = CT_LPAREN;
		p++;
		break;
	case ')':
		t->t = CT_RPAREN;
		p++;
		break;
	case '[':
		t->t = CT_LBRACK;
		p++;
		break;
	case ']':
		t->t = CT_RBRACK;
		p++;
		break;
	case ',':
		t->t = CT_COMMA;
		p++;
		break;
	case '/':
		t->t = CT_SLASH;
		p++;
		break;
	case '=':
		t->t = CT_EQ;
		p += p[1] == '=' ? 2 : 1;
		break;
	case '!':
		if (p[1] == '=') {
			t->t = CT_NE;
			p += 2;
		} else {
			t->t = CT_ERROR;
			snprintf(t->s, sizeof(t->s), "'!' must be followed by '='");
			p++;
		}
		break;
	case '<':
		t->t = p[1] == '=' ? CT_LE : CT_LT;
		p += p[1] == '=' ? 2 : 1;
		break;
	case '>':
		t->t = p[1] == '=' ? CT_GE : CT_GT;
		p += p[1] == '=' ? 2 : 1;
		break;
	case '-':
		if (p[1] == '>') {
			t->t = CT_ARROW;
			p += 2;
			break;
		}
		/* fall through: a word may start with '-' only as an error */
		t->t = CT_ERROR;
		snprintf(t->s, sizeof(t->s), "unexpected '-'");
		p++;
		break;
	case '"':
		p++;
		t->t = CT_STRING;
		while (*p && *p != '"' && *p != '\n') {
			char c = *p++;

			if (c == '\\' && *p) {
				c = *p++;
				if (c == 'n')
					c = '\n';
				else if (c == 't')
					c = '\t';
			}
			if (n + 1 < sizeof(t->s))
				t->s[n++] = c;
			else
				n = sizeof(t->s); /* flagged below */
		}
		if (n >= sizeof(t->s)) {
			t->t = CT_ERROR;
			snprintf(t->s, sizeof(t->s), "string longer than %d characters", CF_TOK_MAX - 1);
			while (*p && *p != '"' && *p != '\n')
				p++;
			if (*p == '"')
				p++;
			break;
		}
		t->s[n] = 0;
		if (*p != '"') {
			t->t = CT_ERROR;
			snprintf(t->s, sizeof(t->s), "unterminated string");
		} else {
			p++;
		}
		break;
	default:
		if (!word_char(*p)) {
			t->t = CT_ERROR;
			snprintf(t->s, sizeof(t->s), "unexpected character '%c'", *p);
			p++;
			break;
		}
		t->t = CT_WORD;
		while (*p) {
			/* '-' joins words (global-address) unless it starts "->";
			 * '/' joins a prefix length to an address (2001:db8::/64). */
			int join = word_char(*p) ||
				   (*p == '-' && p[1] != '>' && word_char(p[1])) ||
				   (*p == '/' && isdigit((unsigned char)p[1]) && addr_so_far(t->s, n));

			if (!join)
				break;
			if (n + 1 < sizeof(t->s))
				t->s[n++] = *p;
			else
				n = sizeof(t->s);
			p++;
		}
		if (n >= sizeof(t->s)) {
			t->t = CT_ERROR;
			snprintf(t->s, sizeof(t->s), "word longer than %d characters", CF_TOK_MAX - 1);
			break;
		}
		t->s[n] = 0;
		break;
	}
	lx->p = p;
}

const struct cf_token *cf_lex_next(struct cf_lex *lx)
{
	if (lx->has_peek) {
		lx->tok = lx->peek;
		lx->has_peek = 0;
	} else {
		scan(lx, &lx->tok);
	}
	return &lx->tok;
}

const struct cf_token *cf_lex_peek(struct cf_lex *lx)
{
	if (!lx->has_peek) {
		scan(lx, &lx->peek);
		lx->has_peek = 1;
	}
	return &lx->peek;
}

const char *cf_tok_name(enum cf_tok t)
{
	static const char *const names[] = {
		[CT_END] = "end of line", [CT_WORD] = "word", [CT_STRING] = "string",
		[CT_LPAREN] = "'('", [CT_RPAREN] = "')'", [CT_LBRACK] = "'['",
		[CT_RBRACK] = "']'", [CT_COMMA] = "','", [CT_SLASH] = "'/'",
		[CT_ARROW] = "'->'", [CT_EQ] = "'='", [CT_NE] = "'!='", [CT_LT] = "'<'",
		[CT_GT] = "'>'", [CT_LE] = "'<='", [CT_GE] = "'>='", [CT_ERROR] = "error",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}
