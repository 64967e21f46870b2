/*
 * test_sessder_memo.c - the d2i memo (src/world/sessder_memo.c) gives what
 * d2i_SSL_SESSION gives, whatever the clock says when it is asked again:
 * a DER that carries a time parses to that time; a DER without one takes
 * the clock of the moment, never the remembered clock of an earlier parse;
 * and it reports how many bytes d2i took.
 */
#include <string.h>

#include <openssl/ssl.h>

#include "ossl_compat.h"
#include "seeds.h"
#include "sessder_memo.h"
#include "ticketlab/clock.h"
#include "tl_test.h"

/* der without its [1] time element: out gets the new DER, returns its
 * length (0 when der is not a SEQUENCE with a two-byte long length). */
static size_t drop_time(const unsigned char *der, size_t len, unsigned char *out, size_t cap)
{
    size_t pos = 4, n = 4;

    if (len < 4 || len > cap || der[0] != 0x30 || der[1] != 0x82)
        return 0;
    while (pos + 2 <= len) {
        size_t elen = der[pos + 1], hdr = 2;

        if (elen & 0x80) {
            size_t k = elen & 0x7f;

            elen = 0;
            for (size_t i = 0; i < k; i++)
                elen = elen << 8 | der[pos + 2 + i];
            hdr += k;
        }
        if (der[pos] != 0xa1) {
            memcpy(out + n, der + pos, hdr + elen);
            n += hdr + elen;
        }
        pos += hdr + elen;
    }
    out[0] = 0x30;
    out[1] = 0x82;
    out[2] = (unsigned char)((n - 4) >> 8);
    out[3] = (unsigned char)(n - 4);
    return n;
}

static void test_memo_follows_the_clock(void)
{
    tl_error err = { "" };
    tl_world *w = tl_seeds_world_new(TLS1_3_VERSION, TL_KEYS_EVP_CB, &err);
    tl_handshake_result r;
    unsigned char *der = NULL, timeless[8192], padded[8192];
    size_t used = 0, tlen;
    int len;
    SSL_SESSION *s;
    int64_t t0;

    TL_CHECK(w != NULL);
    if (w == NULL || tl_world_handshake(w, NULL, &r, &err) != 0 || r.n_sessions == 0) {
        TL_CHECK(0);
        tl_world_free(w);
        return;
    }
    len = i2d_SSL_SESSION(r.sessions[0], &der);
    TL_CHECK(len > 0 && (size_t)len < sizeof(padded));
    t0 = tl_session_get_time(r.sessions[0]);

    /* A DER with a time: the same session at any clock. */
    s = tl_session_d2i_memo_used(der, (size_t)len, &used);
    TL_CHECK(s != NULL && used == (size_t)len && tl_session_get_time(s) == t0);
    SSL_SESSION_free(s);
    tl_clock_advance(1000);
    s = tl_session_d2i_memo_used(der, (size_t)len, &used);
    TL_CHECK(s != NULL && used == (size_t)len && tl_session_get_time(s) == t0);
    SSL_SESSION_free(s);

    /* Trailing bytes: d2i takes the session only, and says so. */
    memcpy(padded, der, (size_t)len);
    padded[len] = 0;
    s = tl_session_d2i_memo_used(padded, (size_t)len + 1, &used);
    TL_CHECK(s != NULL && used == (size_t)len);
    SSL_SESSION_free(s);

    /* Without a time: the clock of each moment. */
    tlen = drop_time(der, (size_t)len, timeless, sizeof(timeless));
    TL_CHECK(tlen > 0 && tlen < (size_t)len);
    s = tl_session_d2i_memo_used(timeless, tlen, &used);
    TL_CHECK(s != NULL && used == tlen && tl_session_get_time(s) == tl_clock_now());
    SSL_SESSION_free(s);
    tl_clock_advance(500);
    s = tl_session_d2i_memo_used(timeless, tlen, &used);
    TL_CHECK(s != NULL && tl_session_get_time(s) == tl_clock_now());
    TL_CHECK(tl_clock_now() != t0 + 1000);
    SSL_SESSION_free(s);

    OPENSSL_free(der);
    tl_handshake_result_free(&r);
    tl_world_free(w);
}

int main(void)
{
    TL_RUN(test_memo_follows_the_clock);
    return TL_DONE();
}
