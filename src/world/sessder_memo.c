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
    int timeless;           /* the parse did not read the clock: any clock will do */
    size_t used;            /* the bytes d2i_SSL_SESSION took */
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

/* One DER element at *p (at most end - *p bytes): its tag, and where its
 * content starts and ends. Returns 0, or -1 when it does not fit (the
 * short and long length forms of up to 4 bytes; nothing else here). */
static int der_element(const unsigned char **p, const unsigned char *end, unsigned *tag,
                       const unsigned char **content, size_t *len)
{
    const unsigned char *q = *p;
    size_t n, k;

    if (end - q < 2)
        return -1;
    *tag = *q++;
    n = *q++;
    if (n & 0x80) {
        k = n & 0x7f;
        if (k == 0 || k > 4 || (size_t)(end - q) < k)
            return -1;
        for (n = 0; k > 0; k--)
            n = n << 8 | *q++;
    }
    if ((size_t)(end - q) < n)
        return -1;
    *content = q;
    *len = n;
    *p = q + n;
    return 0;
}

/*
 * 1 when d2i_SSL_SESSION of der does not read the clock: the session
 * carries a time ([1] EXPLICIT INTEGER, not zero), which d2i takes instead
 * of the clock. 0 when it has none, or when this reader is not sure.
 */
static int der_has_time(const unsigned char *der, size_t len)
{
    const unsigned char *p = der, *end = der + len, *body, *c;
    unsigned tag;
    size_t n;

    if (der_element(&p, end, &tag, &body, &n) != 0 || tag != 0x30)
        return 0;
    p = body;
    end = body + n;
    while (p < end) {
        const unsigned char *ip;
        unsigned itag;
        size_t in;

        if (der_element(&p, end, &tag, &c, &n) != 0)
            return 0;
        if (tag != 0xa1)
            continue;
        ip = c;
        if (der_element(&ip, c + n, &itag, &c, &in) != 0 || itag != 0x02)
            return 0;
        for (size_t i = 0; i < in; i++)
            if (c[i] != 0)
                return 1;
        return 0;
    }
    return 0;
}

static SSL_SESSION *parse(const unsigned char *der, size_t len, size_t *used)
{
    const unsigned char *p = der;
    SSL_SESSION *sess = len > LONG_MAX ? NULL : d2i_SSL_SESSION(NULL, &p, (long)len);

    *used = (size_t)(p - der);
    return sess;
}

SSL_SESSION *tl_session_d2i_memo(const unsigned char *der, size_t len)
{
    size_t used;

    return tl_session_d2i_memo_used(der, len, &used);
}

SSL_SESSION *tl_session_d2i_memo_used(const unsigned char *der, size_t len, size_t *used)
{
    int64_t now = tl_clock_now();
    struct parsed *s;
    SSL_SESSION *sess;

    if (!tl_memo_enabled()) {
        tl_session_d2i_memo_clear();
        return parse(der, len, used);
    }
    for (size_t i = 0; i < SLOTS; i++) {
        s = &slots[i];
        if (s->der != NULL && s->len == len && (s->timeless || s->clock == now)
            && memcmp(s->der, der, len) == 0) {
            *used = s->used;
            return SSL_SESSION_dup(s->sess);
        }
    }
    sess = parse(der, len, used);
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
    s->timeless = der_has_time(der, len);
    s->used = *used;
    s->sess = sess;
    next_slot = (next_slot + 1) % SLOTS;
    return SSL_SESSION_dup(sess);
}
