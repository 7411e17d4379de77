/* Descriptors of module ipsec (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_ipsec[] = { NULL };
