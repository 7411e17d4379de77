/* Descriptors of module frag (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_frag[] = { NULL };
