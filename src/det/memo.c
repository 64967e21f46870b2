/* memo.c - the one switch for ticketlab's memos; see memo.h. */
#include "memo.h"

#include <stdlib.h>

static int enabled = -1;   /* -1: not read from the environment yet */

int tl_memo_enabled(void)
{
    if (enabled < 0)
        enabled = getenv("TICKETLAB_NO_MEMO") == NULL;
    return enabled;
}

int tl_memo_set(int on)
{
    int was = tl_memo_enabled();

    enabled = on != 0;
    return was;
}
