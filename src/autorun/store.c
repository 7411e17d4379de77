/*
 * The backend-neutral part of the results store: the verdict names shared by
 * every backend and ar_store_open, which picks a backend from the store's
 * URI ("sqlite:PATH" or a plain PATH for SQLite; "postgresql://..." and
 * "postgres://..." name a backend this build does not have).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ar_store.h"

const char *const ar_verdict_names[AR_NVERDICTS] = {
	"PASS", "WARN", "FAIL", "SKIP", "N/A", "ERROR",
};

int ar_verdict_index(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < AR_NVERDICTS; i++)
		if (!strcmp(name, ar_verdict_names[i]))
			return i;
	return -1;
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

int ar_store_open(const char *uri, struct ar_store **out, char *err, size_t errlen)
{
	const char *path = uri;

	*out = NULL;
	if (!uri || !*uri) {
		snprintf(err, errlen, "store: empty store location");
		return -EINVAL;
	}
	if (has_prefix(uri, "postgresql://") || has_prefix(uri, "postgres://")) {
		snprintf(err, errlen,
			 "store %s: the PostgreSQL backend is not built into this v6lab "
			 "(use sqlite:PATH or a file path)", uri);
		return -ENOTSUP;
	}
	if (has_prefix(uri, "sqlite:")) {
		path = uri + strlen("sqlite:");
	} else if (strstr(uri, "://")) {
		snprintf(err, errlen, "store %s: unknown kind of store (sqlite:PATH, PATH or "
			 "postgresql://...)", uri);
		return -EINVAL;
	}
	if (!*path) {
		snprintf(err, errlen, "store %s: no database file after \"sqlite:\"", uri);
		return -EINVAL;
	}
	return ar_store_sqlite_open(path, out, err, errlen);
}
