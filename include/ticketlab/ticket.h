/*
 * ticket.h - the standalone ticket codec.
 *
 * Opens and seals tickets in OpenSSL's format outside TLS:
 *
 *     key name (16) | IV (16) | AES-CBC(DER SSL_SESSION) | HMAC-SHA256 (32)
 *
 * The HMAC covers name, IV and ciphertext, and is checked in constant time
 * before anything is decrypted, as tls_decrypt_ticket() in ssl/t1_lib.c does.
 */
#ifndef TICKETLAB_TICKET_H
#define TICKETLAB_TICKET_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "ticketlab/error.h"
#include "ticketlab/keyring.h"

#define TL_TICKET_IV_LEN 16
#define TL_TICKET_MAC_LEN 32

typedef enum tl_ticket_verdict {
    TL_TICKET_OK = 0,
    TL_TICKET_TOO_SHORT,       /* not longer than name + IV + MAC, or no whole block */
    TL_TICKET_UNKNOWN_KEY,     /* no key in the ring has this name */
    TL_TICKET_RETIRED_KEY,     /* the key exists but is past its lifetime */
    TL_TICKET_BAD_MAC,         /* HMAC does not match */
    TL_TICKET_BAD_PADDING,     /* MAC fine, CBC padding wrong after decryption */
    TL_TICKET_BAD_SESSION,     /* plaintext is not a DER SSL_SESSION */
    TL_TICKET_TRAILING_BYTES   /* a session parsed, but bytes follow it */
} tl_ticket_verdict;

typedef struct tl_ticket_info {
    tl_ticket_verdict verdict;
    unsigned char key_name[16];    /* valid when the ticket has >= 16 bytes */
    int key_is_newest;             /* 1 if opened with the ring's newest key */
    size_t plaintext_len;          /* bytes after decryption (0 if none) */
    /* Fields of the session, valid when verdict is TL_TICKET_OK: */
    int protocol_version;          /* e.g. TLS1_3_VERSION (0x0304) */
    char protocol[16];             /* "TLSv1.3" */
    char cipher[64];               /* IANA-ish OpenSSL name, or "0x1302" if unknown */
    uint16_t cipher_id;            /* the IANA cipher suite number */
    int64_t time;                  /* creation time, seconds since the epoch */
    int64_t timeout;               /* seconds */
    char sni[256];                 /* "" if none */
    unsigned char alpn[256];
    size_t alpn_len;
    unsigned char *appdata;        /* malloc'd copy, NULL if none */
    size_t appdata_len;
    uint32_t max_early_data;
    uint64_t lifetime_hint;
    SSL_SESSION *session;          /* owned; freed by tl_ticket_info_clear */
} tl_ticket_info;

/* tl_ticket_verdict_name - "ok", "too-short", "unknown-key", ... */
const char *tl_ticket_verdict_name(tl_ticket_verdict v);

/* tl_ticket_verdict_text - one sentence a person understands. */
const char *tl_ticket_verdict_text(tl_ticket_verdict v);

/*
 * tl_ticket_open - open `len` bytes of ticket with the keys in kr and fill
 * info. A rejected ticket is not an error: the verdict says why.
 * Returns 0 when a verdict was reached, -1 on an internal failure (out of
 * memory, OpenSSL refused a cipher) with the reason in err.
 * Call tl_ticket_info_clear() afterwards in either case.
 */
int tl_ticket_open(const tl_keyring *kr, const unsigned char *ticket,
                   size_t len, tl_ticket_info *info, tl_error *err);

/* tl_ticket_info_clear - free what info owns and zero it. */
void tl_ticket_info_clear(tl_ticket_info *info);

/*
 * tl_ticket_seal - encrypt and MAC `plain` (normally a DER SSL_SESSION) under
 * `key` with the given IV. *out is malloc'd (caller frees).
 * Returns 0 or -1 with err.
 */
int tl_ticket_seal(const tl_key *key, const unsigned char iv[TL_TICKET_IV_LEN],
                   const unsigned char *plain, size_t plain_len,
                   unsigned char **out, size_t *outlen, tl_error *err);

#endif
