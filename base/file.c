/* Reading whole files and writing all of a buffer. */
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int write_all(int fd, const void *p, size_t len)
{
	const char *s = p;
	while (len) {
		ssize_t w = write(fd, s, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

int read_file(const char *path, char **data, size_t *len, struct err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		err_set(err, "%s: %s", path, strerror(e));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		errno = EISDIR;
		err_set(err, "%s: %s", path, strerror(EISDIR));
		return -1;
	}
	/* One spare byte, so that the read which finds the end of a file of
	 * the size fstat said does not first double (and copy) the buffer:
	 * that copy was 8% of loading a 57 MB manifest. */
	size_t cap = (st.st_size > 0 ? (size_t)st.st_size : 4096) + 1, n = 0;
	char *p = xmalloc(cap + 17);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			p = xrealloc(p, cap + 17);
		}
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(p);
			close(fd);
			errno = e;
			err_set(err, "%s: %s", path, strerror(e));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	memset(p + n, 0, 17);
	*data = p;
	*len = n;
	return 0;
}
