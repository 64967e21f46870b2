/* broken_decrypt_use_on_nodecrypt.c - the decrypt callback returns USE on NO_DECRYPT.
 * validate must report: decrypt-cb.NO_DECRYPT fails. */
#define FLAW_USE_ON_NO_DECRYPT
#include "broken_base.h"
