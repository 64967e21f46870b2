/* memo.c - the one switch for ticketlab's memos; see memo.h. */
#include "memo.h"

#include <stdlib.h>

#include "ticketlab/tlslib.h"

static int enabled = -1;   /* -1: not read from the environment yet */

int tl_memo_enabled(void)
{
    /* BoringSSL and AWS-LC: off. Their RAND state cannot be saved and put
     * back, and their session cache cannot be walked to copy it. */
    if (enabled < 0)
        enabled = TL_TLSLIB_OPENSSL && getenv("TICKETLAB_NO_MEMO") == NULL;
    return enabled;
}

int tl_memo_set(int on)
{
    int was = tl_memo_enabled();

    enabled = on != 0;
    return was;
}
