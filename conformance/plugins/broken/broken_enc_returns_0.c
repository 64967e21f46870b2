/* broken_enc_returns_0.c - the key callback returns 0 instead of 1 when it issues a ticket.
 * validate must report: encrypt fails. */
#define FLAW_ENC_RETURNS_0
#include "broken_base.h"
