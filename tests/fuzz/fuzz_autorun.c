/*
 * Fuzz target for the parsers of the automatic running system: the first
 * byte picks one, the rest is its text. 0: the watch configuration
 * (ar_conf_parse); 1: `apt-cache policy` output, then the newest selection
 * with Debian version ordering; 2: `apt-cache pkgnames` output with a glob;
 * 3: `git ls-remote` output (tags, then after a NUL the branch head) into
 * releases.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "source_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *second;
	unsigned which;

	if (size < 1 || size > 65536)
		return 0;
	which = data[0] % 4;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	if (which == 0) {
		struct ar_conf c = { 0 };
		char err[256];

		if (!ar_conf_parse("fuzz.conf", text, &c, err, sizeof(err)))
			ar_conf_free(&c);
	} else if (which == 1) {
		struct ar_deb_pkg *p = NULL;
		size_t n = 0;

		if (!ar_apt_parse_policy(text, &p, &n)) {
			size_t k = ar_deb_newest(p, n, 2);

			if (k > n)
				abort();
			for (size_t i = 1; i < k; i++)
				if (ar_deb_vercmp(p[i - 1].version, p[i].version) < 0)
					abort(); /* not sorted newest first */
		}
		free(p);
	} else if (which == 2) {
		char **names = NULL;
		size_t n = 0;

		if (!ar_apt_parse_names(text, "linux-image-*-cloud-amd64", &names, &n))
			ar_apt_free_names(names, n);
	} else {
		struct ar_source_conf sc = { 0 };
		struct ar_release *r = NULL;
		size_t n = 0;
		FILE *log = fopen("/dev/null", "w");

		/* The text up to the first NUL of the input is the tags output. */
		second = memchr(data + 1, 0, size - 1) ? text + strlen(text) + 1 : NULL;
		if (second && second > text + size - 1)
			second = NULL;
		snprintf(sc.name, sizeof(sc.name), "git");
		sc.kind = "git";
		sc.branch = "main";
		sc.stable_tags = "v[0-9]*";
		sc.rc_tags = "v*-rc*";
		if (!ar_git_releases(&sc, text, second, &r, &n, log))
			for (size_t i = 0; i < n; i++)
				if (!r[i].version[0] || !r[i].kind[0])
					abort();
		free(r);
		if (log)
			fclose(log);
	}
	free(text);
	return 0;
}
