/* broken_zero_key.c - the AES and HMAC keys are all zeros.
 * validate must report: keys.constant fails. */
#define FLAW_ZERO_KEY
#include "broken_base.h"
