/* sessder_memo.c - d2i_SSL_SESSION, remembered; see sessder_memo.h. */
#include "sessder_memo.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ticketlab/clock.h"
#include "memo.h"
#include "ossl_compat.h"

#define SLOTS 32

static struct parsed {
    unsigned char *der;     /* NULL: a free slot */
    size_t len;
    int64_t clock;
    SSL_SESSION *sess;
} slots[SLOTS];
static size_t next_slot;

static void slot_free(struct parsed *s)
{
    free(s->der);
    SSL_SESSION_free(s->sess);
    memset(s, 0, sizeof(*s));
}

void tl_session_d2i_memo_clear(void)
{
    for (size_t i = 0; i < SLOTS; i++)
        slot_free(&slots[i]);
}

static SSL_SESSION *parse(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;

    return len > LONG_MAX ? NULL : d2i_SSL_SESSION(NULL, &p, (long)len);
}

SSL_SESSION *tl_session_d2i_memo(const unsigned char *der, size_t len)
{
    int64_t now = tl_clock_now();
    struct parsed *s;
    SSL_SESSION *sess;

    if (!tl_memo_enabled()) {
        tl_session_d2i_memo_clear();
        return parse(der, len);
    }
    for (size_t i = 0; i < SLOTS; i++) {
        s = &slots[i];
        if (s->der != NULL && s->len == len && s->clock == now && memcmp(s->der, der, len) == 0)
            return SSL_SESSION_dup(s->sess);
    }
    sess = parse(der, len);
    if (sess == NULL)
        return NULL;
    s = &slots[next_slot];
    slot_free(s);
    s->der = malloc(len ? len : 1);
    if (s->der == NULL) {
        slot_free(s);
        return sess;
    }
    /* The slot keeps the parse; the caller gets a copy, which it may use up. */
    memcpy(s->der, der, len);
    s->len = len;
    s->clock = now;
    s->sess = sess;
    next_slot = (next_slot + 1) % SLOTS;
    return SSL_SESSION_dup(sess);
}
