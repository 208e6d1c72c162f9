/* memhog: a stand-in for a memory-hungry command (a link, say) in tests.
 *
 *   memhog SIZE [--step SIZE] [--step-ms N] [--hold-ms N] [--exit N]
 *               [--touch-file PATH] [--print]
 *
 * Allocates SIZE bytes and writes to every page so all of it is resident;
 * with --step, in chunks of that size, sleeping --step-ms between them (a
 * job that grows). Then holds it --hold-ms, creates PATH (like a linker
 * writing its output only once it has succeeded) and exits with --exit's
 * status. SIZE is written as nj's `mem =`: bytes, or a number (decimals
 * allowed) with K, M, G or T, optionally followed by "iB" or "B", all powers
 * of 1024. Writes nothing to stdout unless --print asks for a line once all
 * of SIZE is resident. SIZE is read by nj's own parse_size (lexer/size.c),
 * so the two can never disagree. */
#define _GNU_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/base.h"

static int parse_int(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 0)
		return -1;
	*out = v;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: memhog SIZE [--step SIZE] [--step-ms N] [--hold-ms N] "
		"[--exit N] [--touch-file PATH] [--print]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int64_t size = -1, step = 0;
	long step_ms = 0, hold_ms = 0, code = 0;
	const char *touch = NULL;
	bool print = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;
		if (strcmp(a, "--step") == 0 && has_val) {
			const char *v = argv[++i];
			if (parse_size(v, strlen(v), &step) < 0)
				usage();
		} else if (strcmp(a, "--step-ms") == 0 && has_val) {
			if (parse_int(argv[++i], &step_ms) < 0)
				usage();
		} else if (strcmp(a, "--hold-ms") == 0 && has_val) {
			if (parse_int(argv[++i], &hold_ms) < 0)
				usage();
		} else if (strcmp(a, "--exit") == 0 && has_val) {
			if (parse_int(argv[++i], &code) < 0 || code > 255)
				usage();
		} else if (strcmp(a, "--touch-file") == 0 && has_val) {
			touch = argv[++i];
		} else if (strcmp(a, "--print") == 0) {
			print = true;
		} else if (a[0] != '-' && size < 0) {
			if (parse_size(a, strlen(a), &size) < 0) {
				fprintf(stderr, "memhog: bad SIZE '%s'\n", a);
				exit(2);
			}
		} else {
			usage();
		}
	}
	if (size < 0)
		usage();
	if (step <= 0 || step > size)
		step = size;

	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	/* One mapping per step: each is touched as soon as it exists, so the
	 * resident size follows the steps. mmap, not malloc, so no compiler
	 * can decide the writes are dead. */
	for (int64_t done = 0; done < size;) {
		int64_t n = size - done < step ? size - done : step;
		volatile char *p = mmap(NULL, (size_t)n, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == (volatile char *)MAP_FAILED) {
			fprintf(stderr, "memhog: cannot map %lld bytes: %s\n",
				(long long)n, strerror(errno));
			exit(3);
		}
		/* Non-zero bytes: a page of zeros could be merged (KSM). */
		for (int64_t o = 0; o < n; o += page)
			p[o] = (char)(1 + (o / page) % 251);
		done += n;
		if (done < size && step_ms > 0)
			sleep_ms(step_ms);
	}
	if (print) {
		printf("memhog: %lld bytes resident\n", (long long)size);
		fflush(stdout);
	}
	if (hold_ms > 0)
		sleep_ms(hold_ms);
	if (touch) {
		int fd = open(touch, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0666);
		if (fd < 0) {
			fprintf(stderr, "memhog: %s: %s\n", touch,
				strerror(errno));
			exit(3);
		}
		futimens(fd, NULL); /* a fresh mtime even if it existed */
		close(fd);
	}
	return (int)code;
}
