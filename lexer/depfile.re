/* Generated lexer/depfile.c comes from this file with (re2c 3.0):
 *   re2c -W --no-generation-date --no-version -o lexer/depfile.c lexer/depfile.re
 *
 * The depfile parser: Makefile-style "out1 out2: in1 in2 \" rules as written
 * by gcc -MD, clang, msvc wrappers and friends, with ninja's rules for what is
 * a word and what an escape means (ninja's DepfileParser, 1.12/1.13):
 *
 *  - words are runs of "plain" characters and escapes; anything else (space,
 *    tab, '#', a lone '$', '*', '|', ';', ...) ends the word and is dropped;
 *  - 2N+1 backslashes before a space give N backslashes and a space inside
 *    the word; 2N backslashes before a space give 2N backslashes and end it;
 *  - backslashes before '#' lose one ("\#" is "#", "\\#" is "\#");
 *  - backslashes before ':' lose one, unless the ':' is followed by
 *    whitespace or the end, where the ':' ends a target ("foo1\: x" has the
 *    target "foo1\");
 *  - "$$" is "$"; other backslashed characters pass through untouched, so
 *    "c:\foo\bar.h" is one word;
 *  - backslash-newline (LF or CRLF) continues the rule; a bare newline ends
 *    it, so the next word is a target again;
 *  - a word ending in ':' is the last target of its rule.
 *
 * Unescaping only ever shrinks a word, so it is rewritten in place: `out`
 * trails `in`, and a finished word lies in [word, out). Words already
 * recorded are never touched again, so the views stay valid.
 *
 * The scanner uses re2c's custom API with a bounds-checked peek that reads
 * the end of the buffer as a NUL: the caller's buffer need not be terminated
 * and nothing past buf[len - 1] is ever read (the fuzzer relies on it). */
#include "lexer.h"

#include <stdlib.h>
#include <string.h>

static void push_view(struct strview **v, size_t *n, size_t *cap, char *s,
		      size_t len)
{
	xgrow((void **)v, cap, *n + 1, sizeof(**v));
	(*v)[*n].s = s;
	(*v)[*n].len = len;
	(*n)++;
}

int depfile_parse(struct depfile *d, char *buf, size_t len, struct err *err)
{
	d->nouts = 0;
	d->nins = 0;
	if (len == 0)
		return 0; /* buf may be NULL, and NULL + 0 is undefined in C */

	char *in = buf;
	char *const end = buf + len;
	/* Membership of the lists, for deduplication: a depfile of a large
	 * C++ file names thousands of headers, too many for linear search. */
	struct hmap seen_ins = {0}, seen_outs = {0};
	bool parsing_targets = true;
	bool have_target = false; /* some word ended in ':' */
	bool is_empty = true;     /* no non-empty word at all */
	/* A target of this rule was an input of an earlier one: new inputs
	 * now would make an input depend on inputs, which ninja rejects. */
	bool poisoned = false;
	int ret = 0;

	while (in < end) {
		bool have_newline = false;
		char *out = in;
		char *const word = out;

		for (;;) {
			char *const start = in;
			char *mar = in; /* re2c's backtracking point */
			size_t n;

			/*!re2c
			re2c:api = custom;
			re2c:api:style = free-form;
			re2c:define:YYCTYPE = "unsigned char";
			re2c:define:YYPEEK = "(in < end ? (unsigned char)*in : 0)";
			re2c:define:YYSKIP = "if (in < end) in++;";
			re2c:define:YYBACKUP = "mar = in;";
			re2c:define:YYRESTORE = "in = mar;";
			re2c:yyfill:enable = 0;
			re2c:indent:top = 3;
			re2c:indent:string = "\t";

			nul = "\x00";
			newline = "\r"? "\n";
			bs = "\\";
			plain = [a-zA-Z0-9+?"'&,/_:.~()}{%=@\x5B\x5D!\x80-\xFF-];

			(bs bs)* bs " " {
				/* 2N+1 backslashes and a space: N backslashes and
				 * an escaped space, still inside the word. */
				n = (size_t)(in - start) / 2 - 1;
				memset(out, '\\', n);
				out += n;
				*out++ = ' ';
				continue;
			}
			(bs bs)+ " " {
				/* 2N backslashes and a space: the backslashes are
				 * literal and the space ends the word. */
				n = (size_t)(in - start) - 1;
				memset(out, '\\', n);
				out += n;
				break;
			}
			bs+ "#" {
				/* One backslash escapes the '#'; any others stay. */
				n = (size_t)(in - start) - 2;
				memset(out, '\\', n);
				out += n;
				*out++ = '#';
				continue;
			}
			bs+ ":" [\x00\t\n\r ] {
				/* A ':' before whitespace or the end ends a target,
				 * escaped or not: keep the backslashes and the ':'
				 * literally and leave the whitespace to the next
				 * scan, which sees any newline. Measured from the
				 * backslashes, since the end reads as a NUL that
				 * the cursor does not step over. */
				char *colon = start;
				while (*colon == '\\')
					colon++;
				n = (size_t)(colon + 1 - start);
				memmove(out, start, n);
				out += n;
				in = colon + 1;
				break;
			}
			bs+ ":" {
				/* An escaped ':' inside a word: drop one backslash. */
				n = (size_t)(in - start) - 2;
				memset(out, '\\', n);
				out += n;
				*out++ = ':';
				continue;
			}
			"$$" {
				*out++ = '$';
				continue;
			}
			bs+ [^\x00\r\n] | plain+ {
				/* Literal text, moved down over dropped escapes. */
				n = (size_t)(in - start);
				if (out < start)
					memmove(out, start, n);
				out += n;
				continue;
			}
			nul {
				break;
			}
			bs newline {
				/* A continuation ends the word but not the rule. */
				break;
			}
			newline {
				have_newline = true;
				break;
			}
			[^] {
				/* Whitespace or another separator: end the word. */
				break;
			}
			*/
		}

		size_t n = (size_t)(out - word);
		const bool is_dep = !parsing_targets;
		if (n > 0 && word[n - 1] == ':') {
			n--;
			parsing_targets = false;
			have_target = true;
		}
		if (n > 0) {
			is_empty = false;
			if (is_dep) {
				/* Insert-and-test hashes the word only once. */
				if (!hmap_put(&seen_ins, word, n, word)) {
					if (poisoned) {
						err_set(err, "inputs may not also have inputs");
						ret = -1;
						goto done;
					}
					push_view(&d->ins, &d->nins, &d->ins_cap, word, n);
				}
			} else if (hmap_get(&seen_ins, word, n)) {
				/* A target that was an input before (gcc -MP's
				 * "header:" rules): the rest of this rule may only
				 * name known inputs. */
				poisoned = true;
			} else if (!hmap_put(&seen_outs, word, n, word)) {
				push_view(&d->outs, &d->nouts, &d->outs_cap, word, n);
			}
		}
		if (have_newline) {
			parsing_targets = true;
			poisoned = false;
		}
	}
	if (!have_target && !is_empty) {
		err_set(err, "expected ':' in depfile");
		ret = -1;
	}
done:
	hmap_free(&seen_ins);
	hmap_free(&seen_outs);
	return ret;
}

void depfile_free(struct depfile *d)
{
	free(d->outs);
	free(d->ins);
	memset(d, 0, sizeof(*d));
}
