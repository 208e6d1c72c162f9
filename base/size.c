/* Memory sizes as the manifest writes them: "512M", "1.5G", "2GiB", "0". */
#include "base.h"


int parse_size(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	double whole = 0, frac = 0, scale = 1;
	bool digits = false;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		whole = whole * 10 + (s[i++] - '0');
		digits = true;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			scale /= 10;
			frac += (s[i++] - '0') * scale;
			digits = true;
		}
	}
	if (!digits)
		return -1;
	double mult = 1;
	if (i < len) {
		switch (s[i] | 0x20) {
		case 'k': mult = 1024.0; break;
		case 'm': mult = 1024.0 * 1024; break;
		case 'g': mult = 1024.0 * 1024 * 1024; break;
		case 't': mult = 1024.0 * 1024 * 1024 * 1024; break;
		case 'b': mult = 1; break;
		default: return -1;
		}
		bool unit = (s[i] | 0x20) != 'b';
		i++;
		/* "KiB", "KB", "K"; and "B" alone for bytes */
		if (unit && i < len && s[i] == 'i')
			i++;
		if (unit && i < len && (s[i] == 'B' || s[i] == 'b'))
			i++;
	}
	if (i != len)
		return -1;
	double v = (whole + frac) * mult;
	if (v >= 9.2e18)
		return -1;
	if (mult == 1 && frac != 0)
		return -1; /* a fraction of a byte */
	int64_t r = (int64_t)v;
	*out = (double)r < v ? r + 1 : r; /* round up: never under-reserve */
	return 0;
}

void format_size(int64_t bytes, struct buf *out)
{
	static const char units[] = "KMGT";
	if (bytes < 1024) {
		buf_printf(out, "%lldB", (long long)bytes);
		return;
	}
	double v = (double)bytes;
	int u = -1;
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (v >= 100)
		buf_printf(out, "%.0f%c", v, units[u]);
	else
		buf_printf(out, "%.1f%c", v, units[u]);
}
