/*
 * Fuzz target for the script parser: the input is a script file's text,
 * parsed with the source tree's suites/ directory as the place snippets
 * named by `init` come from (SUITES_DIR, set by the build).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_dict.h"
#include "script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const words[] = {
		"test ", "title ", "spec ", "rfc ", "nut ", "host", "router", "needs ", "links ",
		"link0", "link1", "init ", "common/global-address", "send ", "expect ", "none ",
		"within ", "500ms", "2s", "1.5s", "1m", " or ", " then ", " capture ", " else ",
		"count ", "wait ", "clear ", "assert ", " in ", "respond ", "on", "off",
		"verdict ", "log ", "PASS", "WARN", "FAIL", "SKIP", "NA", "ERROR", "\n",
		"\n    ", "# ", "$v", "neighbor ", "sysctl ", "await-global ", "radvd ", NULL,
	};

	(void)argc;
	(void)argv;
	fz_dict_maybe_write(words);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_suite suite = { 0 };
	char err[1024];
	char *text;

	if (size > 16384)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	cf_script_parse(&suite, "fuzz.v6t", text, SUITES_DIR, err, sizeof(err));
	cf_suite_free(&suite);
	free(text);
	return 0;
}
