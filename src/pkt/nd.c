/* Descriptors of module nd (not yet written). */
#include "proto.h"

const struct pkt_proto *const pkt_mod_nd[] = { NULL };
