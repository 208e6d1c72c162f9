/* The manifest lexer. Generated into lexer.c with:
 *   re2c -W --no-generation-date --no-version -o lexer/lexer.c lexer/lexer.re
 * Tokens and escapes follow the ninja manual; the input buffer ends in NUL,
 * which is end of file. */
#include "lexer.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/*!re2c
	re2c:define:YYCTYPE = "unsigned char";
	re2c:define:YYCURSOR = p;
	re2c:define:YYMARKER = q;
	re2c:yyfill:enable = 0;
	re2c:flags:nested-ifs = 0;

	nul = "\000";
	simple_varname = [a-zA-Z0-9_-]+;
	varname = [a-zA-Z0-9_.-]+;
*/

const char *token_name(enum token t)
{
	switch (t) {
	case TOK_ERROR: return "lexing error";
	case TOK_BUILD: return "'build'";
	case TOK_COLON: return "':'";
	case TOK_DEFAULT: return "'default'";
	case TOK_EQUALS: return "'='";
	case TOK_IDENT: return "identifier";
	case TOK_INCLUDE: return "'include'";
	case TOK_INDENT: return "indent";
	case TOK_NEWLINE: return "newline";
	case TOK_PIPE: return "'|'";
	case TOK_PIPE2: return "'||'";
	case TOK_PIPEAT: return "'|@'";
	case TOK_POOL: return "'pool'";
	case TOK_RULE: return "'rule'";
	case TOK_SUBNINJA: return "'subninja'";
	case TOK_EOF: return "eof";
	}
	return "";
}

const char *token_error_hint(enum token expected)
{
	return expected == TOK_COLON ? " ($ also escapes ':')" : "";
}

void lexer_init(struct lexer *lx, const char *filename, const char *input,
		size_t len, struct arena *arena)
{
	lx->filename = filename;
	lx->input = input;
	lx->input_len = len;
	lx->ofs = input;
	lx->last_token = NULL;
	lx->arena = arena;
	lx->version_major = lx->version_minor = 0;
	lx->newline_checked = false;
}

void lexer_error(struct lexer *lx, struct err *err, const char *fmt, ...)
{
	struct buf b = {0};
	int line = 1;
	const char *line_start = lx->input;
	const char *tok = lx->last_token ? lx->last_token : lx->input;
	for (const char *p = lx->input; p < tok; p++) {
		if (*p == '\n') {
			line++;
			line_start = p + 1;
		}
	}
	int col = lx->last_token ? (int)(lx->last_token - line_start) : 0;
	buf_printf(&b, "%s:%d: ", lx->filename, line);
	va_list ap;
	va_start(ap, fmt);
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_adds(&b, msg);
	buf_addc(&b, '\n');
	/* Show the line with a caret, truncated like ninja's at 72 columns. */
	enum { TRUNCATE = 72 };
	if (col > 0 && col < TRUNCATE) {
		int len;
		bool truncated = true;
		for (len = 0; len < TRUNCATE; len++) {
			if (line_start[len] == 0 || line_start[len] == '\n') {
				truncated = false;
				break;
			}
		}
		buf_add(&b, line_start, (size_t)len);
		if (truncated)
			buf_adds(&b, "...");
		buf_addc(&b, '\n');
		for (int i = 0; i < col; i++)
			buf_addc(&b, ' ');
		buf_adds(&b, "^ near here");
	}
	free(err->msg);
	err->msg = xstrdup(buf_cstr(&b));
	buf_free(&b);
}

static void describe_error(struct lexer *lx, struct err *err)
{
	if (lx->last_token && *lx->last_token == '\t')
		lexer_error(lx, err, "tabs are not allowed, use spaces");
	else
		lexer_error(lx, err, "lexing error");
}

/* Skip spaces and $-newline continuations after a token. */
static void eat_whitespace(struct lexer *lx)
{
	const unsigned char *p = (const unsigned char *)lx->ofs, *q, *start;
	for (;;) {
		start = p;
		/*!re2c
		[ ]+     { continue; }
		"$\r\n"  { continue; }
		"$\n"    { continue; }
		nul      { break; }
		[^]      { break; }
		*/
	}
	lx->ofs = (const char *)start;
	(void)q;
}

enum token lexer_read(struct lexer *lx)
{
	const unsigned char *p = (const unsigned char *)lx->ofs, *q, *start;
	enum token t;
	for (;;) {
		start = p;
		/*!re2c
		[ ]*"#"[^\000\n]*"\n" { continue; }
		[ ]*"\r\n" { t = TOK_NEWLINE; break; }
		[ ]*"\n"   { t = TOK_NEWLINE; break; }
		[ ]+       { t = TOK_INDENT; break; }
		"build"    { t = TOK_BUILD; break; }
		"pool"     { t = TOK_POOL; break; }
		"rule"     { t = TOK_RULE; break; }
		"default"  { t = TOK_DEFAULT; break; }
		"="        { t = TOK_EQUALS; break; }
		":"        { t = TOK_COLON; break; }
		"|@"       { t = TOK_PIPEAT; break; }
		"||"       { t = TOK_PIPE2; break; }
		"|"        { t = TOK_PIPE; break; }
		"include"  { t = TOK_INCLUDE; break; }
		"subninja" { t = TOK_SUBNINJA; break; }
		varname    { t = TOK_IDENT; break; }
		nul        { t = TOK_EOF; break; }
		[^]        { t = TOK_ERROR; break; }
		*/
	}
	lx->last_token = (const char *)start;
	lx->ofs = (const char *)p;
	if (t != TOK_NEWLINE && t != TOK_EOF)
		eat_whitespace(lx);
	(void)q;
	return t;
}

void lexer_unread(struct lexer *lx) { lx->ofs = lx->last_token; }

int lexer_expect(struct lexer *lx, enum token want, struct err *err)
{
	enum token t = lexer_read(lx);
	if (t == want)
		return 0;
	lexer_error(lx, err, "expected %s, got %s%s", token_name(want),
		    token_name(t), token_error_hint(want));
	return -1;
}

int lexer_let(struct lexer *lx, const char **name, size_t *len,
	      struct evalstr *val, struct err *err)
{
	if (!lexer_ident(lx, name, len)) {
		lexer_error(lx, err, "expected variable name");
		return -1;
	}
	if (lexer_expect(lx, TOK_EQUALS, err) < 0)
		return -1;
	return lexer_evalstr(lx, val, false, err);
}

bool lexer_peek(struct lexer *lx, enum token t)
{
	if (lexer_read(lx) == t)
		return true;
	lexer_unread(lx);
	return false;
}

bool lexer_ident(struct lexer *lx, const char **name, size_t *len)
{
	const unsigned char *p = (const unsigned char *)lx->ofs, *q;
	const unsigned char *start = p;
	(void)q;
	/*!re2c
	varname {
		*name = (const char *)start;
		*len = (size_t)(p - start);
		lx->last_token = (const char *)start;
		lx->ofs = (const char *)p;
		eat_whitespace(lx);
		return true;
	}
	[^] {
		lx->last_token = (const char *)start;
		return false;
	}
	*/
}

static void add_part(struct lexer *lx, struct evalstr *es, const char *s,
		     size_t len, bool var)
{
	/* Adjacent literal text is merged into one part. */
	if (!var && es->tail && !es->tail->var &&
	    es->tail->s + es->tail->len == s) {
		es->tail->len += (uint32_t)len;
		return;
	}
	struct evalpart *part = arena_alloc(lx->arena, sizeof(*part));
	part->s = s;
	part->len = (uint32_t)len;
	part->var = var;
	if (es->tail)
		es->tail->next = part;
	else
		es->head = part;
	es->tail = part;
}

int lexer_evalstr(struct lexer *lx, struct evalstr *es, bool path,
		  struct err *err)
{
	const unsigned char *p = (const unsigned char *)lx->ofs, *q, *start;
	es->head = es->tail = NULL;
	for (;;) {
		start = p;
		/*!re2c
		[^$ :\r\n|\000]+ {
			add_part(lx, es, (const char *)start, (size_t)(p - start), false);
			continue;
		}
		"\r\n" {
			if (path)
				p = start;
			break;
		}
		[ :|\n] {
			if (path) {
				p = start;
				break;
			}
			if (*start == '\n')
				break;
			add_part(lx, es, (const char *)start, 1, false);
			continue;
		}
		"$$" {
			add_part(lx, es, "$", 1, false);
			continue;
		}
		"$ " {
			add_part(lx, es, " ", 1, false);
			continue;
		}
		"$\r\n"[ ]* { continue; }
		"$\n"[ ]*   { continue; }
		"${"varname"}" {
			add_part(lx, es, (const char *)start + 2, (size_t)(p - start) - 3, true);
			continue;
		}
		"$"simple_varname {
			add_part(lx, es, (const char *)start + 1, (size_t)(p - start) - 1, true);
			continue;
		}
		"$:" {
			add_part(lx, es, ":", 1, false);
			continue;
		}
		"$^" {
			/* ninja points the caret at the last token, as it stands:
			 * this one is not one. */
			if (!lx->newline_checked) {
				if (lx->version_major < 1 ||
				    (lx->version_major == 1 && lx->version_minor < 14)) {
					lexer_error(lx, err, "using $^ escape requires "
						    "specifying 'ninja_required_version' "
						    "with version greater or equal 1.14");
					return -1;
				}
				lx->newline_checked = true;
			}
			add_part(lx, es, "\n", 1, false);
			continue;
		}
		"$"[^] {
			lx->last_token = (const char *)start;
			lexer_error(lx, err, "bad $-escape (literal $ must be written as $$)");
			return -1;
		}
		nul {
			lx->last_token = (const char *)start;
			lexer_error(lx, err, "unexpected EOF");
			return -1;
		}
		[^] {
			lx->last_token = (const char *)start;
			describe_error(lx, err);
			return -1;
		}
		*/
	}
	lx->last_token = (const char *)start;
	lx->ofs = (const char *)p;
	if (path)
		eat_whitespace(lx);
	(void)q;
	return 0;
}
