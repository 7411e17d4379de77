/* Descriptors of module tcp (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_tcp[] = { NULL };
