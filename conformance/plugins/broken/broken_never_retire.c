/* broken_never_retire.c - keys never retire: all 64 are kept and decrypt forever.
 * validate must report: rotation.retire warns (the issue: "Warn if they never do"). */
#define FLAW_NEVER_RETIRE
#include "broken_base.h"
