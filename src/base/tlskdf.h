/*
 * tlskdf.h - the two TLS key derivations ticketlab computes by hand, on
 * HMAC alone (hmac.h), so that they build on every library ticketlab
 * supports: OpenSSL 3's EVP_KDF ("HKDF", "TLS1-PRF") is not in BoringSSL
 * or AWS-LC, and their HKDF calls are not in OpenSSL under the same names.
 *
 *   tl_hkdf_expand_label  HKDF-Expand-Label (RFC 8446 7.1, on RFC 5869 2.3):
 *                         the PSK probe's binder, fuzz_client_ticket's
 *                         traffic keys
 *   tl_tls12_prf          the TLS 1.2 PRF, P_hash (RFC 5246 5):
 *                         fuzz_client_ticket's key block and Finished
 *
 * Both take the digest context the caller keeps and the digest itself, as
 * tl_hmac does (on OpenSSL 3, a fetched digest).
 */
#ifndef TICKETLAB_TLSKDF_H
#define TICKETLAB_TLSKDF_H

#include <stddef.h>

#include <openssl/evp.h>

/* The longest label and context tl_hkdf_expand_label takes (their u8 length fields). */
#define TL_KDF_MAX_LABEL 249   /* 255 less "tls13 " */
#define TL_KDF_MAX_CONTEXT 255

/* The most label and seed bytes together that tl_tls12_prf takes. */
#define TL_PRF_MAX_SEED 256

/*
 * tl_hkdf_expand_label - HKDF-Expand-Label(secret, label, context, out_len)
 * with md: out_len bytes of HKDF-Expand(secret, HkdfLabel), where HkdfLabel
 * is out_len (u16), "tls13 " + label (u8 length) and context (u8 length).
 * context may be NULL when context_len is 0. Returns 0, or -1 when the
 * label or context is too long, out_len is over 255 hash blocks (or 65535),
 * or the library fails.
 */
int tl_hkdf_expand_label(EVP_MD_CTX *ctx, const EVP_MD *md, const unsigned char *secret,
                         size_t secret_len, const char *label, const unsigned char *context,
                         size_t context_len, unsigned char *out, size_t out_len);

/*
 * tl_tls12_prf - PRF(secret, label, seed) of TLS 1.2 with md (P_hash):
 * out_len bytes of HMAC(secret, A(1) | label | seed) | HMAC(secret, A(2) |
 * label | seed) | ..., where A(0) = label | seed and A(i) = HMAC(secret,
 * A(i-1)). Returns 0, or -1 when label and seed are over TL_PRF_MAX_SEED
 * bytes together or the library fails.
 */
int tl_tls12_prf(EVP_MD_CTX *ctx, const EVP_MD *md, const unsigned char *secret,
                 size_t secret_len, const char *label, const unsigned char *seed,
                 size_t seed_len, unsigned char *out, size_t out_len);

#endif
