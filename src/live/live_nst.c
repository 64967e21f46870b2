/*
 * live_nst.c - crafted NewSessionTickets; see live_serve.h.
 */
#include "live_serve.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[TL_NST_COUNT] = {
    [TL_NST_NONE] = "none",
    [TL_NST_LIFETIME_0] = "lifetime-0",
    [TL_NST_LIFETIME_8D] = "lifetime-8d",
    [TL_NST_EMPTY] = "empty",
    [TL_NST_HUGE] = "huge",
    [TL_NST_UNKNOWN_EXT] = "unknown-ext",
    [TL_NST_DUP_EARLY] = "dup-early-data",
    [TL_NST_MAX_EARLY] = "max-early-data",
    [TL_NST_FLOOD] = "flood",
    [TL_NST_TLS12_UNASKED] = "tls12-unasked",
};

const char *tl_nst_kind_name(tl_nst_kind k)
{
    return k >= 0 && k < TL_NST_COUNT ? kind_names[k] : "?";
}

int tl_nst_kind_parse(const char *name, tl_nst_kind *k)
{
    for (int i = 1; i < TL_NST_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *k = (tl_nst_kind)i;
            return 0;
        }
    return -1;
}

int tl_nst_kind_tls12(tl_nst_kind k)
{
    return k == TL_NST_TLS12_UNASKED;
}

struct tl_nst_filter {
    tl_nst_kind kind;
};

tl_nst_filter *tl_nst_attach(SSL *ssl, int fd, tl_nst_kind kind, tl_error *err)
{
    (void)ssl;
    (void)fd;
    (void)kind;
    tl_error_set(err, "crafted tickets are not built yet");
    return NULL;
}

size_t tl_nst_sent(const tl_nst_filter *f, tl_wire_nst *out, size_t max, const char **why)
{
    (void)f;
    (void)out;
    (void)max;
    *why = NULL;
    return 0;
}

void tl_nst_free(tl_nst_filter *f)
{
    free(f);
}

void tl_nst_setup_ctx(SSL_CTX *ctx)
{
    (void)ctx;
}
