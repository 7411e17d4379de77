/* Descriptors of module mip6icmp (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_mip6icmp[] = { NULL };
