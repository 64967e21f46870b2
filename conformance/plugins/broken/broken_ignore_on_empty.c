/* broken_ignore_on_empty.c - the decrypt callback returns IGNORE on EMPTY.
 * validate must report: decrypt-cb.EMPTY warns (the documentation asks for IGNORE_RENEW). */
#define FLAW_IGNORE_ON_EMPTY
#include "broken_base.h"
