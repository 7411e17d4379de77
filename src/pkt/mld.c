/* Descriptors of module mld (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_mld[] = { NULL };
