/* A job's output: kept in memory up to JOB_OUTPUT_MEM_MAX, then in an
 * unlinked temporary file, so a job that prints 50 MB costs nj no more heap
 * than one that prints 256K (ninja holds the whole of it, twice). At the end
 * the file is mapped read-only: its pages are the page cache's, which the
 * kernel can drop, not nj's heap. */
#define _GNU_SOURCE /* O_TMPFILE */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_spill(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* a file system without O_TMPFILE */
	struct buf path = {0};
	buf_printf(&path, "%s/nj-output-XXXXXX", dir);
	fd = mkstemp(path.s);
	if (fd >= 0) {
		unlink(path.s);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	buf_free(&path);
	return fd;
}

void exec_priv_output_add(struct job *j, const char *s, size_t n)
{
	if (j->spill_fd < 0 && j->output.len + n > JOB_OUTPUT_MEM_MAX) {
		int fd = open_spill();
		if (fd >= 0 && write_all(fd, j->output.s, j->output.len) == 0) {
			j->spill_fd = fd;
			j->spill_len = j->output.len;
			buf_free(&j->output);
		} else if (fd >= 0) {
			close(fd);
		}
		/* else: no temporary file, the output stays in memory */
	}
	if (j->spill_fd < 0) {
		buf_add(&j->output, s, n);
		return;
	}
	if (write_all(j->spill_fd, s, n) < 0) {
		/* A full disk: what was written is kept, the rest is lost (a
		 * pipe the job writes to must still be read). */
		j->spill_lost = true;
		return;
	}
	j->spill_len += n;
}

void exec_job_output(struct job *j, const char **s, size_t *len)
{
	if (j->spill_fd >= 0 && !j->spill_map) {
		/* One NUL past the end, so that the mapping is a C string
		 * even when the output fills its last page exactly. */
		if (ftruncate(j->spill_fd, (off_t)j->spill_len + 1) == 0) {
			void *m = mmap(NULL, j->spill_len + 1, PROT_READ,
				       MAP_PRIVATE, j->spill_fd, 0);
			if (m != MAP_FAILED)
				j->spill_map = m;
		}
	}
	if (j->spill_map) {
		*s = j->spill_map;
		*len = j->spill_len;
		return;
	}
	/* in memory, or the file could not be mapped: its note only */
	*s = buf_cstr(&j->output);
	*len = j->output.len;
}

void exec_priv_output_free(struct job *j)
{
	if (j->spill_map)
		munmap(j->spill_map, j->spill_len + 1);
	if (j->spill_fd >= 0)
		close(j->spill_fd);
	j->spill_map = NULL;
	j->spill_fd = -1;
	buf_free(&j->output);
}
