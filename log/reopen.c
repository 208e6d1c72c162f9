/* What opening any of the logs starts with. */
#include "log.h"

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
