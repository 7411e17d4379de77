/* Descriptors of module mh (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_mh[] = { NULL };
