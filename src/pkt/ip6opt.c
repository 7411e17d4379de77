/* Descriptors of module ip6opt (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_ip6opt[] = { NULL };
