// Tests for the depfile parser (lexer/depfile.re). The cases follow ninja's
// depfile_parser_test.cc, so nj reads every depfile the way ninja does.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "../../lexer/lexer.h"
}

namespace {

typedef std::vector<std::string> strs;

struct DepfileTest : public testing::Test {
	// An exact-size copy with no terminating NUL: under ASan, any read
	// past the end of the input is caught.
	char *buf = nullptr;
	size_t len = 0;
	struct depfile d = {};
	struct err e = {};

	int parse(const std::string &s)
	{
		free(buf);
		len = s.size();
		buf = static_cast<char *>(malloc(len ? len : 1));
		memcpy(buf, s.data(), len);
		err_clear(&e);
		return depfile_parse(&d, buf, len, &e);
	}
	std::string error() const { return e.msg ? e.msg : ""; }
	static strs views(const struct strview *v, size_t n)
	{
		strs r;
		for (size_t i = 0; i < n; i++)
			r.push_back(std::string(v[i].s, v[i].len));
		return r;
	}
	strs outs() const { return views(d.outs, d.nouts); }
	strs ins() const { return views(d.ins, d.nins); }

	~DepfileTest() override
	{
		depfile_free(&d);
		err_clear(&e);
		free(buf);
	}
};

#define EXPECT_PARSES(input, want_outs, want_ins)                     \
	do {                                                          \
		ASSERT_EQ(0, parse(input)) << error();                \
		EXPECT_EQ("", error());                               \
		EXPECT_EQ(strs want_outs, outs());                    \
		EXPECT_EQ(strs want_ins, ins());                      \
	} while (0)

TEST_F(DepfileTest, Basic)
{
	EXPECT_PARSES(
		"build/ninja.o: ninja.cc ninja.h eval_env.h manifest_parser.h\n",
		({"build/ninja.o"}),
		({"ninja.cc", "ninja.h", "eval_env.h", "manifest_parser.h"}));
}

TEST_F(DepfileTest, EarlyNewlineAndWhitespace)
{
	EXPECT_PARSES(" \\\n  out: in\n", ({"out"}), ({"in"}));
}

TEST_F(DepfileTest, Continuation)
{
	EXPECT_PARSES("foo.o: \\\n  bar.h baz.h\n", ({"foo.o"}),
		      ({"bar.h", "baz.h"}));
}

TEST_F(DepfileTest, WindowsDrivePaths)
{
	EXPECT_PARSES("foo.o: //?/c:/bar.h\n", ({"foo.o"}), ({"//?/c:/bar.h"}));
}

TEST_F(DepfileTest, WindowsBackslashDrivePath)
{
	// A ':' inside a word does not split it; only one at the end does.
	EXPECT_PARSES("c:\\out\\foo.o: c:\\src\\foo.c C:\\inc\\a.h\n",
		      ({"c:\\out\\foo.o"}), ({"c:\\src\\foo.c", "C:\\inc\\a.h"}));
}

TEST_F(DepfileTest, AmpersandsAndQuotes)
{
	EXPECT_PARSES(
		"foo&bar.o foo'bar.o foo\"bar.o: foo&bar.h foo'bar.h foo\"bar.h\n",
		({"foo&bar.o", "foo'bar.o", "foo\"bar.o"}),
		({"foo&bar.h", "foo'bar.h", "foo\"bar.h"}));
}

TEST_F(DepfileTest, CarriageReturnContinuation)
{
	EXPECT_PARSES("foo.o: \\\r\n  bar.h baz.h\r\n", ({"foo.o"}),
		      ({"bar.h", "baz.h"}));
}

TEST_F(DepfileTest, BackSlashes)
{
	EXPECT_PARSES("Project\\Dir\\Build\\Release8\\Foo\\Foo.res : \\\n"
		      "  Dir\\Library\\Foo.rc \\\n"
		      "  Dir\\Library\\Version\\Bar.h \\\n"
		      "  Dir\\Library\\Foo.ico \\\n"
		      "  Project\\Thing\\Bar.tlb \\\n",
		      ({"Project\\Dir\\Build\\Release8\\Foo\\Foo.res"}),
		      ({"Dir\\Library\\Foo.rc", "Dir\\Library\\Version\\Bar.h",
			"Dir\\Library\\Foo.ico", "Project\\Thing\\Bar.tlb"}));
}

TEST_F(DepfileTest, Spaces)
{
	EXPECT_PARSES("a\\ bc\\ def:   a\\ b c d", ({"a bc def"}),
		      ({"a b", "c", "d"}));
}

TEST_F(DepfileTest, MultipleBackslashes)
{
	// 2N+1 backslashes before a space: N backslashes and an escaped
	// space. 2N backslashes before a space: all kept, word ends.
	// Backslashes before '#' lose one.
	EXPECT_PARSES("a\\ b\\#c.h: \\\\\\\\\\  \\\\\\\\ \\\\share\\info\\\\#1",
		      ({"a b#c.h"}),
		      ({"\\\\ ", "\\\\\\\\", "\\\\share\\info\\#1"}));
}

TEST_F(DepfileTest, Escapes)
{
	// Backslashes before a variety of characters: which ones make it?
	EXPECT_PARSES("\\!\\@\\#$$\\%\\^\\&\\[\\]\\\\:",
		      ({"\\!\\@#$\\%\\^\\&\\[\\]\\\\"}), ({}));
}

TEST_F(DepfileTest, EscapedColons)
{
	// gcc on Windows escapes the drive colon of a target.
	EXPECT_PARSES(
		"c\\:\\gcc\\x86_64-w64-mingw32\\include\\stddef.o: \\\n"
		" c:\\gcc\\x86_64-w64-mingw32\\include\\stddef.h \n",
		({"c:\\gcc\\x86_64-w64-mingw32\\include\\stddef.o"}),
		({"c:\\gcc\\x86_64-w64-mingw32\\include\\stddef.h"}));
}

TEST_F(DepfileTest, EscapedTargetColon)
{
	// A "\:" before whitespace or the end is a backslash and the colon
	// that ends the target.
	EXPECT_PARSES("foo1\\: x\n"
		      "foo1\\:\n"
		      "foo1\\:\r\n"
		      "foo1\\:\t\n"
		      "foo1\\:",
		      ({"foo1\\"}), ({"x"}));
}

TEST_F(DepfileTest, SpecialChars)
{
	// Filenames like istreambuf.iterator_op!= exist in libc++'s tests.
	EXPECT_PARSES(
		"C:/Program\\ Files\\ (x86)/Microsoft\\ crtdefs.h: \\\n"
		" en@quot.header~ t+t-x!=1 \\\n"
		" openldap/slapd.d/cn=config/cn=schema/cn={0}core.ldif\\\n"
		" Fu\303\244ball\\\n"
		" a[1]b@2%c",
		({"C:/Program Files (x86)/Microsoft crtdefs.h"}),
		({"en@quot.header~", "t+t-x!=1",
		  "openldap/slapd.d/cn=config/cn=schema/cn={0}core.ldif",
		  "Fu\303\244ball", "a[1]b@2%c"}));
}

TEST_F(DepfileTest, UnifyMultipleOutputs)
{
	EXPECT_PARSES("foo foo: x y z", ({"foo"}), ({"x", "y", "z"}));
}

TEST_F(DepfileTest, MultipleDifferentOutputs)
{
	EXPECT_PARSES("foo bar: x y z", ({"foo", "bar"}), ({"x", "y", "z"}));
}

TEST_F(DepfileTest, MultipleEmptyRules)
{
	EXPECT_PARSES("foo: x\nfoo: \nfoo:\n", ({"foo"}), ({"x"}));
}

TEST_F(DepfileTest, UnifyMultipleRulesLF)
{
	EXPECT_PARSES("foo: x\nfoo: y\nfoo \\\nfoo: z\n", ({"foo"}),
		      ({"x", "y", "z"}));
}

TEST_F(DepfileTest, UnifyMultipleRulesCRLF)
{
	EXPECT_PARSES("foo: x\r\nfoo: y\r\nfoo \\\r\nfoo: z\r\n", ({"foo"}),
		      ({"x", "y", "z"}));
}

TEST_F(DepfileTest, UnifyMixedRulesLF)
{
	EXPECT_PARSES("foo: x\\\n     y\nfoo \\\nfoo: z\n", ({"foo"}),
		      ({"x", "y", "z"}));
}

TEST_F(DepfileTest, UnifyMixedRulesCRLF)
{
	EXPECT_PARSES("foo: x\\\r\n     y\r\nfoo \\\r\nfoo: z\r\n", ({"foo"}),
		      ({"x", "y", "z"}));
}

TEST_F(DepfileTest, IndentedRulesLF)
{
	EXPECT_PARSES(" foo: x\n foo: y\n foo: z\n", ({"foo"}),
		      ({"x", "y", "z"}));
}

TEST_F(DepfileTest, IndentedRulesCRLF)
{
	EXPECT_PARSES(" foo: x\r\n foo: y\r\n foo: z\r\n", ({"foo"}),
		      ({"x", "y", "z"}));
}

TEST_F(DepfileTest, TolerateMP)
{
	// gcc -MP adds an empty rule for every header.
	EXPECT_PARSES("foo: x y z\nx:\ny:\nz:\n", ({"foo"}), ({"x", "y", "z"}));
}

TEST_F(DepfileTest, MultipleRulesTolerateMP)
{
	EXPECT_PARSES("foo: x\nx:\nfoo: y\ny:\nfoo: z\nz:\n", ({"foo"}),
		      ({"x", "y", "z"}));
}

TEST_F(DepfileTest, MultipleRulesDifferentOutputs)
{
	// Inputs are deduplicated across rules, in first-seen order.
	EXPECT_PARSES("foo: x y\nbar: y z\n", ({"foo", "bar"}),
		      ({"x", "y", "z"}));
}

TEST_F(DepfileTest, BuggyMP)
{
	EXPECT_EQ(-1, parse("foo: x y z\nx: alsoin\ny:\nz:\n"));
	EXPECT_EQ("inputs may not also have inputs", error());
}

TEST_F(DepfileTest, EmptyFile)
{
	EXPECT_PARSES("", ({}), ({}));
}

TEST_F(DepfileTest, EmptyLines)
{
	EXPECT_PARSES("\n\n", ({}), ({}));
	EXPECT_PARSES("\r\n \t\r\n\\\n", ({}), ({}));
}

TEST_F(DepfileTest, MissingColon)
{
	EXPECT_EQ(-1, parse("foo.o foo.c\n"));
	EXPECT_EQ("expected ':' in depfile", error());
	// A ':' inside a word is not a separator.
	EXPECT_EQ(-1, parse("foo.o:foo.c\n"));
	EXPECT_EQ("expected ':' in depfile", error());
}

// ---- beyond ninja's own test file ----------------------------------------

TEST_F(DepfileTest, OutputWithoutInputs)
{
	EXPECT_PARSES("out:", ({"out"}), ({}));
	EXPECT_PARSES("out:\n", ({"out"}), ({}));
	EXPECT_PARSES("out: \\\n", ({"out"}), ({}));
	// A lone ':' is a rule with no targets at all.
	EXPECT_PARSES(":\n", ({}), ({}));
}

TEST_F(DepfileTest, DuplicateInputsKeepFirstOrder)
{
	EXPECT_PARSES("out: b a b c a \\\n  c d\n", ({"out"}),
		      ({"b", "a", "c", "d"}));
}

TEST_F(DepfileTest, OutputAlsoInput)
{
	// An input equal to a target is kept as an input (ninja does too).
	EXPECT_PARSES("foo: foo bar\n", ({"foo"}), ({"foo", "bar"}));
}

TEST_F(DepfileTest, Dollars)
{
	// "$$" is '$'; a lone '$' is a separator, as in ninja.
	EXPECT_PARSES("o$$ut: a$$b$c $$\n", ({"o$ut"}), ({"a$b", "c", "$"}));
}

TEST_F(DepfileTest, Separators)
{
	// Characters outside ninja's set of plain characters end a word.
	EXPECT_PARSES("out: a*b c|d e;f g<h i>j k^l m`n o#p\tq\x7fr\n",
		      ({"out"}),
		      ({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
			"k", "l", "m", "n", "o", "p", "q", "r"}));
}

TEST_F(DepfileTest, OtherBackslashesVerbatim)
{
	EXPECT_PARSES("out: a\\tb \\\\server\\share\\x.h\n", ({"out"}),
		      ({"a\\tb", "\\\\server\\share\\x.h"}));
}

TEST_F(DepfileTest, TrailingBackslashAtEnd)
{
	// A backslash with nothing after it is dropped, like ninja.
	EXPECT_PARSES("out: a\\", ({"out"}), ({"a"}));
	EXPECT_PARSES("out: a\\\r", ({"out"}), ({"a"}));
}

TEST_F(DepfileTest, NoNewlineAtEnd)
{
	EXPECT_PARSES("out: a b", ({"out"}), ({"a", "b"}));
	EXPECT_PARSES("out: a b\r", ({"out"}), ({"a", "b"}));
}

TEST_F(DepfileTest, EmbeddedNul)
{
	// A NUL byte separates words, as in ninja.
	EXPECT_PARSES(std::string("out: a\0b\n", 10), ({"out"}), ({"a", "b"}));
	EXPECT_PARSES(std::string("out\\:\0 a\n", 9), ({"out\\"}), ({"a"}));
}

TEST_F(DepfileTest, ViewsPointIntoBuffer)
{
	ASSERT_EQ(0, parse("a\\ b: c\\#d e\n"));
	ASSERT_EQ(1u, d.nouts);
	ASSERT_EQ(2u, d.nins);
	// Parsed in place: unescaped text is written back into buf.
	EXPECT_EQ(buf, d.outs[0].s);
	EXPECT_EQ(std::string("a b"), std::string(buf, 3));
	EXPECT_GE(d.ins[0].s, buf);
	EXPECT_LE(d.ins[1].s + d.ins[1].len, buf + len);
}

TEST_F(DepfileTest, ReuseAfterParse)
{
	EXPECT_PARSES("out: a b c\n", ({"out"}), ({"a", "b", "c"}));
	// A second parse into the same struct starts afresh.
	EXPECT_PARSES("o2: c d\n", ({"o2"}), ({"c", "d"}));
	EXPECT_EQ(-1, parse("x y\n"));
	EXPECT_PARSES("o3: e\n", ({"o3"}), ({"e"}));
}

TEST_F(DepfileTest, ManyInputs)
{
	std::string s = "big.o:";
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 5000; i++)
			s += " \\\n  dir/header" + std::to_string(i) + ".h";
	s += "\n";
	ASSERT_EQ(0, parse(s)) << error();
	ASSERT_EQ(5000u, d.nins);
	EXPECT_EQ("dir/header0.h", ins()[0]);
	EXPECT_EQ("dir/header4999.h", ins()[4999]);
}

TEST_F(DepfileTest, GarbageDoesNotCrash)
{
	// Random input, heavy in the characters the scanner cares about.
	// Checks only that parsing terminates, stays in bounds (ASan), and
	// returns views inside the buffer.
	static const char alphabet[] = "ab:\\ \n\r\t$#:\\\\\0\x80?:\\";
	std::mt19937 rng(12345);
	for (int iter = 0; iter < 20000; iter++) {
		std::string s;
		size_t n = rng() % 64;
		for (size_t i = 0; i < n; i++) {
			if (rng() % 8 == 0)
				s += static_cast<char>(rng() & 0xff);
			else
				s += alphabet[rng() % (sizeof(alphabet) - 1)];
		}
		int rc = parse(s);
		if (rc == 0) {
			EXPECT_EQ(nullptr, e.msg);
		} else {
			ASSERT_EQ(-1, rc);
			ASSERT_NE(nullptr, e.msg);
		}
		for (size_t i = 0; i < d.nouts; i++) {
			ASSERT_GT(d.outs[i].len, 0u);
			ASSERT_GE(d.outs[i].s, buf);
			ASSERT_LE(d.outs[i].s + d.outs[i].len, buf + len);
		}
		for (size_t i = 0; i < d.nins; i++) {
			ASSERT_GT(d.ins[i].len, 0u);
			ASSERT_GE(d.ins[i].s, buf);
			ASSERT_LE(d.ins[i].s + d.ins[i].len, buf + len);
		}
	}
}

} // namespace
