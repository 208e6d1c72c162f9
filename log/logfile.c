/* What loading and opening any of the logs starts with. */
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void log_reopen_at(int *fd, char **path, const char *newpath)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	if (!*path || strcmp(*path, newpath) != 0) {
		free(*path);
		*path = xstrdup(newpath);
	}
}

int log_read(const char *path, char **data, size_t *len, char **warning,
	     struct err *err)
{
	*warning = NULL;
	struct stat sb;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		if (S_ISDIR(sb.st_mode)) {
			err_set(err, "%s", strerror(EISDIR));
			errno = EISDIR;
			return -1;
		}
		if (unlink(path) < 0) {
			int e = errno;
			err_set(err, "not a regular file, and cannot be removed: %s",
				strerror(e));
			errno = e;
			return -1;
		}
		struct buf b = {0};
		buf_printf(&b, "%s is not a regular file; starting over", path);
		*warning = b.s;
		return 0;
	}
	if (read_file(path, data, len, err) == 0)
		return 1;
	int e = errno;
	if (e != ENOENT)
		err_set(err, "%s", strerror(e));
	else
		err_clear(err);
	errno = e;
	return e == ENOENT ? 0 : -1;
}
