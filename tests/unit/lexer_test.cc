// Unit tests for lexer/: the manifest lexer's tokens, evaluated strings and
// their escapes, error messages with line and caret, variable scopes, and
// shell quoting. Expected values are ninja's (lexer_test.cc, util_test.cc,
// and messages checked against /usr/bin/ninja 1.11.1).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "lexer/lexer.h"
}

namespace {

struct LexerTest : public testing::Test {
	struct arena arena = {};
	struct lexer lx = {};
	struct err err = {};
	char *text = nullptr;

	// The lexer wants a NUL after the input and 16 spare bytes.
	void start(const std::string &s, const char *file = "input")
	{
		free(text);
		text = static_cast<char *>(calloc(s.size() + 17, 1));
		memcpy(text, s.data(), s.size());
		lexer_init(&lx, file, text, s.size(), &arena);
	}
	std::vector<enum token> tokens(const std::string &s)
	{
		start(s);
		std::vector<enum token> v;
		for (int i = 0; i < 100; i++) {
			enum token t = lexer_read(&lx);
			v.push_back(t);
			if (t == TOK_EOF || t == TOK_ERROR)
				break;
		}
		return v;
	}
	// Read a value (or a path) and evaluate it with no variables bound,
	// showing variable references as [$name].
	static void show_var(void *, const char *name, size_t len,
			     struct buf *out)
	{
		buf_adds(out, "[$");
		buf_add(out, name, len);
		buf_addc(out, ']');
	}
	std::string value(bool path = false)
	{
		struct evalstr es;
		if (lexer_evalstr(&lx, &es, path, &err) < 0)
			return "ERROR";
		struct buf b = {};
		evalstr_eval(&es, show_var, nullptr, &b);
		std::string r = buf_cstr(&b);
		buf_free(&b);
		return r;
	}
	std::string error() const { return err.msg ? err.msg : ""; }

	~LexerTest() override
	{
		free(text);
		err_clear(&err);
		arena_free(&arena);
	}
};

typedef std::vector<enum token> toks;

TEST_F(LexerTest, KeywordsAndPunctuation)
{
	EXPECT_EQ((toks{TOK_BUILD, TOK_IDENT, TOK_COLON, TOK_IDENT, TOK_IDENT,
			TOK_PIPE, TOK_IDENT, TOK_PIPE2, TOK_IDENT, TOK_PIPEAT,
			TOK_IDENT, TOK_NEWLINE, TOK_EOF}),
		  tokens("build out: cc in | imp || oo |@ val\n"));
	EXPECT_EQ((toks{TOK_RULE, TOK_IDENT, TOK_NEWLINE, TOK_INDENT, TOK_IDENT,
			TOK_EQUALS, TOK_IDENT, TOK_NEWLINE, TOK_EOF}),
		  tokens("rule cc\n  command = gcc\n"));
	EXPECT_EQ((toks{TOK_POOL, TOK_IDENT, TOK_NEWLINE, TOK_DEFAULT,
			TOK_IDENT, TOK_NEWLINE, TOK_INCLUDE, TOK_IDENT,
			TOK_NEWLINE, TOK_SUBNINJA, TOK_IDENT, TOK_EOF}),
		  tokens("pool p\ndefault all\ninclude a.ninja\nsubninja b.ninja"));
}

TEST_F(LexerTest, CommentsAndCrlf)
{
	// Comment lines vanish, indented or not; \r\n is a newline.
	EXPECT_EQ((toks{TOK_IDENT, TOK_EQUALS, TOK_IDENT, TOK_NEWLINE, TOK_EOF}),
		  tokens("# a comment\n   # indented comment\nx = y\r\n"));
}

TEST_F(LexerTest, CommentAtEofWithoutNewlineIsAnError)
{
	// ninja's CommentEOF: no running off the end of a mid-comment EOF.
	EXPECT_EQ((toks{TOK_ERROR}), tokens("# foo"));
}

TEST_F(LexerTest, DollarNewlineContinuesBetweenTokens)
{
	EXPECT_EQ((toks{TOK_BUILD, TOK_IDENT, TOK_COLON, TOK_IDENT, TOK_NEWLINE,
			TOK_EOF}),
		  tokens("build $\n    out: $\n  cc\n"));
}

TEST_F(LexerTest, TabIsALexingError)
{
	// ninja 1.11.1 rejects tabs; the parser says so (graph_test).
	EXPECT_EQ((toks{TOK_RULE, TOK_IDENT, TOK_NEWLINE, TOK_ERROR}),
		  tokens("rule foo\n\tcommand = x\n"));
}

TEST_F(LexerTest, ReadIdent)
{
	start("foo baR baz_123 foo-bar foo.dots");
	std::vector<std::string> got;
	const char *name;
	size_t len;
	while (lexer_ident(&lx, &name, &len))
		got.push_back(std::string(name, len));
	EXPECT_EQ((std::vector<std::string>{"foo", "baR", "baz_123", "foo-bar",
					    "foo.dots"}),
		  got);
	EXPECT_FALSE(lexer_ident(&lx, &name, &len));
}

TEST_F(LexerTest, PeekAndUnread)
{
	start("build x");
	EXPECT_FALSE(lexer_peek(&lx, TOK_RULE));
	EXPECT_TRUE(lexer_peek(&lx, TOK_BUILD));
	EXPECT_EQ(TOK_IDENT, lexer_read(&lx));
	lexer_unread(&lx);
	EXPECT_EQ(TOK_IDENT, lexer_read(&lx));
	EXPECT_EQ(TOK_EOF, lexer_read(&lx));
}

TEST_F(LexerTest, ReadVarValue)
{
	start("plain text $var $VaR ${x}\n");
	EXPECT_EQ("plain text [$var] [$VaR] [$x]", value()) << error();
	EXPECT_EQ(TOK_EOF, lexer_read(&lx));
}

TEST_F(LexerTest, Escapes)
{
	// "$ " is a space, "$$" a dollar, "$:" a colon, "$\n" plus the
	// next line's indentation vanishes.
	start("$ $$ab c$: $\n    cde\n");
	EXPECT_EQ(" $ab c: cde", value()) << error();
	start("a$\r\n  b\r\n");
	EXPECT_EQ("ab", value()) << error();
}

TEST_F(LexerTest, DottedNames)
{
	// $bar.dots stops at the dot; ${bar.dots} includes it.
	start("$bar.dots ${bar.dots}\n");
	EXPECT_EQ("[$bar].dots [$bar.dots]", value()) << error();
}

TEST_F(LexerTest, PathsStopAtSeparators)
{
	start("a$ b c:d|e||f\n");
	EXPECT_EQ("a b", value(true));
	EXPECT_EQ("c", value(true));
	EXPECT_EQ(TOK_COLON, lexer_read(&lx));
	EXPECT_EQ("d", value(true));
	EXPECT_EQ(TOK_PIPE, lexer_read(&lx));
	EXPECT_EQ("e", value(true));
	EXPECT_EQ(TOK_PIPE2, lexer_read(&lx));
	EXPECT_EQ("f", value(true));
	EXPECT_EQ("", value(true)); // an empty path ends the list
	EXPECT_EQ(TOK_NEWLINE, lexer_read(&lx));
}

TEST_F(LexerTest, ValuesKeepColonsAndPipes)
{
	start("a:b | c || d\n");
	EXPECT_EQ("a:b | c || d", value());
}

TEST_F(LexerTest, BadEscapeErrorPointsAtTheDollar)
{
	start("foo$\nbad $");
	EXPECT_EQ("ERROR", value());
	EXPECT_EQ("input:2: bad $-escape (literal $ must be written as $$)\n"
		  "bad $\n"
		  "    ^ near here",
		  error());
}

TEST_F(LexerTest, UnclosedBraceIsABadEscape)
{
	start("x ${y\n", "build.ninja");
	EXPECT_EQ("ERROR", value());
	EXPECT_EQ("build.ninja:1: bad $-escape (literal $ must be written as $$)\n"
		  "x ${y\n"
		  "  ^ near here",
		  error());
}

TEST_F(LexerTest, EofInsideValue)
{
	start("abc");
	EXPECT_EQ("ERROR", value());
	EXPECT_EQ("input:1: unexpected EOF", error().substr(0, 23));
}

TEST_F(LexerTest, ErrorAtColumnZeroHasNoCaret)
{
	start("x\n=\n");
	EXPECT_EQ(TOK_IDENT, lexer_read(&lx));
	EXPECT_EQ(TOK_NEWLINE, lexer_read(&lx));
	EXPECT_EQ(TOK_EQUALS, lexer_read(&lx));
	lexer_error(&lx, &err, "unexpected %s", token_name(TOK_EQUALS));
	EXPECT_EQ("input:2: unexpected '='\n", error());
}

TEST_F(LexerTest, ErrorLineIsTruncatedAt72Columns)
{
	std::string line = "x = " + std::string(100, 'a') + " $!";
	start(line + "\n");
	EXPECT_EQ("ERROR", value());
	// The caret column (104) is past the truncation: only the message.
	EXPECT_EQ("input:1: bad $-escape (literal $ must be written as $$)\n",
		  error());

	start("build " + std::string(10, 'b') + " " + std::string(80, 'c') +
	      "\n");
	EXPECT_EQ(TOK_BUILD, lexer_read(&lx));
	EXPECT_EQ(TOK_IDENT, lexer_read(&lx));
	lexer_error(&lx, &err, "oops");
	std::string want = "input:1: oops\n" +
			   ("build " + std::string(10, 'b') + " " +
			    std::string(80, 'c'))
				   .substr(0, 72) +
			   "...\n" + std::string(6, ' ') + "^ near here";
	EXPECT_EQ(want, error());
}

TEST_F(LexerTest, TokenNamesForMessages)
{
	EXPECT_STREQ("':'", token_name(TOK_COLON));
	EXPECT_STREQ("newline", token_name(TOK_NEWLINE));
	EXPECT_STREQ("identifier", token_name(TOK_IDENT));
	EXPECT_STREQ("eof", token_name(TOK_EOF));
	EXPECT_STREQ(" ($ also escapes ':')", token_error_hint(TOK_COLON));
	EXPECT_STREQ("", token_error_hint(TOK_NEWLINE));
}

TEST_F(LexerTest, UnparseRoundTrips)
{
	start("a$ b$$c$:d ${v}e\n");
	struct evalstr es;
	ASSERT_EQ(0, lexer_evalstr(&lx, &es, false, &err)) << error();
	struct buf b = {};
	evalstr_unparse(&es, &b);
	std::string u = buf_cstr(&b);
	buf_free(&b);
	EXPECT_EQ("a$ b$$c$:d$ ${v}e", u);
	// Lexing the unparsed text gives the same value back.
	start(u + "\n");
	EXPECT_EQ("a b$c:d [$v]e", value());
	EXPECT_FALSE(evalstr_empty(&es));
}

// ---- scopes ----

struct ScopeTest : public testing::Test {
	struct arena arena = {};
	std::vector<struct scope *> scopes;
	struct scope *make(struct scope *parent)
	{
		struct scope *s = scope_new(&arena, parent);
		scopes.push_back(s);
		return s;
	}
	static std::string get(const struct scope_val *v)
	{
		return v ? std::string(v->s, v->len) : "<unbound>";
	}
	~ScopeTest() override
	{
		for (auto *s : scopes)
			scope_free(s);
		arena_free(&arena);
	}
};

TEST_F(ScopeTest, LookupFallsBackToParent)
{
	struct scope *root = make(nullptr), *child = make(root);
	scope_set(root, &arena, "a", 1, "root-a", 6);
	scope_set(root, &arena, "b", 1, "root-b", 6);
	scope_set(child, &arena, "a", 1, "child-a", 7);
	EXPECT_EQ("child-a", get(scope_lookup(child, "a", 1)));
	EXPECT_EQ("root-b", get(scope_lookup(child, "b", 1)));
	EXPECT_EQ("root-a", get(scope_lookup(root, "a", 1)));
	EXPECT_EQ("<unbound>", get(scope_lookup(child, "c", 1)));
	EXPECT_EQ("<unbound>", get(scope_get_own(child, "b", 1)));
	EXPECT_EQ("child-a", get(scope_get_own(child, "a", 1)));
}

TEST_F(ScopeTest, SetReplacesAndCopies)
{
	struct scope *s = make(nullptr);
	char name[] = "var", val[] = "one";
	scope_set(s, &arena, name, 3, val, 3);
	// The scope keeps its own copies.
	strcpy(name, "xxx");
	strcpy(val, "two");
	EXPECT_EQ("one", get(scope_lookup(s, "var", 3)));
	scope_set(s, &arena, "var", 3, "three", 5);
	EXPECT_EQ("three", get(scope_lookup(s, "var", 3)));
	scope_set(s, &arena, "empty", 5, "", 0);
	EXPECT_EQ("", get(scope_lookup(s, "empty", 5)));
}

TEST_F(ScopeTest, EvaluateAgainstScopeChain)
{
	struct scope *root = make(nullptr), *child = make(root);
	scope_set(root, &arena, "cc", 2, "gcc", 3);
	scope_set(child, &arena, "flags", 5, "-O2", 3);
	std::string text = "$cc ${flags} -c $unbound$$x\n";
	char *copy = static_cast<char *>(calloc(text.size() + 17, 1));
	memcpy(copy, text.data(), text.size());
	struct lexer lx;
	lexer_init(&lx, "input", copy, text.size(), &arena);
	struct evalstr es;
	struct err err = {};
	ASSERT_EQ(0, lexer_evalstr(&lx, &es, false, &err));
	struct buf b = {};
	evalstr_eval_scope(&es, child, &b);
	EXPECT_EQ("gcc -O2 -c $x", std::string(buf_cstr(&b)));
	buf_clear(&b);
	evalstr_eval_scope(&es, root, &b);
	EXPECT_EQ("gcc  -c $x", std::string(buf_cstr(&b)));
	buf_free(&b);
	free(copy);
}

// ---- shell_escape ----

std::string sh(const std::string &s)
{
	struct buf b = {};
	shell_escape(s.data(), s.size(), &b);
	std::string r(buf_cstr(&b));
	buf_free(&b);
	return r;
}

TEST(ShellEscape, SensiblePathsAreNotQuoted)
{
	EXPECT_EQ("some/sensible/path/without/crazy/characters.c++",
		  sh("some/sensible/path/without/crazy/characters.c++"));
	EXPECT_EQ("a_b-c.d", sh("a_b-c.d"));
}

TEST(ShellEscape, TortureTest)
{
	// ninja's PathEscaping.TortureTest.
	EXPECT_EQ("'foo bar\"/'\\''$@d!st!c'\\''/path'\\'''",
		  sh("foo bar\"/'$@d!st!c'/path'"));
	EXPECT_EQ("'a b'", sh("a b"));
	EXPECT_EQ("'$HOME'", sh("$HOME"));
}

// ---- buffers, hash map (used by everything above) ----

TEST(Buf, PrintfAndClear)
{
	struct buf b = {};
	EXPECT_STREQ("", buf_cstr(&b));
	buf_printf(&b, "%d-%s", 42, "x");
	buf_addc(&b, '!');
	EXPECT_STREQ("42-x!", buf_cstr(&b));
	EXPECT_EQ(5u, b.len);
	buf_clear(&b);
	EXPECT_STREQ("", buf_cstr(&b));
	buf_free(&b);
}

TEST(Hmap, PutGetReplaceAndGrow)
{
	struct hmap m = {};
	std::vector<std::string> keys;
	for (int i = 0; i < 1000; i++)
		keys.push_back("key" + std::to_string(i));
	for (int i = 0; i < 1000; i++)
		EXPECT_EQ(nullptr, hmap_put(&m, keys[i].data(), keys[i].size(),
					    &keys[i]));
	EXPECT_EQ(1000u, m.len);
	for (int i = 0; i < 1000; i++)
		EXPECT_EQ(&keys[i], hmap_get(&m, keys[i].data(), keys[i].size()));
	EXPECT_EQ(nullptr, hmap_get(&m, "key1000", 7));
	EXPECT_EQ(nullptr, hmap_get(&m, "key", 3));
	int other;
	EXPECT_EQ(&keys[5], hmap_put(&m, "key5", 4, &other));
	EXPECT_EQ(&other, hmap_get(&m, "key5", 4));
	EXPECT_EQ(1000u, m.len);
	hmap_free(&m);
}

TEST(Err, PrefixAndClear)
{
	struct err e = {};
	err_set(&e, "bad %s", "thing");
	err_prefix(&e, "file %d", 3);
	EXPECT_STREQ("file 3: bad thing", e.msg);
	err_clear(&e);
	EXPECT_EQ(nullptr, e.msg);
}

} // namespace
