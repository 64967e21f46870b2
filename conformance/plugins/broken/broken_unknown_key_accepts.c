/* broken_unknown_key_accepts.c - an unknown key name returns 1, with the current key loaded.
 * validate must report: unknown-key fails. */
#define FLAW_UNKNOWN_ACCEPTS
#include "broken_base.h"
