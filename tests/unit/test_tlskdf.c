/*
 * test_tlskdf.c - HKDF-Expand-Label and the TLS 1.2 PRF of tlskdf.h, on
 * HMAC alone, against the library's own: OpenSSL 3's EVP_KDF ("HKDF" in
 * expand-only mode, "TLS1-PRF"); on BoringSSL and AWS-LC HKDF_expand (their
 * TLS 1.2 PRF is not public: there only the lengths and limits are checked).
 * Every output length from 1 to 3 hash blocks and more, SHA-256 and SHA-384.
 */
#include <string.h>

#include <openssl/evp.h>

#include "ticketlab/tlslib.h"
#include "tl_test.h"
#include "tlskdf.h"

#if TL_TLSLIB_OPENSSL
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#else
#include <openssl/hkdf.h>
#endif

#define MAX_OUT 160

/* The HkdfLabel of RFC 8446 7.1 for the label "traffic upd", written out
 * here on its own (a literal header), for the library's HKDF-Expand. */
static size_t hkdf_label(unsigned char *info, size_t out_len, const unsigned char *ctx,
                         size_t ctx_len)
{
    static const char label[] = "\x11tls13 traffic upd";   /* u8 length, 6 + 11 bytes */

    info[0] = (unsigned char)(out_len >> 8);
    info[1] = (unsigned char)out_len;
    memcpy(info + 2, label, sizeof(label) - 1);
    info[2 + sizeof(label) - 1] = (unsigned char)ctx_len;
    memcpy(info + 3 + sizeof(label) - 1, ctx, ctx_len);
    return 3 + sizeof(label) - 1 + ctx_len;
}

#if TL_TLSLIB_OPENSSL
/* out_len bytes of the EVP_KDF `name` with params p. Returns 0 or -1. */
static int lib_kdf(const char *name, OSSL_PARAM *p, unsigned char *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
    EVP_KDF_CTX *k = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    int rc = k != NULL && EVP_KDF_derive(k, out, out_len, p) == 1 ? 0 : -1;

    EVP_KDF_CTX_free(k);
    EVP_KDF_free(kdf);
    return rc;
}
#endif

/* HKDF-Expand(secret, info, out_len) by the library. Returns 0 or -1. */
static int lib_expand(const EVP_MD *md, const char *md_name, const unsigned char *secret,
                      size_t slen, const unsigned char *info, size_t ilen, unsigned char *out,
                      size_t out_len)
{
#if TL_TLSLIB_OPENSSL
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[5];

    (void)md;
    p[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    p[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_name, 0);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen);
    p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, ilen);
    p[4] = OSSL_PARAM_construct_end();
    return lib_kdf("HKDF", p, out, out_len);
#else
    (void)md_name;
    return HKDF_expand(out, out_len, md, secret, slen, info, ilen) == 1 ? 0 : -1;
#endif
}

static void test_expand_label(void)
{
    static const struct { const char *name; const EVP_MD *(*md)(void); } mds[] = {
        { "SHA256", EVP_sha256 }, { "SHA384", EVP_sha384 },
    };
    unsigned char secret[48], ctx[48], info[600], want[MAX_OUT], got[MAX_OUT];
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    TL_CHECK(c != NULL);
    for (size_t i = 0; i < sizeof(secret); i++) {
        secret[i] = (unsigned char)(i * 13 + 1);
        ctx[i] = (unsigned char)(i * 7 + 3);
    }
    for (size_t m = 0; c != NULL && m < 2; m++) {
        const EVP_MD *md = mds[m].md();
        size_t hlen = (size_t)EVP_MD_size(md);

        for (size_t len = 1; len <= MAX_OUT; len++) {
            size_t ctx_len = len % 3 == 0 ? hlen : 0;   /* with and without a context */
            size_t ilen = hkdf_label(info, len, ctx, ctx_len);

            memset(got, 0, sizeof(got));
            TL_CHECK(lib_expand(md, mds[m].name, secret, hlen, info, ilen, want, len) == 0);
            TL_CHECK(tl_hkdf_expand_label(c, md, secret, hlen, "traffic upd", ctx, ctx_len, got,
                                          len) == 0);
            if (memcmp(got, want, len) != 0) {
                fprintf(stderr, "HKDF-Expand-Label %s, %zu bytes: differs\n", mds[m].name, len);
                TL_CHECK(0);
            }
        }
    }
    EVP_MD_CTX_free(c);
}

static void test_expand_label_limits(void)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char secret[32] = { 1 }, out[32];
    char label[TL_KDF_MAX_LABEL + 2];

    TL_CHECK(c != NULL);
    memset(label, 'a', sizeof(label) - 1);
    label[sizeof(label) - 1] = '\0';   /* one byte too long */
    TL_CHECK(tl_hkdf_expand_label(c, EVP_sha256(), secret, 32, label, NULL, 0, out, 32) == -1);
    label[TL_KDF_MAX_LABEL] = '\0';    /* the longest */
    TL_CHECK(tl_hkdf_expand_label(c, EVP_sha256(), secret, 32, label, NULL, 0, out, 32) == 0);
    TL_CHECK(tl_hkdf_expand_label(c, EVP_sha256(), secret, 32, "key", NULL, 0, out,
                                  255 * 32 + 1) == -1);
    EVP_MD_CTX_free(c);
}

#if TL_TLSLIB_OPENSSL
/* PRF(secret, label, seed) by OpenSSL's TLS1-PRF. Returns 0 or -1. */
static int lib_prf(const char *md_name, const unsigned char *secret, size_t slen,
                   const char *label, const unsigned char *seed, size_t seed_len,
                   unsigned char *out, size_t out_len)
{
    unsigned char s[TL_PRF_MAX_SEED];
    size_t ll = strlen(label);
    OSSL_PARAM p[4];

    memcpy(s, label, ll);
    memcpy(s + ll, seed, seed_len);
    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md_name, 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, slen);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, s, ll + seed_len);
    p[3] = OSSL_PARAM_construct_end();
    return lib_kdf("TLS1-PRF", p, out, out_len);
}
#endif

static void test_prf(void)
{
    static const struct { const char *name; const EVP_MD *(*md)(void); } mds[] = {
        { "SHA256", EVP_sha256 }, { "SHA384", EVP_sha384 },
    };
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char secret[48], seed[64], got[MAX_OUT], big[TL_PRF_MAX_SEED];

    TL_CHECK(c != NULL);
    for (size_t i = 0; i < sizeof(secret); i++)
        secret[i] = (unsigned char)(i * 31 + 5);
    for (size_t i = 0; i < sizeof(seed); i++)
        seed[i] = (unsigned char)(i * 17 + 9);
    for (size_t m = 0; c != NULL && m < 2; m++) {
        for (size_t len = 1; len <= MAX_OUT; len++) {
            TL_CHECK(tl_tls12_prf(c, mds[m].md(), secret, 48, "key expansion", seed, 64, got,
                                  len) == 0);
#if TL_TLSLIB_OPENSSL
            unsigned char want[MAX_OUT];

            TL_CHECK(lib_prf(mds[m].name, secret, 48, "key expansion", seed, 64, want, len) == 0);
            if (memcmp(got, want, len) != 0) {
                fprintf(stderr, "TLS 1.2 PRF %s, %zu bytes: differs\n", mds[m].name, len);
                TL_CHECK(0);
            }
#endif
        }
    }
    /* label and seed over TL_PRF_MAX_SEED bytes together */
    memset(big, 7, sizeof(big));
    TL_CHECK(tl_tls12_prf(c, EVP_sha256(), secret, 48, "x", big, sizeof(big), got, 12) == -1);
    TL_CHECK(tl_tls12_prf(c, EVP_sha256(), secret, 48, "x", big, sizeof(big) - 1, got, 12) == 0);
    EVP_MD_CTX_free(c);
}

int main(void)
{
    TL_RUN(test_expand_label);
    TL_RUN(test_expand_label_limits);
    TL_RUN(test_prf);
    return TL_DONE();
}
