/* Levenshtein distance with replacements, stopping early past max. */
#include "base.h"

#include <stdlib.h>
#include <string.h>

int edit_distance(const char *a, size_t na, const char *b, size_t nb,
			 int max)
{
	int *row = xmalloc((nb + 1) * sizeof(int));
	for (size_t j = 0; j <= nb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		int prev = row[0], best = row[0] = (int)i;
		for (size_t j = 1; j <= nb; j++) {
			int old = row[j];
			int sub = prev + (a[i - 1] != b[j - 1]);
			int v = sub;
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = old;
			if (v < best)
				best = v;
		}
		if (best > max) {
			free(row);
			return max + 1;
		}
	}
	int d = row[nb];
	free(row);
	return d;
}

const char *spellcheck(const char *text, const char *const *words, size_t n)
{
	const char *best = NULL;
	int least = 4;
	for (size_t i = 0; i < n; i++) {
		int d = edit_distance(words[i], strlen(words[i]), text,
				      strlen(text), 3);
		if (d < least) {
			least = d;
			best = words[i];
		}
	}
	return best;
}
