/* deps = msvc: the /showIncludes lines of cl.exe (or clang-cl) output are
 * the dependencies; they, and the echo of the source file's name, are
 * taken out of what the user sees. ninja's CLParser rules. */
#include "lexer.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_PREFIX "Note: including file: "

static bool ends_with_ci(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	if (n < k)
		return false;
	for (size_t i = 0; i < k; i++) {
		char c = s[n - k + i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != suffix[i])
			return false;
	}
	return true;
}

/* cl.exe echoes the name of the file it compiles first. */
static bool is_input_filename(const char *s, size_t n)
{
	return ends_with_ci(s, n, ".c") || ends_with_ci(s, n, ".cc") ||
	       ends_with_ci(s, n, ".cxx") || ends_with_ci(s, n, ".cpp") ||
	       ends_with_ci(s, n, ".c++");
}

/* A heuristic of ninja's: the compiler's own headers are not deps. */
static bool is_system_include(const char *s, size_t n)
{
	static const char *const dirs[] = {"program files",
					   "microsoft visual studio"};
	for (size_t d = 0; d < 2; d++) {
		size_t k = strlen(dirs[d]);
		for (size_t i = 0; i + k <= n; i++) {
			size_t j = 0;
			while (j < k) {
				char c = s[i + j];
				if (c >= 'A' && c <= 'Z')
					c = (char)(c - 'A' + 'a');
				if (c != dirs[d][j])
					break;
				j++;
			}
			if (j == k)
				return true;
		}
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int msvc_deps_parse(const char *out, size_t len, const char *prefix,
		    struct buf *filtered, char ***includes, size_t *n)
{
	if (!prefix || !*prefix)
		prefix = DEFAULT_PREFIX;
	size_t plen = strlen(prefix), cap = 0;
	bool seen_includes = false;
	*includes = NULL;
	*n = 0;
	for (size_t start = 0; start < len;) {
		size_t end = start;
		while (end < len && out[end] != '\r' && out[end] != '\n')
			end++;
		const char *line = out + start;
		size_t llen = end - start;
		if (llen > plen && memcmp(line, prefix, plen) == 0) {
			const char *inc = line + plen;
			while (inc < line + llen && *inc == ' ')
				inc++;
			size_t ilen = (size_t)(line + llen - inc);
			seen_includes = true;
			if (!is_system_include(inc, ilen)) {
				xgrow((void **)includes, &cap, *n + 1, sizeof(**includes));
				(*includes)[(*n)++] = xstrndup(inc, ilen);
			}
		} else if (!seen_includes && is_input_filename(line, llen)) {
			/* dropped */
		} else {
			buf_add(filtered, line, llen);
			buf_addc(filtered, '\n');
		}
		if (end < len && out[end] == '\r')
			end++;
		if (end < len && out[end] == '\n')
			end++;
		start = end;
	}
	/* ninja keeps them in a set: sorted, each once */
	qsort(*includes, *n, sizeof(**includes), cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		if (k && strcmp((*includes)[k - 1], (*includes)[i]) == 0)
			free((*includes)[i]);
		else
			(*includes)[k++] = (*includes)[i];
	}
	*n = k;
	return 0;
}
