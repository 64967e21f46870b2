/* broken_unknown_key_minus1.c - an unknown key name makes the key callback return -1.
 * validate must report: unknown-key fails, called out as an availability bug. */
#define FLAW_UNKNOWN_MINUS1
#include "broken_base.h"
