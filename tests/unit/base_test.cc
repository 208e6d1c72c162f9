// Unit tests for base/: the status line's middle elision. Expected values
// are ninja's current source (elide_middle_test.cc), which counts colour
// sequences as taking no columns.
#include <gtest/gtest.h>

#include <string>

extern "C" {
#include "base/base.h"
}

namespace {

std::string Elide(const std::string &in, size_t width)
{
	struct buf b = {};
	buf_add(&b, in.data(), in.size());
	buf_elide_middle(&b, width);
	std::string out(b.s ? b.s : "", b.len);
	buf_free(&b);
	return out;
}

#define RED "\x1b[1;31m"
#define RESET "\x1b[0m"
#define MAGENTA "\x1b[0;35m"
#define PLAIN "\x1b[m"

TEST(ElideMiddle, ShortLinesStayWhole)
{
	std::string in = "Nothing to elide in this short string.";
	EXPECT_EQ(in, Elide(in, 80));
	EXPECT_EQ(in, Elide(in, 38));
	EXPECT_EQ("", Elide(in, 0));
	EXPECT_EQ("..", Elide(in, 2));
	EXPECT_EQ("...", Elide(in, 3));
}

// Every width, odd and even, comes out exactly that wide: nj's first
// elision kept (width - 3) / 2 on each side, one column short at even
// widths.
TEST(ElideMiddle, FillsTheWidthExactly)
{
	std::string in = "01234567890123456789";
	EXPECT_EQ("...9", Elide(in, 4));
	EXPECT_EQ("0...9", Elide(in, 5));
	EXPECT_EQ("012...789", Elide(in, 9));
	EXPECT_EQ("012...6789", Elide(in, 10));
	EXPECT_EQ("0123...6789", Elide(in, 11));
	EXPECT_EQ("01234567...23456789", Elide(in, 19));
	EXPECT_EQ(in, Elide(in, 20));
	for (size_t w = 0; w < 20; w++)
		EXPECT_EQ(w, Elide(in, w).size()) << w;
}

// Colour sequences take no columns and are never cut; those inside the cut
// are kept, so what follows it keeps its colour.
TEST(ElideMiddle, ColoursAreKeptWhole)
{
	std::string in = "012345" MAGENTA "67890123456789";
	EXPECT_EQ("012..." MAGENTA "6789", Elide(in, 10));
	EXPECT_EQ("012345" MAGENTA "67...23456789", Elide(in, 19));
	EXPECT_EQ("Nothing " PLAIN " string.", Elide("Nothing " PLAIN " string.", 18));
	EXPECT_EQ("0" PLAIN "12...6789", Elide("0" PLAIN "1234567890123456789", 10));

	in = "abcd" RED "efg" RESET "hlkmnopqrstuvwxyz";
	EXPECT_EQ(RED RESET, Elide(in, 0));
	EXPECT_EQ("." RED RESET, Elide(in, 1));
	EXPECT_EQ("..." RED RESET, Elide(in, 3));
	EXPECT_EQ("..." RED RESET "z", Elide(in, 4));
	EXPECT_EQ("a..." RED RESET "yz", Elide(in, 6));
	EXPECT_EQ("abcd..." RED RESET "wxyz", Elide(in, 11));
	EXPECT_EQ("abcd" RED "ef..." RESET "uvwxyz", Elide(in, 15));
	EXPECT_EQ("abcd" RED "efg..." RESET "stuvwxyz", Elide(in, 18));
	EXPECT_EQ("abcd" RED "efg" RESET "h...stuvwxyz", Elide(in, 19));

	in = "abcdef" RED "A" RESET "BC";
	EXPECT_EQ("ab..." RED RESET "BC", Elide(in, 7));
	EXPECT_EQ("ab..." RED "A" RESET "BC", Elide(in, 8));
	EXPECT_EQ(in, Elide(in, 9));
}

// An escape that is not a colour, or is cut off by the end, is text.
TEST(ElideMiddle, OtherEscapesAreText)
{
	EXPECT_EQ("\x1b[2...wxyz", Elide("\x1b[2Kabcdefghijklmnopqrstuvwxyz", 10));
	EXPECT_EQ("abc...[1;", Elide("abcdefghijklmn\x1b[1;", 9));
}

} // namespace
