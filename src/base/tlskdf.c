/* tlskdf.c - HKDF-Expand-Label and the TLS 1.2 PRF on HMAC; see tlskdf.h. */
#include "tlskdf.h"

#include <string.h>

#include <openssl/crypto.h>

#include "hmac.h"

int tl_hkdf_expand_label(EVP_MD_CTX *ctx, const EVP_MD *md, const unsigned char *secret,
                         size_t secret_len, const char *label, const unsigned char *context,
                         size_t context_len, unsigned char *out, size_t out_len)
{
    /* T(i) = HMAC(secret, T(i-1) | HkdfLabel | i): the buffer holds all three. */
    unsigned char buf[EVP_MAX_MD_SIZE + 2 + 1 + 6 + TL_KDF_MAX_LABEL + 1 + TL_KDF_MAX_CONTEXT + 1];
    unsigned char t[EVP_MAX_MD_SIZE];
    size_t label_len = strlen(label), info = 0, prev = 0, done = 0;
    int size = EVP_MD_size(md), rc = 0;
    unsigned char *p = buf + EVP_MAX_MD_SIZE;   /* HkdfLabel starts here */

    if (size <= 0 || label_len > TL_KDF_MAX_LABEL || context_len > TL_KDF_MAX_CONTEXT
        || out_len > 0xffff || out_len > 255 * (size_t)size)
        return -1;
    p[info++] = (unsigned char)(out_len >> 8);
    p[info++] = (unsigned char)out_len;
    p[info++] = (unsigned char)(6 + label_len);
    memcpy(p + info, "tls13 ", 6);
    memcpy(p + info + 6, label, label_len);
    info += 6 + label_len;
    p[info++] = (unsigned char)context_len;
    if (context_len)
        memcpy(p + info, context, context_len);
    info += context_len;
    for (unsigned i = 1; done < out_len; i++) {
        size_t n = out_len - done < (size_t)size ? out_len - done : (size_t)size;

        /* T(i-1) goes just before HkdfLabel (none before T(1)), the counter after it. */
        memcpy(p - prev, t, prev);
        p[info] = (unsigned char)i;
        if (tl_hmac(ctx, md, secret, secret_len, p - prev, prev + info + 1, t) != 0) {
            rc = -1;
            break;
        }
        memcpy(out + done, t, n);
        done += n;
        prev = (size_t)size;
    }
    OPENSSL_cleanse(t, sizeof(t));
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}

int tl_tls12_prf(EVP_MD_CTX *ctx, const EVP_MD *md, const unsigned char *secret,
                 size_t secret_len, const char *label, const unsigned char *seed,
                 size_t seed_len, unsigned char *out, size_t out_len)
{
    /* A(i) | label | seed: A(i) in the first `size` bytes, label | seed after. */
    unsigned char buf[EVP_MAX_MD_SIZE + TL_PRF_MAX_SEED], block[EVP_MAX_MD_SIZE];
    size_t label_len = strlen(label), ls, done = 0;
    int size = EVP_MD_size(md), rc = 0;
    unsigned char *a = buf, *ls_p;

    if (size <= 0 || label_len > TL_PRF_MAX_SEED || seed_len > TL_PRF_MAX_SEED - label_len)
        return -1;
    ls = label_len + seed_len;
    ls_p = buf + size;
    memcpy(ls_p, label, label_len);
    if (seed_len)
        memcpy(ls_p + label_len, seed, seed_len);
    /* A(1) = HMAC(secret, A(0)), A(0) = label | seed. */
    if (tl_hmac(ctx, md, secret, secret_len, ls_p, ls, a) != 0)
        rc = -1;
    while (rc == 0 && done < out_len) {
        size_t n = out_len - done < (size_t)size ? out_len - done : (size_t)size;

        if (tl_hmac(ctx, md, secret, secret_len, buf, (size_t)size + ls, block) != 0
            || tl_hmac(ctx, md, secret, secret_len, a, (size_t)size, a) != 0) {
            rc = -1;
            break;
        }
        memcpy(out + done, block, n);
        done += n;
    }
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}
