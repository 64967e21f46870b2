/*
 * tls_wire.c - TLS framing and key schedule pieces for speaking to a
 * client by hand; see tls_wire.h. The key schedule is HMAC alone
 * (tlskdf.h), so that it builds on OpenSSL 3, BoringSSL and AWS-LC.
 */
#include "tls_wire.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "fuzz_common.h"
#include "ossl_compat.h"
#include "tlskdf.h"
#include "ticketlab/rng.h"

static const EVP_CIPHER *aes_gcm;
static EVP_MD *sha256;
static EVP_MD_CTX *kdf_ctx;   /* the HMAC digest context of every derivation */

EVP_MD *tw_init(void)
{
#if TL_TLSLIB_OPENSSL
    /* In ticketlab's library context, fetched once (hmac.h says why). */
    tl_error err = { "" };
    OSSL_LIB_CTX *lc = tl_libctx(&err);

    if (lc != NULL && aes_gcm == NULL)
        aes_gcm = EVP_CIPHER_fetch(lc, "AES-128-GCM", NULL);
    if (lc != NULL && sha256 == NULL)
        sha256 = EVP_MD_fetch(lc, "SHA2-256", NULL);
#else
    /* BoringSSL and AWS-LC have their built-in algorithms only; they are
     * const there, and nobody writes through this pointer. */
    aes_gcm = EVP_aes_128_gcm();
    sha256 = (EVP_MD *)EVP_sha256();
#endif
    if (kdf_ctx == NULL)
        kdf_ctx = EVP_MD_CTX_new();
    return aes_gcm != NULL && kdf_ctx != NULL ? sha256 : NULL;
}

/* ---- bytes ------------------------------------------------------------------ */

unsigned char *tw_grow(tw_bytes *b, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        unsigned char *q;

        while (cap < b->n + n)
            cap *= 2;
        q = realloc(b->p, cap);
        if (q == NULL)
            tl_fuzz_die("out of memory");
        b->p = q;
        b->cap = cap;
    }
    b->n += n;
    return b->p + b->n - n;
}

void tw_put(tw_bytes *b, const void *d, size_t n)
{
    unsigned char *q = tw_grow(b, n);

    if (n)
        memcpy(q, d, n);
}

void tw_put_zeros(tw_bytes *b, size_t n)
{
    unsigned char *q = tw_grow(b, n);

    if (n)
        memset(q, 0, n);
}

void tw_put8(tw_bytes *b, unsigned v)
{
    *tw_grow(b, 1) = (unsigned char)v;
}

void tw_put16(tw_bytes *b, unsigned v)
{
    tw_put8(b, v >> 8);
    tw_put8(b, v);
}

void tw_put24(tw_bytes *b, unsigned long v)
{
    tw_put8(b, (unsigned)(v >> 16));
    tw_put16(b, (unsigned)(v & 0xffff));
}

void tw_put32(tw_bytes *b, uint32_t v)
{
    tw_put16(b, v >> 16);
    tw_put16(b, v & 0xffff);
}

void tw_bytes_free(tw_bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

int tw_next_record(tl_bytes *c, const unsigned char **rec, size_t *body_len)
{
    size_t start = c->off;
    const unsigned char *body;

    *rec = NULL;
    *body_len = 0;
    if (tl_bytes_take(c, 3, NULL) != 0 || tl_bytes_vec16(c, &body, body_len) != 0)
        return -1;
    *rec = c->p + start;
    return 0;
}

/* ---- keys and records ------------------------------------------------------- */

void tw_expand_label(const unsigned char *secret, size_t slen, const char *label,
                     unsigned char *out, size_t out_len)
{
    if (tl_hkdf_expand_label(kdf_ctx, sha256, secret, slen, label, NULL, 0, out, out_len) != 0)
        tl_fuzz_die("harness: HKDF-Expand-Label failed");
}

void tw_prf12(const unsigned char *secret, size_t slen, const char *label,
              const unsigned char *seed, size_t seed_len, unsigned char *out, size_t out_len)
{
    if (tl_tls12_prf(kdf_ctx, sha256, secret, slen, label, seed, seed_len, out, out_len) != 0)
        tl_fuzz_die("harness: the TLS 1.2 PRF failed");
}

/* AES-128-GCM of n bytes, in to out; the tag is written (enc) or checked.
 * Returns 1, or 0 when a tag does not match. */
/* The last AES-GCM context and what it was keyed for: records come one
 * after another under the same key, and a key schedule and a context per
 * record were most of the sealing cost against an instrumented libcrypto. */
static struct {
    EVP_CIPHER_CTX *c;
    unsigned char key[16];
    int enc;
} gcm;

int tw_gcm(int enc, const unsigned char key[16], const unsigned char nonce[12],
           const unsigned char *aad, size_t aad_len, const unsigned char *in, size_t n,
           unsigned char *out, unsigned char tag[16])
{
    unsigned char scratch[16];
    int l, ok, same = gcm.c != NULL && gcm.enc == enc && memcmp(gcm.key, key, 16) == 0;

    if (gcm.c == NULL && (gcm.c = EVP_CIPHER_CTX_new()) == NULL)
        tl_fuzz_die("out of memory");
    if ((same ? EVP_CipherInit_ex2(gcm.c, NULL, NULL, nonce, enc, NULL)
              : EVP_CipherInit_ex2(gcm.c, aes_gcm, key, nonce, enc, NULL)) != 1
        || EVP_CipherUpdate(gcm.c, NULL, &l, aad, (int)aad_len) != 1
        || (n > 0 && EVP_CipherUpdate(gcm.c, out, &l, in, (int)n) != 1))
        tl_fuzz_die("harness: AES-GCM refused");
    memcpy(gcm.key, key, 16);
    gcm.enc = enc;
    if (!enc && EVP_CIPHER_CTX_ctrl(gcm.c, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1)
        tl_fuzz_die("harness: AES-GCM refused the tag");
    ok = EVP_CipherFinal_ex(gcm.c, scratch, &l) == 1;
    if (ok && enc && EVP_CIPHER_CTX_ctrl(gcm.c, EVP_CTRL_AEAD_GET_TAG, 16, tag) != 1)
        tl_fuzz_die("harness: AES-GCM gave no tag");
    if (!ok)
        gcm.enc = -1;   /* a failed open: start afresh next time */
    ERR_clear_error();
    return ok;
}

void tw_keys13_init(tw_keys13 *k, const unsigned char *secret, size_t len)
{
    memcpy(k->secret, secret, len);
    k->secret_len = len;
    tw_expand_label(k->secret, len, "key", k->key, sizeof(k->key));
    tw_expand_label(k->secret, len, "iv", k->iv, sizeof(k->iv));
    k->seq = 0;
}

void tw_keys13_update(tw_keys13 *k)
{
    unsigned char next[EVP_MAX_MD_SIZE];

    tw_expand_label(k->secret, k->secret_len, "traffic upd", next, k->secret_len);
    tw_keys13_init(k, next, k->secret_len);
}

static void nonce13(const tw_keys13 *k, unsigned char nonce[12])
{
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (unsigned char)(k->seq >> (8 * i));
}

/* One TLS 1.3 record: fragment || content type 22 || pad zeros, sealed. */
void tw_seal13(tw_keys13 *k, tw_bytes *out, const unsigned char *frag, size_t n, size_t pad)
{
    size_t inner = n + 1 + pad;
    unsigned char hdr[5], nonce[12], tag[16], *ct;
    tw_bytes plain = { 0 };

    if (inner + 16 > 0xffff) {   /* the length field's limit */
        inner = 0xffff - 16;
        pad = inner - n - 1;
    }
    hdr[0] = SSL3_RT_APPLICATION_DATA;
    hdr[1] = 3;
    hdr[2] = 3;
    hdr[3] = (unsigned char)((inner + 16) >> 8);
    hdr[4] = (unsigned char)(inner + 16);
    tw_put(&plain, frag, n);
    tw_put8(&plain, SSL3_RT_HANDSHAKE);
    tw_put_zeros(&plain, pad);
    nonce13(k, nonce);
    tw_put(out, hdr, 5);
    ct = tw_grow(out, inner + 16);
    tw_gcm(1, k->key, nonce, hdr, 5, plain.p, inner, ct, tag);
    memcpy(ct + inner, tag, 16);
    k->seq++;
    tw_bytes_free(&plain);
}

/* Open one TLS 1.3 record; *type is the inner content type. Returns 0 or -1. */
int tw_open13(tw_keys13 *k, const unsigned char *rec, size_t len, tw_bytes *out, int *type)
{
    unsigned char nonce[12], tag[16], *pt;
    size_t n;

    if (len < 5 + 17 || rec[0] != SSL3_RT_APPLICATION_DATA)
        return -1;
    n = len - 5 - 16;
    pt = malloc(n);
    if (pt == NULL)
        tl_fuzz_die("out of memory");
    memcpy(tag, rec + len - 16, 16);
    nonce13(k, nonce);
    k->seq++;
    if (!tw_gcm(0, k->key, nonce, rec, 5, rec + 5, n, pt, tag)) {
        free(pt);
        return -1;
    }
    while (n > 0 && pt[n - 1] == 0)
        n--;
    if (n == 0) {
        free(pt);
        return -1;
    }
    *type = pt[n - 1];
    tw_put(out, pt, n - 1);
    free(pt);
    return 0;
}

/* Split the handshake messages of a stream into out[] (whole messages). */
void tw_split_messages(const tw_bytes *hs, tw_bytes *out, size_t *n, size_t max)
{
    tl_bytes c;
    const unsigned char *msg;
    uint32_t len;

    tl_bytes_init(&c, hs->p, hs->n);
    while (*n < max) {
        if (tl_bytes_take(&c, 1, &msg) != 0 || tl_bytes_u24(&c, &len) != 0
            || tl_bytes_take(&c, len, NULL) != 0)
            break;
        memset(&out[*n], 0, sizeof(out[*n]));
        tw_put(&out[*n], msg, 4 + (size_t)len);
        (*n)++;
    }
}

/* The additional data of a TLS 1.2 AEAD record with sequence number 0. */
void tw_aad12(unsigned char aad[13], size_t plain_len)
{
    memset(aad, 0, 8);
    aad[8] = SSL3_RT_HANDSHAKE;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (unsigned char)(plain_len >> 8);
    aad[12] = (unsigned char)plain_len;
}
