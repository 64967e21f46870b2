/*
 * hmac.h - HMAC (RFC 2104) on a digest context the caller keeps.
 *
 * OpenSSL 3's one-shot HMAC calls (EVP_Q_mac, HMAC()) fetch the MAC and its
 * digest, and make and free their contexts, on every call: several times
 * the cost of hashing a short message. A fuzz target that seals a ticket or
 * computes a PSK binder for every input keeps a fetched digest and one
 * EVP_MD_CTX instead, and computes HMAC from the digest directly.
 */
#ifndef TICKETLAB_HMAC_H
#define TICKETLAB_HMAC_H

#include <stddef.h>

#include <openssl/evp.h>

/*
 * tl_hmac - HMAC-md(key, data) into out (EVP_MD_size(md) bytes), on ctx
 * (any state: it is re-initialised). On OpenSSL 3, md should be fetched
 * (EVP_MD_fetch): with a built-in one such as EVP_sha256() OpenSSL fetches
 * it again on every initialisation; BoringSSL and AWS-LC have only the
 * built-in ones. Returns 0, or -1 when the library fails or md has no
 * block size (an XOF).
 */
int tl_hmac(EVP_MD_CTX *ctx, const EVP_MD *md, const unsigned char *key, size_t key_len,
            const unsigned char *data, size_t len, unsigned char *out);

/*
 * tl_hmac_sha256 - SHA-256 for tl_hmac, fetched once per process (OpenSSL 3,
 * the default library context); EVP_sha256() on BoringSSL and AWS-LC.
 * Returns NULL only when OpenSSL cannot fetch it.
 */
const EVP_MD *tl_hmac_sha256(void);

#endif
