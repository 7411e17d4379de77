/*
 * Frame encoder. A spec lists layers in wire order (options right after the
 * header that holds them), each with the fields the caller sets; every field
 * left unset takes its default, and lengths, next-header values, padding and
 * checksums are computed. Any of those can be set by hand instead, which is
 * how tests build deliberately broken frames.
 */
#ifndef V6LAB_PKT_BUILD_H
#define V6LAB_PKT_BUILD_H

#include <stdbool.h>

#include "field.h"
#include "proto.h"
#include "wbuf.h"

#define PKT_MAX_SET 24

struct pkt_sval {
	const struct pkt_fdesc *f;
	struct pkt_val v;
};

struct pkt_slayer {
	const struct pkt_proto *proto;
	uint8_t nset;
	uint8_t nopad; /* do not pad this header's option area */
	struct pkt_sval set[PKT_MAX_SET];
};

struct pkt_spec {
	uint16_t n;
	struct pkt_slayer l[PKT_MAX_LAYERS];
};

/* State of one build, handed to each protocol's fix() hook. */
struct pkt_build {
	const struct pkt_spec *spec;
	struct pkt_wbuf *w;
	struct pkt_dec view; /* the layers as written, over w->b */
	char *err;
	size_t errlen;
};

/* Appends a layer; returns it or NULL when the spec is full. */
struct pkt_slayer *pkt_spec_push(struct pkt_spec *s, const struct pkt_proto *p);
/* Sets a field by name on a spec layer: -ENOENT unknown name, -ENOSPC full. */
int pkt_spec_set(struct pkt_slayer *l, const char *name, const struct pkt_val *v);
int pkt_spec_set_u(struct pkt_slayer *l, const char *name, uint64_t u);
/* Sets an address field from text ("2001:db8::1", "192.0.2.1", "02:00:..."). */
int pkt_spec_set_str(struct pkt_slayer *l, const char *name, const char *text);

/* Builds the frame into w (reset first). Returns 0, or a negative errno with
 * a message in err. */
int pkt_build(const struct pkt_spec *s, struct pkt_wbuf *w, char *err, size_t errlen);

/* For fix() hooks: whether field `name` of layer idx was set by the caller. */
bool pkt_build_isset(const struct pkt_build *b, int idx, const char *name);
/* For fix() hooks: writes a UINT field unless the caller set it. */
int pkt_build_auto_u(struct pkt_build *b, int idx, const char *name, uint64_t u);
/* Index of the next header layer (depth 0) after idx, or -1. */
int pkt_build_next_hdr(const struct pkt_build *b, int idx);

/* Parses an address for a field type into v. */
int pkt_val_parse_addr(uint8_t type, const char *text, struct pkt_val *v);

#endif
