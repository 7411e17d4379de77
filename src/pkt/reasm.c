/* Fragmentation and reassembly (not yet written). */
#include "proto.h"
