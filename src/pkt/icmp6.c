/* Descriptors of module icmp6 (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_icmp6[] = { NULL };
