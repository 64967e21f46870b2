/* broken_never_renew.c - tickets under the previous key return 1, never 2 (renew).
 * validate must report: rotation.renew fails. */
#define FLAW_NEVER_RENEW
#include "broken_base.h"
