/* What loading and opening any of the logs starts with. */
#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

int log_read(const char *path, char **data, size_t *len, struct err *err)
{
	if (read_file(path, data, len, err) == 0)
		return 1;
	if (errno != ENOENT)
		return -1;
	err_clear(err);
	return 0;
}
