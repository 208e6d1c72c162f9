/* Path canonicalisation, ninja's rules: "." components and repeated
 * slashes vanish, "x/.." cancels when x is not itself "..". */
#include "graph.h"

#include <string.h>

int path_canon(char *path, size_t *len, struct err *err)
{
	size_t n = *len;
	if (n == 0) {
		err_set(err, "empty path");
		return -1;
	}
	/* Components written so far that a ".." may cancel (ninja's
	 * current source has no limit on them; its old one was 60). */
	size_t ncomp = 0;
	char *start = path, *dst = path;
	const char *src = path, *end = path + n;
	size_t leading = 0;
	if (*src == '/') {
		/* keep one leading slash: "//foo" is "/foo", as in ninja */
		src++;
		dst++;
		leading = 1;
	}
	while (src < end) {
		if (*src == '.') {
			if (src + 1 == end || src[1] == '/') {
				/* '.' component */
				src += 2;
				continue;
			}
			if (src[1] == '.' && (src + 2 == end || src[2] == '/')) {
				/* '..' component: back up if we can */
				if (ncomp > 0) {
					/* back to just after the slash before the
					 * last component (dst is past its own) */
					dst--;
					while (dst > start && dst[-1] != '/')
						dst--;
					src += 3;
					ncomp--;
				} else {
					*dst++ = *src++;
					*dst++ = *src++;
					*dst++ = *src++;
				}
				continue;
			}
		}
		if (*src == '/') {
			src++;
			continue;
		}
		ncomp++;
		while (src < end && *src != '/')
			*dst++ = *src++;
		*dst++ = *src++; /* the slash, or one past the end */
	}
	if (leading && dst == start + leading) {
		*len = leading;
		start[leading] = '\0';
		return 0;
	}
	if (dst == start) {
		*dst++ = '.';
		*dst++ = '\0';
	}
	*len = (size_t)(dst - start - 1);
	start[*len] = '\0';
	return 0;
}
