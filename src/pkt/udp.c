/* Descriptors of module udp (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_udp[] = { NULL };
