/* Descriptors of module routing (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_routing[] = { NULL };
