/* broken_same_aes_hmac.c - the HMAC key is the AES key.
 * validate must report: keys.distinct fails. */
#define FLAW_SAME_AES_HMAC
#include "broken_base.h"
