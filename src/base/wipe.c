/* wipe.c - wipe, then free; see wipe.h. */
#include "wipe.h"

#include <stdlib.h>

#include <openssl/crypto.h>

void tl_wipe_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, n);
    free(p);
}
