/* Descriptors of module icmp4 (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_icmp4[] = { NULL };
