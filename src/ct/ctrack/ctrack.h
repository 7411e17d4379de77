/* The ctrack command: its subcommands and the helpers they share. */
#ifndef V6LAB_CTRACK_H
#define V6LAB_CTRACK_H

#include <jansson.h>
#include <stdint.h>

#include "ct.h"

int ctrack_replay(int argc, char **argv);

/* An entry as a JSON object (tuples, state, status, counters, timeout). */
json_t *ctrack_entry_json(const struct ct_entry *e, uint64_t now);
json_t *ctrack_stats_json(const struct ct_stats *s, size_t count);
/* Prints one compact JSON line and releases o. */
void ctrack_json_print(json_t *o);
int ctrack_parse_u32(const char *s, uint32_t *out);

#endif
