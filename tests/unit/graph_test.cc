// Unit tests for graph/: path canonicalisation, the manifest parser (with
// include and subninja read from a temporary directory), dyndep files, dirty
// scanning with controlled mtimes, and dependency cycles. Expected values and
// messages are ninja's (util_test.cc, manifest_parser_test.cc, graph_test.cc,
// dyndep_parser_test.cc), checked against /usr/bin/ninja 1.11.1.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

extern "C" {
#include "graph/graph.h"
}

namespace {

// The build log's answer as graph sees it (struct log_ops); the real hash
// functions are log/'s and are tested there.
int fake_log_matches(void *, const char *cmd, size_t len, uint64_t logged)
{
	return hash_bytes(cmd, len) == logged ? 1 : 0;
}

// ---- paths ----

std::string canon(std::string p, std::string *err = nullptr)
{
	size_t len = p.size();
	struct err e = {};
	// path_canon writes a terminating NUL at the new length, so it needs
	// the byte after the path; std::string has it.
	int rc = path_canon(&p[0], &len, &e);
	if (err)
		*err = e.msg ? e.msg : "";
	err_clear(&e);
	if (rc < 0)
		return "ERROR";
	return p.substr(0, len);
}

TEST(PathCanon, NinjaSamples)
{
	std::string err;
	EXPECT_EQ("ERROR", canon("", &err));
	EXPECT_EQ("empty path", err);
	EXPECT_EQ("foo.h", canon("foo.h"));
	EXPECT_EQ("foo.h", canon("./foo.h"));
	EXPECT_EQ("foo/bar.h", canon("./foo/./bar.h"));
	EXPECT_EQ("x/bar.h", canon("./x/foo/../bar.h"));
	EXPECT_EQ("bar.h", canon("./x/foo/../../bar.h"));
	EXPECT_EQ("foo/bar", canon("foo//bar"));
	EXPECT_EQ("bar", canon("foo//.//..///bar"));
	EXPECT_EQ("../bar.h", canon("./x/../foo/../../bar.h"));
	EXPECT_EQ("foo", canon("foo/./."));
	EXPECT_EQ("foo", canon("foo/bar/.."));
	EXPECT_EQ("foo/.hidden_bar", canon("foo/.hidden_bar"));
	EXPECT_EQ("/foo", canon("/foo"));
	EXPECT_EQ("/foo", canon("//foo"));
	EXPECT_EQ(".", canon("."));
	EXPECT_EQ(".", canon("./."));
	EXPECT_EQ(".", canon("foo/.."));
	EXPECT_EQ("../../foo/bar.h", canon("../../foo/bar.h"));
	EXPECT_EQ("../foo/bar.h", canon("test/../../foo/bar.h"));
	EXPECT_EQ("/usr/include/stdio.h", canon("/usr/include/stdio.h"));
	EXPECT_EQ("foo/..bar/...", canon("foo/..bar/..."));
}

TEST(PathCanon, RootStaysRoot)
{
	// ninja 1.11.1 turns these into "", a path nothing can stat; nj keeps
	// the root.
	EXPECT_EQ("/", canon("/"));
	EXPECT_EQ("/", canon("/foo/.."));
	EXPECT_EQ("/", canon("//"));
}

TEST(PathCanon, AnyNumberOfComponents)
{
	// ninja's current source has no limit (its old one was 60, and nj
	// kept it: a manifest with a path 70 deep failed to load).
	std::string dotted, plain;
	for (int i = 0; i < 32; i++) {
		dotted += "a/./";
		plain += "a/";
	}
	EXPECT_EQ(plain + "x.h", canon(dotted + "x.h"));
	std::string deep, want;
	for (int i = 0; i < 200; i++)
		deep += "d" + std::to_string(i) + "/";
	want = deep + "x.h";
	EXPECT_EQ(want, canon(deep + "x.h"));
	// ".." cancels the component before it however deep it is, and only
	// that one.
	EXPECT_EQ(want, canon(deep + "y/z/../../x.h"));
	EXPECT_EQ(deep.substr(0, deep.size() - 5) + "x.h",
		  canon(deep + "../x.h")); // "d199/" is 5 long
	std::string up;
	for (int i = 0; i < 200; i++)
		up += "../";
	EXPECT_EQ("x.h", canon(deep + up + "x.h"));
	EXPECT_EQ("../x.h", canon(deep + up + "../x.h"));
	EXPECT_EQ("/x.h", canon("/" + deep + up + "x.h"));
}

TEST(PathCanon, OnlyTheGivenLength)
{
	std::string p = "foo/. bar/.";
	size_t len = 5;
	struct err e = {};
	ASSERT_EQ(0, path_canon(&p[0], &len, &e));
	EXPECT_EQ(3u, len);
	EXPECT_EQ("foo", p.substr(0, len));
	EXPECT_EQ(" bar/.", p.substr(5)); // the rest untouched
}

// ---- a state, a temporary directory, and files with chosen mtimes ----

std::string g_warnings;
void capture_warn(const char *fmt, ...)
{
	char b[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	g_warnings += b;
	g_warnings += "\n";
}

struct GraphTest : public testing::Test {
	struct state st;
	struct err err = {};
	std::string dir;
	int oldcwd = -1;

	void SetUp() override
	{
		fresh_state();
		char tmpl[] = "/tmp/nj_graph_test.XXXXXX";
		ASSERT_NE(nullptr, mkdtemp(tmpl));
		dir = tmpl;
		oldcwd = open(".", O_RDONLY | O_DIRECTORY);
		ASSERT_EQ(0, chdir(dir.c_str()));
	}
	// A new, empty state in the same directory: SetUp again would make
	// another directory that TearDown never removes.
	void fresh_state()
	{
		state_init(&st);
		st.warn = capture_warn;
		g_warnings.clear();
	}
	void TearDown() override
	{
		free(graph_take_eval_error());
		err_clear(&err);
		state_free(&st);
		if (oldcwd >= 0) {
			EXPECT_EQ(0, fchdir(oldcwd));
			close(oldcwd);
		}
		std::string cmd = "rm -rf '" + dir + "'";
		EXPECT_EQ(0, system(cmd.c_str()));
	}

	int parse(const std::string &text, const char *file = "input")
	{
		err_clear(&err);
		return manifest_parse_string(&st, file, text.data(), text.size(),
					     &err);
	}
	void assert_parse(const std::string &text)
	{
		ASSERT_EQ(0, parse(text)) << error();
	}
	// The message of a manifest that must not parse.
	std::string parse_error(const std::string &text)
	{
		if (parse(text) == 0)
			return "<parsed>";
		return error();
	}
	std::string error() const { return err.msg ? err.msg : ""; }

	struct node *node(const char *path)
	{
		return state_lookup(&st, path, strlen(path));
	}
	struct edge *edge_of(const char *out)
	{
		struct node *n = node(out);
		return n ? n->in_edge : nullptr;
	}
	std::string command(const char *out)
	{
		struct edge *e = edge_of(out);
		if (!e)
			return "<no edge>";
		struct buf b = {};
		edge_command(e, false, &b);
		std::string r = buf_cstr(&b);
		buf_free(&b);
		return r;
	}
	std::string binding(const char *out, const char *name)
	{
		struct buf b = {};
		edge_binding(edge_of(out), name, &b);
		std::string r = buf_cstr(&b);
		buf_free(&b);
		return r;
	}
	std::string var(const char *name)
	{
		const struct scope_val *v = scope_lookup(st.root, name, strlen(name));
		return v ? std::string(v->s, v->len) : "<unbound>";
	}
	static std::vector<std::string> paths(struct node **v, size_t n)
	{
		std::vector<std::string> r;
		for (size_t i = 0; i < n; i++)
			r.push_back(v[i]->path);
		return r;
	}

	static void write(const std::string &path, const std::string &text)
	{
		std::ofstream f(path, std::ios::binary);
		f << text;
	}
	// Create (or rewrite) a file whose mtime is `sec` seconds after an
	// arbitrary base.
	static void touch(const std::string &path, int sec,
			  const std::string &text = "")
	{
		write(path, text);
		struct timespec ts[2];
		ts[0].tv_sec = ts[1].tv_sec = 1000000000 + sec;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		ASSERT_EQ(0, utimensat(AT_FDCWD, path.c_str(), ts, 0));
	}
	// Pretend the build log recorded out's edge with its current command,
	// at mtime `sec`.
	void logged(const char *out, int sec)
	{
		struct node *n = node(out);
		ASSERT_NE(nullptr, n);
		struct buf b = {};
		edge_command(n->in_edge, true, &b);
		n->has_log = true;
		n->log_hash = hash_bytes(buf_cstr(&b), b.len);
		// graph knows no log format: a stand-in log judges commands
		st.log_ops = (struct log_ops){fake_log_matches, nullptr};
		n->log_mtime = (1000000000LL + sec) * 1000000000LL;
		buf_free(&b);
	}
	int scan(const char *target)
	{
		struct node **vals = nullptr;
		size_t nv = 0, cap = 0;
		err_clear(&err);
		struct node *n = node(target);
		EXPECT_NE(nullptr, n) << target;
		if (!n)
			return -1;
		int rc = scan_dirty(&st, n, &vals, &nv, &cap, &err);
		free(vals);
		return rc;
	}
	bool dirty(const char *path)
	{
		struct node *n = node(path);
		EXPECT_NE(nullptr, n) << path;
		return n && n->dirty;
	}
};

const char kCat[] = "rule cat\n  command = cat $in > $out\n";

// ---- manifest parsing ----

TEST_F(GraphTest, RulesAndCommands)
{
	assert_parse(std::string(kCat) +
		     "\nrule date\n  command = date > $out\n\n"
		     "build result: cat in_1.cc in-2.O\n");
	EXPECT_EQ(1u, st.nedges);
	EXPECT_EQ("cat in_1.cc in-2.O > result", command("result"));
	struct rule *r = scope_rule(st.root, "date", 4);
	ASSERT_NE(nullptr, r);
	EXPECT_STREQ("date", r->name);
	EXPECT_EQ(nullptr, scope_rule(st.root, "nope", 4));
	EXPECT_NE(nullptr, scope_rule(st.root, "phony", 5));
}

TEST_F(GraphTest, Variables)
{
	assert_parse("l = one-letter-test\n"
		     "rule link\n"
		     "  command = ld $l $extra $with_under -o $out $in\n"
		     "\n"
		     "extra = -pthread\n"
		     "with_under = -under\n"
		     "build a: link b c\n"
		     "nested1 = 1\n"
		     "nested2 = $nested1/2\n"
		     "build supernested: link x\n"
		     "  extra = $nested2/3\n");
	EXPECT_EQ("ld one-letter-test -pthread -under -o a b c", command("a"));
	EXPECT_EQ("1/2", var("nested2"));
	EXPECT_EQ("ld one-letter-test 1/2/3 -under -o supernested x",
		  command("supernested"));
}

TEST_F(GraphTest, EdgeBindingsShadowFileScope)
{
	assert_parse("foo = bar\n"
		     "rule cmd\n"
		     "  command = cmd $foo $in $out\n"
		     "\n"
		     "build inner: cmd a\n"
		     "  foo = baz\n"
		     "build outer: cmd b\n");
	EXPECT_EQ("cmd baz a inner", command("inner"));
	EXPECT_EQ("cmd bar b outer", command("outer"));
}

TEST_F(GraphTest, VariablesAreEvaluatedWhenRead)
{
	// A file-scope variable takes the value it has at its binding; later
	// rebinding does not change edges already read.
	assert_parse(std::string(kCat) + "x = 1\ny = $x\nx = 2\n"
					 "build a: cat $x $y\nx = 3\n");
	EXPECT_EQ("cat 2 1 > a", command("a"));
	EXPECT_EQ("3", var("x"));
}

TEST_F(GraphTest, RuleBindingsSeeEdgeBindingsAndIn)
{
	assert_parse("flags = file\n"
		     "rule r\n"
		     "  command = run $flags $in_newline\n"
		     "  description = R $out $flags\n"
		     "build o: r a b\n"
		     "  flags = -x\n"
		     "build p: r c\n");
	EXPECT_EQ("run -x a\nb", command("o"));
	EXPECT_EQ("R o -x", binding("o", "description"));
	EXPECT_EQ("run file c", command("p"));
	EXPECT_EQ("", binding("p", "depfile"));
}

TEST_F(GraphTest, Continuation)
{
	assert_parse("rule link\n"
		     "  command = foo bar $\n"
		     "    baz\n"
		     "\n"
		     "build a: link c $\n"
		     " d e f\n");
	EXPECT_EQ("foo bar baz", command("a"));
	struct edge *e = edge_of("a");
	ASSERT_NE(nullptr, e);
	EXPECT_EQ((std::vector<std::string>{"c", "d", "e", "f"}),
		  paths(e->inputs, e->ninputs));
}

TEST_F(GraphTest, BackslashCommentsAndDollars)
{
	assert_parse("foo = bar\\baz\n"
		     "foo2 = bar\\ baz\n"
		     "# this is a comment\n"
		     "c = not # a comment\n"
		     "rule foo\n"
		     "  command = ${out}bar$$baz$$$\n"
		     "blah\n"
		     "x = $$dollar\n"
		     "build $x: foo y\n");
	EXPECT_EQ("bar\\baz", var("foo"));
	EXPECT_EQ("bar\\ baz", var("foo2"));
	EXPECT_EQ("not # a comment", var("c"));
	EXPECT_EQ("$dollar", var("x"));
	// $out is shell-quoted in the command.
	EXPECT_EQ("'$dollar'bar$baz$blah", command("$dollar"));
}

TEST_F(GraphTest, EscapedSpacesInPaths)
{
	assert_parse("rule spaces\n"
		     "  command = something\n"
		     "build foo$ bar: spaces $$one two$$$ three\n");
	struct edge *e = edge_of("foo bar");
	ASSERT_NE(nullptr, e);
	EXPECT_EQ((std::vector<std::string>{"$one", "two$ three"}),
		  paths(e->inputs, e->ninputs));
	EXPECT_EQ("something", command("foo bar"));
}

TEST_F(GraphTest, PathsAreCanonicalAndInterned)
{
	assert_parse(std::string(kCat) +
		     "build out: cat in/1 in//2\n"
		     "build in/1: cat\n"
		     "build in/2: cat\n"
		     "dir = sub\n"
		     "build ./$dir/../$dir/exe.o: cat ./bar/baz/../foo.cc\n");
	EXPECT_NE(nullptr, node("in/1"));
	EXPECT_NE(nullptr, node("in/2"));
	EXPECT_EQ(nullptr, node("in//2"));
	EXPECT_NE(nullptr, edge_of("in/2"));
	EXPECT_EQ(edge_of("in/2"), node("out")->in_edge->inputs[1]->in_edge);
	EXPECT_NE(nullptr, edge_of("sub/exe.o"));
	EXPECT_NE(nullptr, node("bar/foo.cc"));
}

TEST_F(GraphTest, ImplicitOrderOnlyAndValidations)
{
	assert_parse(std::string(kCat) +
		     "build out | out.imp: cat exp1 exp2 | imp || oo1 oo2 |@ val\n"
		     "build val: cat\n");
	struct edge *e = edge_of("out");
	ASSERT_NE(nullptr, e);
	EXPECT_EQ(e, edge_of("out.imp"));
	EXPECT_EQ(2u, e->noutputs);
	EXPECT_EQ(1u, e->nimplicit_outs);
	EXPECT_EQ((std::vector<std::string>{"exp1", "exp2", "imp", "oo1", "oo2"}),
		  paths(e->inputs, e->ninputs));
	EXPECT_EQ(2u, edge_explicit_ins(e));
	EXPECT_EQ(1u, e->nimplicit);
	EXPECT_EQ(2u, e->norder_only);
	EXPECT_TRUE(edge_is_implicit(e, 2));
	EXPECT_TRUE(edge_is_order_only(e, 3));
	EXPECT_FALSE(edge_is_order_only(e, 1));
	EXPECT_EQ((std::vector<std::string>{"val"}),
		  paths(e->validations, e->nvalidations));
	// $in and $out name the explicit ones only.
	EXPECT_EQ("cat exp1 exp2 > out", command("out"));
}

TEST_F(GraphTest, Pools)
{
	assert_parse("pool link\n"
		     "  depth = 3\n"
		     "pool unlimited\n"
		     "  depth = 0\n"
		     "rule r\n"
		     "  command = x\n"
		     "  pool = link\n"
		     "build a: r\n"
		     "build b: r\n"
		     "  pool = console\n"
		     "build c: r\n"
		     "  pool =\n");
	struct pool *p = static_cast<struct pool *>(hmap_get(&st.pools, "link", 4));
	ASSERT_NE(nullptr, p);
	EXPECT_EQ(3, p->depth);
	EXPECT_EQ(p, edge_of("a")->pool);
	EXPECT_EQ(st.console_pool, edge_of("b")->pool);
	EXPECT_TRUE(edge_use_console(edge_of("b")));
	EXPECT_EQ(1, st.console_pool->depth);
	EXPECT_EQ(st.default_pool, edge_of("c")->pool);
	EXPECT_FALSE(edge_use_console(edge_of("a")));
}

TEST_F(GraphTest, Defaults)
{
	assert_parse(std::string(kCat) +
		     "build a: cat x\nbuild b: cat a\nbuild c: cat\n"
		     "t = c\n"
		     "default a $t\n");
	struct node **v;
	size_t n;
	ASSERT_EQ(0, state_default_targets(&st, &v, &n, &err));
	EXPECT_EQ((std::vector<std::string>{"a", "c"}), paths(v, n));
	free(v);
}

TEST_F(GraphTest, RootsWithoutDefaults)
{
	assert_parse(std::string(kCat) +
		     "build a: cat x\nbuild b: cat a\nbuild c: cat\n");
	struct node **v;
	size_t n;
	ASSERT_EQ(0, state_default_targets(&st, &v, &n, &err));
	EXPECT_EQ((std::vector<std::string>{"b", "c"}), paths(v, n));
	free(v);
}

// ninja's State::AddOut: one wording for two edges that generate an
// output, another for one edge that names it twice (explicit or implicit);
// -w dupbuild=warn no longer exists. (Like ninja, the line is the one after
// the build statement's.)
TEST_F(GraphTest, AnOutputOfTwoEdgesIsAnError)
{
	std::string e = parse_error(std::string(kCat) + "build out1 out2: cat in1\n"
							  "build out1: cat in2\n");
	EXPECT_EQ(0u, e.find("input:5: multiple rules generate out1\n")) << e;
}

TEST_F(GraphTest, AnOutputNamedTwiceByOneEdgeIsAnError)
{
	std::string e = parse_error(std::string(kCat) + "build a a: cat in1\n");
	EXPECT_EQ(0u, e.find("input:4: a is defined as an output multiple times\n"))
		<< e;
}

TEST_F(GraphTest, AnImplicitOutputNamedTwiceByOneEdgeIsAnError)
{
	std::string e = parse_error(std::string(kCat) + "build b | b: cat in1\n");
	EXPECT_EQ(0u, e.find("input:4: b is defined as an output multiple times\n"))
		<< e;
}

TEST_F(GraphTest, PhonySelfReferenceIsIgnoredWithAWarning)
{
	assert_parse("build a: phony a b\n");
	EXPECT_EQ("phony target 'a' names itself as an input; ignoring "
		  "[-w phonycycle=warn]\n",
		  g_warnings);
	EXPECT_EQ((std::vector<std::string>{"b"}),
		  paths(edge_of("a")->inputs, edge_of("a")->ninputs));
}

TEST_F(GraphTest, RequiredVersion)
{
	assert_parse("ninja_required_version = 1.0\n");
	EXPECT_EQ("ninja version (" NINJA_VERSION ") incompatible with build "
		  "file ninja_required_version version (99.0).",
		  parse_error("ninja_required_version = 99.0\n"));
	EXPECT_TRUE(err.fatal);
}

// Every message below was checked against ninja 1.11.1.
TEST_F(GraphTest, Errors)
{
	EXPECT_EQ("input:1: unknown build rule 'y'\n"
		  "build x: y z\n"
		  "         ^ near here",
		  parse_error("build x: y z\n"));
}

#define EXPECT_PARSE_ERROR(msg, text)                                      \
	do {                                                               \
		SCOPED_TRACE(text);                                        \
		state_free(&st);                                           \
		state_init(&st);                                           \
		st.warn = capture_warn;                                    \
		EXPECT_EQ(std::string(msg), parse_error(text));            \
	} while (0)

TEST_F(GraphTest, ErrorMessages)
{
	EXPECT_PARSE_ERROR("input:2: expected 'command =' line\n",
			   "rule foo\n\tcommand = x\n");
	EXPECT_PARSE_ERROR("input:3: unexpected EOF\n", "x = $\nbad $\n");
	EXPECT_PARSE_ERROR("input:7: unknown pool name 'nope'\n",
			   "rule cat\n  command = cat\nbuild x: cat\n"
			   "  command = q\nbuild y: cat x\n  pool = nope\n");
	EXPECT_PARSE_ERROR("input:2: invalid pool depth\n"
			   "  depth = -1\n"
			   "            ^ near here",
			   "pool p\n  depth = -1\n");
	EXPECT_PARSE_ERROR("input:3: duplicate pool 'p'\n"
			   "pool p\n"
			   "      ^ near here",
			   "pool p\n  depth = 1\npool p\n  depth = 2\n");
	EXPECT_PARSE_ERROR("input:2: unexpected variable 'foo'\n"
			   "  foo = 1\n"
			   "         ^ near here",
			   "pool p\n  foo = 1\n");
	EXPECT_PARSE_ERROR("input:2: expected 'depth =' line\n", "pool p\n");
	EXPECT_PARSE_ERROR("input:3: duplicate rule 'r'\n"
			   "rule r\n"
			   "      ^ near here",
			   "rule r\n  command = a\nrule r\n  command = b\n");
	EXPECT_PARSE_ERROR("input:2: unexpected variable 'foo'\n"
			   "  foo = a\n"
			   "         ^ near here",
			   "rule r\n  foo = a\n");
	EXPECT_PARSE_ERROR("input:3: expected 'command =' line\n",
			   "rule r\n  description = a\n");
	EXPECT_PARSE_ERROR(
		"input:4: rspfile and rspfile_content need to be both specified\n",
		"rule r\n  command = a\n  rspfile = x\n");
	EXPECT_PARSE_ERROR("input:1: unknown target 'nope'\n"
			   "default nope\n"
			   "            ^ near here",
			   "default nope\n");
	EXPECT_PARSE_ERROR("input:4: expected target name\n"
			   "default\n"
			   "       ^ near here",
			   "rule r\n  command = a\nbuild a: r\ndefault\n");
	EXPECT_PARSE_ERROR("input:3: expected path\n"
			   "build : r\n"
			   "      ^ near here",
			   "rule r\n  command = a\nbuild : r\n");
	EXPECT_PARSE_ERROR("input:6: multiple rules generate a\n",
			   "rule r\n  command = a\nbuild a b: r\n  x = y\n"
			   "build a: r\n");
	EXPECT_PARSE_ERROR("input:5: dyndep 'dd' is not an input\n",
			   "rule r\n  command = a\nbuild x: r\n  dyndep = dd\n");
	EXPECT_PARSE_ERROR("input:2: unexpected indent\n", "x = 1\n  y = 2\n");
	EXPECT_PARSE_ERROR("input:1: expected path\n"
			   "build\n"
			   "     ^ near here",
			   "build\n");
	EXPECT_PARSE_ERROR("input:3: expected ':', got newline ($ also escapes "
			   "':')\n"
			   "build x y\n"
			   "         ^ near here",
			   "rule r\n  command = a\nbuild x y\n");
	EXPECT_PARSE_ERROR("input:1: unexpected '='\n", "=\n");
	EXPECT_PARSE_ERROR("input:1: expected rule name\n"
			   "rule\n"
			   "    ^ near here",
			   "rule\n");
	EXPECT_PARSE_ERROR("input:1: expected newline, got identifier\n"
			   "rule r r\n"
			   "       ^ near here",
			   "rule r r\n");
	EXPECT_PARSE_ERROR("input:4: unexpected EOF\n",
			   "rule r\n  command = a\nbuild x: r y$\n");
	EXPECT_PARSE_ERROR("input:1: bad $-escape (literal $ must be written as "
			   "$$)\n"
			   "x = ${y\n"
			   "    ^ near here",
			   "x = ${y\n");
	EXPECT_PARSE_ERROR("input:1: loading 'nope.ninja': No such file or "
			   "directory\n"
			   "include nope.ninja\n"
			   "                  ^ near here",
			   "include nope.ninja\n");
}

TEST_F(GraphTest, CycleInRuleVariables)
{
	assert_parse("rule r\n"
		     "  command = $description\n"
		     "  description = $command\n"
		     "build x: r\n");
	free(graph_take_eval_error());
	command("x");
	char *msg = graph_take_eval_error();
	ASSERT_NE(nullptr, msg);
	EXPECT_STREQ("cycle in rule variables: description -> command -> "
		     "description",
		     msg);
	free(msg);
	EXPECT_EQ(nullptr, graph_take_eval_error());
}

TEST_F(GraphTest, IncludeSharesTheScope)
{
	write("inc.ninja", "x = from-include\nrule inc\n  command = inc $x\n");
	assert_parse("x = outer\ninclude inc.ninja\nbuild a: inc\n");
	EXPECT_EQ("from-include", var("x"));
	EXPECT_EQ("inc from-include", command("a"));
}

TEST_F(GraphTest, SubninjaHasItsOwnScope)
{
	write("test.ninja", "var = inner\nbuild $builddir/inner: varref\n");
	assert_parse("builddir = some_dir/\n"
		     "rule varref\n"
		     "  command = varref $var\n"
		     "var = outer\n"
		     "build $builddir/outer: varref\n"
		     "subninja test.ninja\n"
		     "build $builddir/outer2: varref\n");
	EXPECT_EQ(3u, st.nedges);
	EXPECT_EQ("varref outer", command("some_dir/outer"));
	EXPECT_EQ("varref inner", command("some_dir/inner"));
	EXPECT_EQ("varref outer", command("some_dir/outer2"));
	EXPECT_EQ("outer", var("var"));
}

TEST_F(GraphTest, SubninjaRulesStayInside)
{
	write("sub.ninja", "rule subrule\n  command = s\nbuild s: subrule\n");
	EXPECT_EQ("input:2: unknown build rule 'subrule'\n"
		  "build t: subrule\n"
		  "         ^ near here",
		  parse_error("subninja sub.ninja\nbuild t: subrule\n"));
}

TEST_F(GraphTest, SubninjaMayRedefineAnOuterRule)
{
	write("sub.ninja", "rule cat\n  command = inner $out\nbuild s: cat\n");
	assert_parse(std::string(kCat) + "subninja sub.ninja\nbuild t: cat\n");
	EXPECT_EQ("inner s", command("s"));
	EXPECT_EQ("cat  > t", command("t"));
}

TEST_F(GraphTest, ErrorsInIncludedFilesNameThatFile)
{
	write("bad.ninja", "x = 1\nbuild y: nope\n");
	EXPECT_EQ("bad.ninja:2: unknown build rule 'nope'\n"
		  "build y: nope\n"
		  "         ^ near here",
		  parse_error("include bad.ninja\n"));
}

TEST_F(GraphTest, ManifestLoadReadsAFile)
{
	write("build.ninja", std::string(kCat) + "build o: cat i\n");
	ASSERT_EQ(0, manifest_load(&st, "build.ninja", &err)) << error();
	EXPECT_EQ("cat i > o", command("o"));
	struct state st2;
	state_init(&st2);
	EXPECT_EQ(-1, manifest_load(&st2, "missing.ninja", &err));
	EXPECT_EQ("loading 'missing.ninja': No such file or directory", error());
	state_free(&st2);
}

// ---- dyndep files ----

struct DyndepTest : public GraphTest {
	static constexpr const char *kManifest =
		"rule touch\n"
		"  command = touch $out\n"
		"build out otherout: touch || dd\n"
		"  dyndep = dd\n";
	// `out` with a dyndep file beside `other`, an edge without one.
	static constexpr const char *kWithOther =
		"rule touch\n"
		"  command = touch $out\n"
		"build out: touch || dd\n"
		"  dyndep = dd\n"
		"build other: touch\n";
	void SetUp() override
	{
		GraphTest::SetUp();
		assert_parse(kManifest);
	}
	// The state of `manifest` alone, in the same directory.
	void reparse(const char *manifest)
	{
		state_free(&st);
		fresh_state();
		assert_parse(manifest);
	}
	int load(const std::string &text)
	{
		write("dd", text);
		err_clear(&err);
		return dyndep_load(&st, node("dd"), &err);
	}
	std::string load_error(const std::string &text)
	{
		return load(text) == 0 ? "<loaded>" : error();
	}
};

TEST_F(DyndepTest, Versions)
{
	EXPECT_TRUE(node("dd")->dyndep_pending);
	for (const char *v :
	     {"ninja_dyndep_version = 1\nbuild out: dyndep\n",
	      "ninja_dyndep_version = 1-extra\nbuild out: dyndep\n",
	      "ninja_dyndep_version = 1.0\nbuild out: dyndep\n",
	      "# comment\r\n\r\nninja_dyndep_version = 1.0-extra\r\n"
	      "build out: dyndep\r\n"}) {
		reparse(kManifest);
		EXPECT_EQ(0, load(v)) << v << error();
		EXPECT_FALSE(node("dd")->dyndep_pending);
	}
}

TEST_F(DyndepTest, ErrorMessages)
{
	EXPECT_EQ("dd:1: expected 'ninja_dyndep_version = ...'\n",
		  load_error(""));
	EXPECT_EQ("dd:1: unexpected EOF\n"
		  "ninja_dyndep_version = 1.0\n"
		  "                          ^ near here",
		  load_error("ninja_dyndep_version = 1.0"));
	EXPECT_EQ("dd:1: unsupported 'ninja_dyndep_version = 0'\n"
		  "ninja_dyndep_version = 0\n"
		  "                        ^ near here",
		  load_error("ninja_dyndep_version = 0\n"));
	EXPECT_EQ("dd:1: unsupported 'ninja_dyndep_version = 1.1'\n"
		  "ninja_dyndep_version = 1.1\n"
		  "                          ^ near here",
		  load_error("ninja_dyndep_version = 1.1\n"));
	EXPECT_EQ("dd:2: unexpected identifier\n",
		  load_error("ninja_dyndep_version = 1\n"
			     "ninja_dyndep_version = 1\n"));
	EXPECT_EQ("dd:1: expected 'ninja_dyndep_version = ...'\n"
		  "not_ninja_dyndep_version = 1\n"
		  "                            ^ near here",
		  load_error("not_ninja_dyndep_version = 1\n"));
	EXPECT_EQ("dd:1: expected 'ninja_dyndep_version = ...'\n",
		  load_error("build out: dyndep\n"));
	EXPECT_EQ("dd:1: unexpected '='\n", load_error("= 1\n"));
	EXPECT_EQ("dd:1: unexpected indent\n", load_error(" = 1\n"));
	const std::string v = "ninja_dyndep_version = 1\n";
	EXPECT_EQ("dd:3: multiple statements for 'out'\n"
		  "build out: dyndep\n"
		  "         ^ near here",
		  load_error(v + "build out: dyndep\nbuild out: dyndep\n"));
	EXPECT_EQ("dd:3: multiple statements for 'otherout'\n"
		  "build otherout: dyndep\n"
		  "              ^ near here",
		  load_error(v + "build out: dyndep\nbuild otherout: dyndep\n"));
	EXPECT_EQ("dd:2: unexpected EOF\n"
		  "build\n"
		  "     ^ near here",
		  load_error(v + "build"));
	EXPECT_EQ("dd:2: expected path\n"
		  "build :\n"
		  "      ^ near here",
		  load_error(v + "build :\n"));
	EXPECT_EQ("dd:2: no build statement exists for 'missing'\n"
		  "build missing: dyndep\n"
		  "             ^ near here",
		  load_error(v + "build missing: dyndep\n"));
	EXPECT_EQ("dd:2: unexpected EOF\n"
		  "build out\n"
		  "         ^ near here",
		  load_error(v + "build out"));
	EXPECT_EQ("dd:2: expected build command name 'dyndep'\n"
		  "build out:\n"
		  "          ^ near here",
		  load_error(v + "build out:"));
	EXPECT_EQ("dd:2: expected build command name 'dyndep'\n"
		  "build out: touch\n"
		  "           ^ near here",
		  load_error(v + "build out: touch"));
	EXPECT_EQ("dd:2: unexpected EOF\n"
		  "build out: dyndep\n"
		  "                 ^ near here",
		  load_error(v + "build out: dyndep"));
	EXPECT_EQ("dd:2: explicit outputs not supported\n"
		  "build out exp: dyndep\n"
		  "             ^ near here",
		  load_error(v + "build out exp: dyndep\n"));
	EXPECT_EQ("dd:2: explicit inputs not supported\n"
		  "build out: dyndep exp\n"
		  "                     ^ near here",
		  load_error(v + "build out: dyndep exp\n"));
	EXPECT_EQ("dd:2: order-only inputs not supported\n"
		  "build out: dyndep ||\n"
		  "                  ^ near here",
		  load_error(v + "build out: dyndep ||\n"));
	EXPECT_EQ("dd:3: binding is not 'restat'\n"
		  "  not_restat = 1\n"
		  "                ^ near here",
		  load_error(v + "build out: dyndep\n  not_restat = 1\n"));
	EXPECT_EQ("dd:4: unexpected indent\n",
		  load_error(v + "build out: dyndep\n  restat = 1\n"
				 "  restat = 1\n"));
	EXPECT_EQ("'out' not mentioned in its dyndep file 'dd'", load_error(v));
}

TEST_F(DyndepTest, MissingFile)
{
	EXPECT_EQ(-1, dyndep_load(&st, node("dd"), &err));
	EXPECT_EQ("loading 'dd': No such file or directory", error());
}

TEST_F(DyndepTest, AddsImplicitInputsOutputsAndRestat)
{
	ASSERT_EQ(0, load("ninja_dyndep_version = 1\n"
			  "build out | impout1 impout2: dyndep | impin1 impin2\n"
			  "  restat = 1\n"))
		<< error();
	struct edge *e = edge_of("out");
	EXPECT_EQ((std::vector<std::string>{"out", "otherout", "impout1",
					    "impout2"}),
		  paths(e->outputs, e->noutputs));
	EXPECT_EQ(2u, e->nimplicit_outs);
	EXPECT_EQ(e, edge_of("impout2"));
	// Implicit inputs go before the order-only ones.
	EXPECT_EQ((std::vector<std::string>{"impin1", "impin2", "dd"}),
		  paths(e->inputs, e->ninputs));
	EXPECT_EQ(2u, e->nimplicit);
	EXPECT_EQ(1u, e->norder_only);
	EXPECT_EQ(e, node("impin1")->out_edges[0]);
	EXPECT_TRUE(edge_binding_bool(e, "restat"));
	// $out still names the explicit outputs only.
	EXPECT_EQ("touch out otherout", command("out"));
}

TEST_F(DyndepTest, RestatGetsItsOwnScope)
{
	// Two edges share the file scope; restat on one must not leak.
	reparse(kWithOther);
	ASSERT_EQ(0, load("ninja_dyndep_version = 1\n"
			  "build out: dyndep\n  restat = 1\n"))
		<< error();
	EXPECT_TRUE(edge_binding_bool(edge_of("out"), "restat"));
	EXPECT_FALSE(edge_binding_bool(edge_of("other"), "restat"));
}

TEST_F(DyndepTest, OutputAlreadyBuiltElsewhere)
{
	reparse(kWithOther);
	EXPECT_EQ("multiple rules generate other",
		  load_error("ninja_dyndep_version = 1\n"
			     "build out | other: dyndep\n"));
}

TEST_F(DyndepTest, MentionsAnEdgeWithoutTheBinding)
{
	reparse(kWithOther);
	EXPECT_EQ("dyndep file 'dd' mentions output 'other' whose build "
		  "statement does not have a dyndep binding for the file",
		  load_error("ninja_dyndep_version = 1\n"
			     "build out: dyndep\nbuild other: dyndep\n"));
}

// ---- dirty scanning ----

TEST_F(GraphTest, CleanWhenOutputNewerAndLogged)
{
	assert_parse(std::string(kCat) + "build out: cat in\n");
	touch("in", 1);
	touch("out", 2);
	logged("out", 2);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_FALSE(dirty("out"));
	EXPECT_FALSE(dirty("in"));
	EXPECT_TRUE(edge_of("out")->outputs_ready);
}

TEST_F(GraphTest, DirtyWhenInputNewer)
{
	assert_parse(std::string(kCat) + "build out: cat in\n");
	touch("in", 3);
	touch("out", 2);
	logged("out", 2);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_TRUE(dirty("out"));
	EXPECT_FALSE(edge_of("out")->outputs_ready);
}

TEST_F(GraphTest, DirtyWhenNotInLogOrCommandChanged)
{
	assert_parse(std::string(kCat) + "build out: cat in\n");
	touch("in", 1);
	touch("out", 2);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_TRUE(dirty("out")); // no log entry

	state_reset(&st);
	logged("out", 2);
	node("out")->log_hash ^= 1; // the command was different
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_TRUE(dirty("out"));
}

TEST_F(GraphTest, GeneratorIgnoresCommandLog)
{
	assert_parse("rule gen\n  command = gen $out\n  generator = 1\n"
		     "build out: gen in\n");
	touch("in", 1);
	touch("out", 2);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_FALSE(dirty("out"));
}

TEST_F(GraphTest, MissingOrModifiedImplicitInput)
{
	assert_parse(std::string(kCat) + "build out: cat in | implicit\n");
	touch("in", 1);
	touch("out", 2);
	logged("out", 2);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_TRUE(dirty("implicit")); // missing, with no rule
	EXPECT_TRUE(dirty("out"));

	state_reset(&st);
	touch("implicit", 3);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_FALSE(dirty("implicit"));
	EXPECT_TRUE(dirty("out"));

	state_reset(&st);
	touch("implicit", 1);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_FALSE(dirty("out"));
}

TEST_F(GraphTest, OrderOnlyInputDoesNotMakeDirty)
{
	assert_parse(std::string(kCat) + "build out: cat in || oo\n");
	touch("in", 1);
	touch("oo", 5);
	touch("out", 2);
	logged("out", 2);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_FALSE(dirty("out"));
}

TEST_F(GraphTest, ImplicitOutputMissingOrOld)
{
	assert_parse(std::string(kCat) + "build out | out.imp: cat in\n");
	touch("in", 1);
	touch("out", 2);
	logged("out", 2);
	logged("out.imp", 2);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_TRUE(dirty("out"));
	EXPECT_TRUE(dirty("out.imp"));

	state_reset(&st);
	touch("in", 3);
	touch("out.imp", 2);
	touch("out", 4);
	logged("out", 4);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_TRUE(dirty("out.imp")) << "older than its input";
}

TEST_F(GraphTest, DirtinessPropagatesDownstream)
{
	assert_parse(std::string(kCat) +
		     "build mid: cat in\nbuild out: cat mid\n");
	touch("in", 5);
	touch("mid", 2);
	touch("out", 3);
	logged("mid", 2);
	logged("out", 3);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_TRUE(dirty("mid"));
	EXPECT_TRUE(dirty("out"));
}

TEST_F(GraphTest, DepfileAddsImplicitInputs)
{
	assert_parse("rule catdep\n"
		     "  depfile = $out.d\n"
		     "  command = cat $in > $out\n"
		     "build ./out.o: catdep ./foo.cc\n");
	touch("foo.cc", 1);
	touch("foo.h", 1);
	touch("out.o.d", 1, "out.o: ./foo.cc foo.h\n");
	touch("out.o", 2);
	logged("out.o", 2);
	ASSERT_EQ(0, scan("out.o")) << error();
	EXPECT_FALSE(dirty("out.o"));
	struct edge *e = edge_of("out.o");
	EXPECT_EQ((std::vector<std::string>{"foo.cc", "foo.cc", "foo.h"}),
		  paths(e->inputs, e->ninputs));
	// A header discovered by deps gets no in-edge (ninja since 1.12).
	EXPECT_EQ(nullptr, edge_of("foo.h"));
	EXPECT_TRUE(node("foo.h")->generated_by_dep_loader);
	EXPECT_FALSE(node("foo.cc")->generated_by_dep_loader);

	state_reset(&st);
	touch("foo.h", 9);
	ASSERT_EQ(0, scan("out.o")) << error();
	EXPECT_TRUE(dirty("out.o"));
}

TEST_F(GraphTest, DepfileMissingMakesDirty)
{
	assert_parse("rule catdep\n"
		     "  depfile = $out.d\n"
		     "  command = cat $in > $out\n"
		     "build out.o: catdep foo.cc\n");
	touch("foo.cc", 1);
	touch("out.o", 2);
	logged("out.o", 2);
	ASSERT_EQ(0, scan("out.o")) << error();
	EXPECT_TRUE(dirty("out.o"));
	EXPECT_TRUE(edge_of("out.o")->deps_missing);
}

TEST_F(GraphTest, DepfileNamingAnotherOutputIsAnError)
{
	assert_parse("rule catdep\n"
		     "  depfile = $out.d\n"
		     "  command = cat $in > $out\n"
		     "build out.o: catdep foo.cc\n");
	touch("foo.cc", 1);
	touch("out.o", 2);
	touch("out.o.d", 1, "out.o bar.o: foo.cc\n");
	logged("out.o", 2); // clean without deps: the depfile is read
	EXPECT_EQ(-1, scan("out.o"));
	EXPECT_EQ("out.o.d: depfile mentions 'bar.o' as an output, but no such "
		  "output was declared",
		  error());
}

TEST_F(GraphTest, PhonyWithNoInputsIsDirtyOnlyWhenMissing)
{
	assert_parse("build alias: phony\n");
	ASSERT_EQ(0, scan("alias")) << error();
	EXPECT_TRUE(dirty("alias"));
	// ...but there is nothing to run, so it counts as ready.
	EXPECT_TRUE(edge_of("alias")->outputs_ready);
}

TEST_F(GraphTest, PhonyWithValidationsIsNotDirtyWhenMissing)
{
	// ninja 15c7373b: validations count as inputs here
	assert_parse(std::string(kCat) +
		     "build alias: phony |@ check\nbuild check: cat in\n");
	touch("in", 1);
	touch("check", 2);
	logged("check", 2);
	ASSERT_EQ(0, scan("alias")) << error();
	EXPECT_FALSE(dirty("alias"));
	EXPECT_FALSE(dirty("check"));
}

TEST_F(GraphTest, ExistingPhonyOutputKeepsItsMtime)
{
	assert_parse("build alias: phony in\nbuild gone: phony in\n");
	touch("in", 5);
	touch("alias", 1);
	ASSERT_EQ(0, scan("alias")) << error();
	ASSERT_EQ(0, scan("gone")) << error();
	EXPECT_EQ((1000000000LL + 1) * 1000000000LL, node("alias")->mtime);
	// a missing one takes its newest input's, and is still missing
	EXPECT_EQ((1000000000LL + 5) * 1000000000LL, node("gone")->mtime);
	EXPECT_TRUE(node("gone")->mtime_from_inputs);
}

TEST_F(GraphTest, DirtyEdgeLeavesDepfileUnread)
{
	// ninja 0b115d88: an edge dirty by its manifest inputs reads no deps
	assert_parse("rule catdep\n"
		     "  depfile = $out.d\n"
		     "  command = cat $in > $out\n"
		     "build out.o: catdep foo.cc\n");
	touch("out.o", 1);
	touch("foo.cc", 2);
	touch("foo.h", 1);
	touch("out.o.d", 1, "out.o: foo.cc foo.h\n");
	logged("out.o", 1);
	ASSERT_EQ(0, scan("out.o")) << error();
	EXPECT_TRUE(dirty("out.o"));
	struct edge *e = edge_of("out.o");
	EXPECT_EQ((std::vector<std::string>{"foo.cc"}),
		  paths(e->inputs, e->ninputs));
	EXPECT_FALSE(e->deps_missing);
	EXPECT_TRUE(e->deps_skipped);
	// read when a restat asks, the header stat'ed, the inputs unchanged
	struct node *newest = node("foo.cc");
	ASSERT_EQ(0, scan_skipped_deps(&st, e, &newest, &err)) << error();
	EXPECT_EQ(node("foo.cc"), newest);
	EXPECT_EQ((1000000000LL + 1) * 1000000000LL, node("foo.h")->mtime);
	touch("foo.h", 3);
	node("foo.h")->mtime = MTIME_UNKNOWN;
	ASSERT_EQ(0, scan_skipped_deps(&st, e, &newest, &err)) << error();
	EXPECT_EQ(node("foo.h"), newest);
	EXPECT_EQ(1u, e->ninputs);
}

TEST_F(GraphTest, StaleDepfileOfDirtyEdgeMakesNoCycle)
{
	// ninja 0b115d88 (issue 2666): the old depfile names a cycle
	assert_parse(std::string(kCat) +
		     "rule catdep\n"
		     "  depfile = d.d\n"
		     "  command = cat $in > $out\n"
		     "build b: catdep a\n"
		     "build c: cat b\n"
		     "build d: cat c\n");
	touch("b", 1);
	touch("a", 2);
	touch("d.d", 1, "b: d\n");
	logged("b", 1);
	ASSERT_EQ(0, scan("d")) << error();
	EXPECT_TRUE(dirty("b"));
	EXPECT_TRUE(dirty("d"));
}

TEST_F(GraphTest, DirtyEdgeWithoutDepfileHasDepsMissing)
{
	assert_parse("rule catdep\n"
		     "  depfile = $out.d\n"
		     "  command = cat $in > $out\n"
		     "build out.o: catdep foo.cc\n");
	touch("out.o", 1);
	touch("foo.cc", 2);
	logged("out.o", 1);
	ASSERT_EQ(0, scan("out.o")) << error();
	EXPECT_TRUE(edge_of("out.o")->deps_missing);
	EXPECT_FALSE(edge_of("out.o")->deps_skipped);
}

TEST_F(GraphTest, ValidationsAreCollected)
{
	assert_parse(std::string(kCat) +
		     "build out: cat in |@ check\nbuild check: cat out\n");
	touch("in", 1);
	struct node **vals = nullptr;
	size_t nv = 0, cap = 0;
	ASSERT_EQ(0, scan_dirty(&st, node("out"), &vals, &nv, &cap, &err))
		<< error();
	EXPECT_EQ((std::vector<std::string>{"check"}), paths(vals, nv));
	free(vals);
	EXPECT_TRUE(dirty("check"));
}

TEST_F(GraphTest, MissingSourceIsDirty)
{
	assert_parse(std::string(kCat) + "build out: cat nothere\n");
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_TRUE(dirty("nothere"));
	EXPECT_TRUE(dirty("out"));
}

TEST_F(GraphTest, DyndepLoadedDuringScanWhenReady)
{
	assert_parse(std::string(kCat) +
		     "build out: cat in || dd\n"
		     "  dyndep = dd\n");
	touch("in", 1);
	touch("imp", 5);
	touch("dd", 1, "ninja_dyndep_version = 1\nbuild out: dyndep | imp\n");
	touch("out", 3);
	logged("out", 3);
	ASSERT_EQ(0, scan("out")) << error();
	EXPECT_FALSE(node("dd")->dyndep_pending);
	EXPECT_TRUE(dirty("out")) << "the dyndep input is newer";
}

// ---- cycles ----

TEST_F(GraphTest, DependencyCycle)
{
	assert_parse(std::string(kCat) +
		     "build out: cat mid\nbuild mid: cat in\n"
		     "build in: cat pre\nbuild pre: cat out\n");
	EXPECT_EQ(-1, scan("out"));
	EXPECT_EQ("dependency cycle: out -> mid -> in -> pre -> out", error());
}

TEST_F(GraphTest, CycleInEdgesButNotInNodes)
{
	assert_parse(std::string(kCat) + "build a b: cat a\n");
	EXPECT_EQ(-1, scan("b"));
	EXPECT_EQ("dependency cycle: a -> a", error());

	state_free(&st);
	state_init(&st);
	assert_parse(std::string(kCat) + "build b a: cat a\n");
	EXPECT_EQ(-1, scan("b"));
	EXPECT_EQ("dependency cycle: a -> a", error());

	state_free(&st);
	state_init(&st);
	assert_parse(std::string(kCat) + "build a b: cat c\nbuild c: cat a\n");
	EXPECT_EQ(-1, scan("b"));
	EXPECT_EQ("dependency cycle: a -> c -> a", error());

	state_free(&st);
	state_init(&st);
	assert_parse(std::string(kCat) +
		     "build d: cat c\nbuild c: cat b\nbuild b: cat a\n"
		     "build a e: cat d\nbuild f: cat e\n");
	EXPECT_EQ(-1, scan("f"));
	EXPECT_EQ("dependency cycle: a -> d -> c -> b -> a", error());
}

TEST_F(GraphTest, PhonySelfReferenceIsACycleWhenAskedFor)
{
	st.opt.phonycycle_err = true;
	assert_parse("build a: phony a\n");
	EXPECT_EQ("", g_warnings);
	EXPECT_EQ(-1, scan("a"));
	EXPECT_EQ("dependency cycle: a -> a [-w phonycycle=err]", error());
}

TEST_F(GraphTest, SpellcheckSuggestsANearName)
{
	assert_parse(std::string(kCat) + "build hello: cat world\n");
	struct node *n = state_spellcheck(&st, "helo");
	ASSERT_NE(nullptr, n);
	EXPECT_STREQ("hello", n->path);
	EXPECT_EQ(nullptr, state_spellcheck(&st, "completely-different"));
	EXPECT_EQ(node("hello"), state_lookup_canon(&st, "./x/../hello", &err));
}

} // namespace

namespace {

// Stat ahead: what the workers stored is the scan's only once claimed;
// what nobody claimed is dropped at stop, so the build that follows (which
// may change those files) can never read a stale time.
TEST(StatAhead, ClaimedTimesAreRealAndUnclaimedAreDroppedAtStop)
{
	char tmpl[] = "/tmp/nj_stat_ahead.XXXXXX";
	ASSERT_TRUE(mkdtemp(tmpl));
	std::string dir = tmpl;
	struct state st;
	state_init(&st);
	const int n = 6000; // above the size where workers start
	std::vector<struct node *> nodes;
	for (int i = 0; i < n; i++) {
		std::string p = dir + "/f" + std::to_string(i);
		if (i % 2 == 0) // odd ones are missing
			close(open(p.c_str(), O_CREAT | O_WRONLY, 0644));
		nodes.push_back(state_node(&st, p.c_str(), p.size()));
	}
	struct stat_ahead *sa = stat_ahead_start(&st);
	ASSERT_NE(nullptr, sa);
	// The main thread's view of the first half, whoever stat'ed them.
	for (int i = 0; i < n / 2; i++) {
		struct err e = {};
		ASSERT_EQ(0, node_stat(nodes[i], &e));
		EXPECT_TRUE(nodes[i]->exists_known);
		if (i % 2 == 0) {
			struct stat sb;
			ASSERT_EQ(0, stat(nodes[i]->path, &sb));
			EXPECT_EQ((int64_t)sb.st_mtim.tv_sec * 1000000000LL +
					  sb.st_mtim.tv_nsec,
				  nodes[i]->mtime);
		} else {
			EXPECT_EQ(MTIME_MISSING, nodes[i]->mtime);
		}
	}
	stat_ahead_stop(sa);
	for (int i = n / 2; i < n; i++) {
		EXPECT_EQ(MTIME_UNKNOWN, nodes[i]->mtime) << i;
		EXPECT_FALSE(nodes[i]->exists_known) << i;
	}
	// After the stop a file that appears is seen: nothing stale remains.
	std::string late = dir + "/f" + std::to_string(n - 1);
	close(open(late.c_str(), O_CREAT | O_WRONLY, 0644));
	struct err e = {};
	ASSERT_EQ(0, node_stat(nodes[n - 1], &e));
	EXPECT_GT(nodes[n - 1]->mtime, 0);
	state_free(&st);
	std::string rm = "rm -rf '" + dir + "'";
	ASSERT_EQ(0, system(rm.c_str()));
}

// A small graph starts no thread at all.
TEST(StatAhead, SmallGraphsStartNoThreads)
{
	struct state st;
	state_init(&st);
	state_node(&st, "a", 1);
	EXPECT_EQ(nullptr, stat_ahead_start(&st));
	state_free(&st);
}

} // namespace
