/* broken_constant_iv.c - every ticket uses the same IV.
 * validate must report: ivs.unique fails. */
#define FLAW_CONSTANT_IV
#include "broken_base.h"
