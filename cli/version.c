/* --nj-version: nj's own version and what it was built with (the allocator,
 * zstd) and the memory cgroup it finds here. --version stays ninja's
 * (NINJA_VERSION), which CMake and Meson read. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <zstd.h>

/* configure.py defines NJ_MIMALLOC where the variant links mimalloc (the
 * sanitizer build keeps the system allocator, which ASan intercepts). */
#ifdef NJ_MIMALLOC
#include <mimalloc.h>

/* mimalloc's versions are major*100 + minor*10 + patch (209: 2.0.9). */
static void mimalloc_version(struct buf *b, int v)
{
	buf_printf(b, "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
}
#endif

int cli_nj_version(void)
{
	struct buf b = {0};
	buf_printf(&b, "nj %s (ninja %s compatible)\n", NJ_VERSION,
		   NINJA_VERSION);
#if defined(__clang__)
	buf_printf(&b, "compiler: clang %s\n", __clang_version__);
#elif defined(__GNUC__)
	buf_printf(&b, "compiler: gcc %s\n", __VERSION__);
#endif
#ifdef NJ_MIMALLOC
	buf_adds(&b, "mimalloc: ");
	mimalloc_version(&b, mi_version());
	buf_adds(&b, " (built against ");
	mimalloc_version(&b, MI_MALLOC_VERSION);
	/* Whether malloc really is mimalloc's: linking the shared library
	 * overrides it, unless something loaded earlier won. */
	void *p = malloc(64);
	buf_printf(&b, "; malloc is %s)\n", p && mi_is_in_heap_region(p)
						  ? "mimalloc's"
						  : "not mimalloc's");
	free(p);
#else
	buf_adds(&b, "mimalloc: not linked (the system allocator)\n");
#endif
	buf_printf(&b, "zstd: %s (built against %s)\n", ZSTD_versionString(),
		   ZSTD_VERSION_STRING);

	struct memprobe mp;
	struct err err = {0};
	if (memprobe_init(&mp, NULL, NULL, &err) < 0) {
		buf_printf(&b, "memory: unknown (%s)\n", err.msg);
		err_clear(&err);
	} else {
		if (mp.cgroup_version == 0) {
			buf_adds(&b, "cgroup: no memory cgroup found\n");
		} else {
			buf_printf(&b, "cgroup: v%d %s\n", mp.cgroup_version,
				   mp.cgroup_dir);
			buf_adds(&b, "cgroup limit: ");
			if (mp.cgroup_limit < 0) {
				buf_adds(&b, "none");
			} else {
				format_size(mp.cgroup_limit, &b);
				buf_printf(&b, " (%s)", mp.limit_dir ? mp.limit_dir
								     : mp.cgroup_dir);
			}
			buf_addc(&b, '\n');
		}
		buf_adds(&b, "memory: ");
		format_size(mp.phys_total, &b);
		buf_adds(&b, " physical, capacity ");
		format_size(memprobe_capacity(&mp), &b);
		buf_addc(&b, '\n');
		memprobe_free(&mp);
	}
	fwrite(b.s, 1, b.len, stdout);
	buf_free(&b);
	return 0;
}
