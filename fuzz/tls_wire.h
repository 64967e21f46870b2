/*
 * tls_wire.h - just enough of a TLS server's wire format to speak to a
 * client by hand: growing byte buffers with big-endian writers,
 * handshake message framing, the TLS 1.3 key schedule steps for the
 * server's application traffic keys (RFC 8446 7.1-7.3) and their records
 * (5.2), and the TLS 1.2 PRF and AEAD record pieces (RFC 5246 5, 6.2.3.3).
 * Only what fuzz_client_ticket needs: SHA-256 and AES-128-GCM, one suite
 * per version.
 *
 * Not for untrusted-input parsing of its own: a fault of this machinery
 * (out of memory, an algorithm the library refuses) ends the
 * process with tl_fuzz_die(), so that it can never pass for a finding.
 */
#ifndef TICKETLAB_TLS_WIRE_H
#define TICKETLAB_TLS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "bytes.h"

/* A growing byte buffer; { 0 } is an empty one. */
typedef struct tw_bytes {
    unsigned char *p;
    size_t n, cap;
} tw_bytes;

/*
 * tw_init - get the algorithms (AES-128-GCM, SHA-256 for HMAC), once per
 * process: on OpenSSL 3 fetched from ticketlab's library context, on
 * BoringSSL and AWS-LC their built-in ones. Returns the SHA-256 the target
 * hashes transcripts with too, or NULL when the library lacks one of them.
 */
EVP_MD *tw_init(void);

/* tw_grow - append n bytes to b and return where they start (not cleared). */
unsigned char *tw_grow(tw_bytes *b, size_t n);

/* tw_put / tw_put_zeros - append n bytes of d / of zeros to b. */
void tw_put(tw_bytes *b, const void *d, size_t n);
void tw_put_zeros(tw_bytes *b, size_t n);

/* tw_put8 .. tw_put32 - append v big-endian in 1, 2, 3 or 4 bytes. */
void tw_put8(tw_bytes *b, unsigned v);
void tw_put16(tw_bytes *b, unsigned v);
void tw_put24(tw_bytes *b, unsigned long v);
void tw_put32(tw_bytes *b, uint32_t v);

/* tw_bytes_free - free b's memory and leave it empty. */
void tw_bytes_free(tw_bytes *b);

/*
 * tw_next_record - step the cursor c over the next whole TLS record: *rec
 * points at its 5-byte header and *body_len is the body's length.
 * Returns 0, or -1 when no whole record is left (c is then bad).
 */
int tw_next_record(tl_bytes *c, const unsigned char **rec, size_t *body_len);

/*
 * tw_split_messages - the whole handshake messages (4-byte header and body)
 * at the start of hs, each copied into out[*n], out[*n + 1], ... up to max;
 * *n is advanced. A message cut short ends the split.
 */
void tw_split_messages(const tw_bytes *hs, tw_bytes *out, size_t *n, size_t max);

/* tw_expand_label - HKDF-Expand-Label(secret, label, "", out_len) with SHA-256 (RFC 8446 7.1). */
void tw_expand_label(const unsigned char *secret, size_t slen, const char *label,
                     unsigned char *out, size_t out_len);

/* tw_prf12 - the TLS 1.2 PRF with SHA-256 (RFC 5246 5): out_len bytes of
 * PRF(secret, label, seed); label and seed together at most 256 bytes. */
void tw_prf12(const unsigned char *secret, size_t slen, const char *label,
              const unsigned char *seed, size_t seed_len, unsigned char *out, size_t out_len);

/*
 * tw_gcm - AES-128-GCM of n bytes from in to out, with aad; encrypting
 * (enc = 1) writes the tag, decrypting checks it. Returns 1, or 0 when the
 * tag does not match.
 */
int tw_gcm(int enc, const unsigned char key[16], const unsigned char nonce[12],
           const unsigned char *aad, size_t aad_len, const unsigned char *in, size_t n,
           unsigned char *out, unsigned char tag[16]);

/* A TLS 1.3 traffic secret, its AES-128-GCM key and IV, and the record sequence number. */
typedef struct tw_keys13 {
    unsigned char secret[EVP_MAX_MD_SIZE];
    size_t secret_len;
    unsigned char key[16], iv[12];
    uint64_t seq;
} tw_keys13;

/* tw_keys13_init - the key and IV of `secret` (RFC 8446 7.3), sequence number 0. */
void tw_keys13_init(tw_keys13 *k, const unsigned char *secret, size_t len);

/* tw_keys13_update - move to the next secret ("traffic upd", RFC 8446 7.2), as after a KeyUpdate. */
void tw_keys13_update(tw_keys13 *k);

/*
 * tw_seal13 - append to out one TLS 1.3 record carrying the handshake
 * fragment frag (n bytes) with pad zeros of padding (less when the record
 * would pass the length field's limit), sealed with k; k->seq advances.
 */
void tw_seal13(tw_keys13 *k, tw_bytes *out, const unsigned char *frag, size_t n, size_t pad);

/*
 * tw_open13 - open the TLS 1.3 record rec (len bytes, header included) with
 * k (k->seq advances), append its content to out and set *type to the
 * inner content type. Returns 0, or -1 when it is not a well-formed record
 * sealed with k.
 */
int tw_open13(tw_keys13 *k, const unsigned char *rec, size_t len, tw_bytes *out, int *type);

/* tw_aad12 - the additional data of a TLS 1.2 AEAD handshake record with
 * sequence number 0 and plain_len bytes of plaintext (RFC 5246 6.2.3.3). */
void tw_aad12(unsigned char aad[13], size_t plain_len);

#endif
