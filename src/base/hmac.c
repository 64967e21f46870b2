/* hmac.c - HMAC on a digest context the caller keeps; see hmac.h. */
#include "hmac.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ticketlab/tlslib.h"

#define BLOCK_MAX 200   /* the largest digest block (SHA3-224: 144) with room */

/* H(pad xor (0x36 or 0x5c), block bytes | data), into out. */
static int pad_hash(EVP_MD_CTX *ctx, const EVP_MD *md, const unsigned char *pad, size_t block,
                    const unsigned char *data, size_t len, unsigned char *out)
{
    return EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, pad, block)
           && EVP_DigestUpdate(ctx, data, len) && EVP_DigestFinal_ex(ctx, out, NULL) ? 0 : -1;
}

int tl_hmac(EVP_MD_CTX *ctx, const EVP_MD *md, const unsigned char *key, size_t key_len,
            const unsigned char *data, size_t len, unsigned char *out)
{
    unsigned char pad[BLOCK_MAX], inner[EVP_MAX_MD_SIZE];
    int block = EVP_MD_block_size(md), size = EVP_MD_size(md), rc = -1;

    if (block <= 0 || block > BLOCK_MAX || size <= 0 || size > EVP_MAX_MD_SIZE)
        return -1;
    memset(pad, 0, (size_t)block);
    /* A key longer than a block is hashed first (RFC 2104, section 2). */
    if (key_len > (size_t)block) {
        if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, key, key_len)
            || !EVP_DigestFinal_ex(ctx, pad, NULL))
            goto done;
    } else if (key_len > 0) {
        memcpy(pad, key, key_len);
    }
    for (int i = 0; i < block; i++)
        pad[i] ^= 0x36;
    if (pad_hash(ctx, md, pad, (size_t)block, data, len, inner) != 0)
        goto done;
    for (int i = 0; i < block; i++)
        pad[i] ^= 0x36 ^ 0x5c;
    rc = pad_hash(ctx, md, pad, (size_t)block, inner, (size_t)size, out);
done:
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(inner, sizeof(inner));
    return rc;
}

#if TL_TLSLIB_OPENSSL
/* Fetched once: a fetch by name costs more than the HMAC of a short input. */
static CRYPTO_ONCE sha256_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *sha256;

static void fetch_sha256(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *tl_hmac_sha256(void)
{
    return CRYPTO_THREAD_run_once(&sha256_once, fetch_sha256) ? sha256 : NULL;
}
#else
const EVP_MD *tl_hmac_sha256(void)
{
    return EVP_sha256();
}
#endif
