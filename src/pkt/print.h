/*
 * Printing decoded frames: a one-line summary, a verbose tree of every layer
 * and field, and a JSON object (schema in docs/decode-json.md).
 */
#ifndef V6LAB_PKT_PRINT_H
#define V6LAB_PKT_PRINT_H

#include <jansson.h>
#include <stdio.h>

#include "proto.h"

/* One line, layers joined by " / ", without a newline. Returns its length. */
int pkt_print_summary(const struct pkt_dec *d, char *out, size_t n);
/* Indented tree with every field; options under their header. */
void pkt_print_tree(const struct pkt_dec *d, FILE *fp);
/* New JSON object {"layers": [...], "malformed": ...}; NULL on no memory. */
json_t *pkt_print_json(const struct pkt_dec *d);

#endif
