/*
 * ticket.c - the standalone ticket codec; see ticket.h.
 *
 * The order of checks follows tls_decrypt_ticket() in OpenSSL 3.0
 * ssl/t1_lib.c: length sanity (must exceed name + IV + MAC), key lookup,
 * HMAC over name|IV|ciphertext compared with CRYPTO_memcmp, and only then
 * decryption, d2i_SSL_SESSION and the "no bytes after the session" check.
 * Every one of our rejections is SSL_TICKET_NO_DECRYPT inside OpenSSL; the
 * codec says which one it was.
 */
#include "ticketlab/ticket.h"
#include "hmac.h"
#include "wipe.h"
#include "ossl_compat.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ticketlab/tlslib.h"
#if TL_TLSLIB_OPENSSL
#include <openssl/core_names.h>
#include <openssl/params.h>
#endif

#define HEADER_LEN (TL_KEY_NAME_LEN + TL_TICKET_IV_LEN)
#define CBC_BLOCK 16

#if TL_TLSLIB_OPENSSL
/* Fetched once: this is the fuzzing hot path, and fetches are slow. */
static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_CIPHER *aes128_cbc;
static EVP_CIPHER *aes256_cbc;

static void fetch_algorithms(void)
{
    aes128_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
    aes256_cbc = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
}

static int algorithms(tl_error *err)
{
    if (!CRYPTO_THREAD_run_once(&fetch_once, fetch_algorithms)
        || aes128_cbc == NULL || aes256_cbc == NULL || tl_hmac_sha256() == NULL)
        return tl_error_set_ssl(err, "OpenSSL has no AES-CBC or HMAC");
    return 0;
}
#else
/* BoringSSL and AWS-LC: static method tables, nothing to fetch. */
#define aes128_cbc EVP_aes_128_cbc()
#define aes256_cbc EVP_aes_256_cbc()

static int algorithms(tl_error *err)
{
    (void)err;
    return 0;
}
#endif

static const EVP_CIPHER *key_cipher(const tl_key *key)
{
    return key->aes_len == 16 ? aes128_cbc : key->aes_len == 32 ? aes256_cbc : NULL;
}

static const struct {
    const char *name;
    const char *text;
} verdicts[] = {
    [TL_TICKET_OK] = { "ok", "the ticket opens: the HMAC matches and the session parses" },
    [TL_TICKET_TOO_SHORT] = { "too-short",
        "the ticket is too short: it must be longer than name (16) + IV (16) + "
        "HMAC (32) and hold whole 16-byte cipher blocks" },
    [TL_TICKET_UNKNOWN_KEY] = { "unknown-key", "no key in the ring has the ticket's key name" },
    [TL_TICKET_RETIRED_KEY] = { "retired-key",
        "the ticket's key is older than the ring's lifetime and no longer decrypts" },
    [TL_TICKET_BAD_MAC] = { "bad-mac", "the HMAC does not match: wrong key or tampered ticket" },
    [TL_TICKET_BAD_PADDING] = { "bad-padding",
        "the HMAC matches but the CBC padding is wrong after decryption" },
    [TL_TICKET_BAD_SESSION] = { "bad-session", "the decrypted bytes are not a DER SSL_SESSION" },
    [TL_TICKET_TRAILING_BYTES] = { "trailing-bytes",
        "a session parsed, but bytes follow it (OpenSSL refuses that)" },
};

const char *tl_ticket_verdict_name(tl_ticket_verdict v)
{
    if ((size_t)v < sizeof(verdicts) / sizeof(verdicts[0]))
        return verdicts[v].name;
    return "unknown";
}

const char *tl_ticket_verdict_text(tl_ticket_verdict v)
{
    if ((size_t)v < sizeof(verdicts) / sizeof(verdicts[0]))
        return verdicts[v].text;
    return "unknown verdict";
}

/* HMAC-SHA256 of data under the key's HMAC key, into mac[32]. */
static int ticket_mac(const tl_key *key, const unsigned char *data, size_t len,
                      unsigned char mac[TL_TICKET_MAC_LEN], tl_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok;

    if (ctx == NULL)
        return tl_error_set_ssl(err, "cannot make an HMAC context");
    ok = tl_hmac(ctx, tl_hmac_sha256(), key->hmac, key->hmac_len, data, len, mac) == 0;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return tl_error_set_ssl(err, "HMAC-SHA256 failed");
    return 0;
}

static void protocol_name(int version, char *out, size_t outlen)
{
    const char *s = NULL;

    switch (version) {
    case TLS1_3_VERSION: s = "TLSv1.3"; break;
    case TLS1_2_VERSION: s = "TLSv1.2"; break;
    case TLS1_1_VERSION: s = "TLSv1.1"; break;
    case TLS1_VERSION: s = "TLSv1"; break;
    case SSL3_VERSION: s = "SSLv3"; break;
    default: break;
    }
    if (s != NULL)
        snprintf(out, outlen, "%s", s);
    else
        snprintf(out, outlen, "0x%04x", (unsigned)version & 0xffff);
}

/* Copy the parsed session's fields into info (verdict OK only). */
static int fill_fields(tl_ticket_info *info, SSL_SESSION *sess, tl_error *err)
{
    const SSL_CIPHER *c = SSL_SESSION_get0_cipher(sess);
    const char *host = SSL_SESSION_get0_hostname(sess);
    const unsigned char *alpn = NULL;
    size_t alpn_len = 0;
    void *appdata = NULL;
    size_t appdata_len = 0;

    info->protocol_version = SSL_SESSION_get_protocol_version(sess);
    protocol_name(info->protocol_version, info->protocol, sizeof(info->protocol));
    if (c != NULL) {
        info->cipher_id = (uint16_t)SSL_CIPHER_get_protocol_id(c);
        snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_CIPHER_get_name(c));
    } else {
        /* d2i_SSL_SESSION knows no such suite: show its number only */
        snprintf(info->cipher, sizeof(info->cipher), "unknown");
    }
    info->time = tl_session_get_time(sess);
    info->timeout = (int64_t)SSL_SESSION_get_timeout(sess);
    if (host != NULL) {
        /* A crafted ticket may carry a name longer than DNS allows; say so. */
        if ((size_t)snprintf(info->sni, sizeof(info->sni), "%s", host) >= sizeof(info->sni))
            memcpy(info->sni + sizeof(info->sni) - 4, "...", 4);
    }
    SSL_SESSION_get0_alpn_selected(sess, &alpn, &alpn_len);
    if (alpn != NULL) {
        /* ALPN protocols are at most 255 bytes; longer only in crafted DER */
        info->alpn_len = alpn_len < sizeof(info->alpn) ? alpn_len : sizeof(info->alpn);
        memcpy(info->alpn, alpn, info->alpn_len);
    }
    if (SSL_SESSION_get0_ticket_appdata(sess, &appdata, &appdata_len)
        && appdata != NULL && appdata_len > 0) {
        info->appdata = malloc(appdata_len);
        if (info->appdata == NULL)
            return tl_error_set(err, "out of memory");
        memcpy(info->appdata, appdata, appdata_len);
        info->appdata_len = appdata_len;
    }
    info->max_early_data = SSL_SESSION_get_max_early_data(sess);
    info->lifetime_hint = SSL_SESSION_get_ticket_lifetime_hint(sess);
    return 0;
}

/*
 * The checks OpenSSL makes before it looks for a key: the ticket must be
 * longer than name + IV + HMAC, and CBC needs whole blocks (OpenSSL finds
 * that at DecryptFinal, after the MAC, with the same result). Returns the
 * ciphertext's length, or 0 with the verdict TOO_SHORT.
 */
static size_t ciphertext_len(size_t len, tl_ticket_info *info)
{
    size_t ctlen;

    if (len <= HEADER_LEN + TL_TICKET_MAC_LEN) {
        info->verdict = TL_TICKET_TOO_SHORT;
        return 0;
    }
    ctlen = len - HEADER_LEN - TL_TICKET_MAC_LEN;
    if (ctlen % CBC_BLOCK != 0 || ctlen > INT_MAX) {
        info->verdict = TL_TICKET_TOO_SHORT;
        return 0;
    }
    return ctlen;
}

/* The ring's key for the ticket's name. Returns it, or NULL with the
 * verdict UNKNOWN_KEY or RETIRED_KEY. */
static const tl_key *ticket_key(const tl_keyring *kr, const unsigned char *ticket,
                                tl_ticket_info *info)
{
    int retired = 0;
    const tl_key *key = tl_keyring_find_any(kr, ticket, &retired);

    if (key == NULL) {
        info->verdict = TL_TICKET_UNKNOWN_KEY;
        return NULL;
    }
    if (retired) {
        info->verdict = TL_TICKET_RETIRED_KEY;
        return NULL;
    }
    info->key_is_newest = key == tl_keyring_slot(kr, 0);
    return key;
}

/*
 * AES-CBC-decrypt the ctlen bytes after the ticket's name and IV into
 * plain (ctlen bytes of room); info->plaintext_len is what is left after
 * the padding. Returns 0, 1 with the verdict BAD_PADDING, or -1 with err.
 */
static int ticket_decrypt(const tl_key *key, const unsigned char *ticket, size_t ctlen,
                          unsigned char *plain, tl_ticket_info *info, tl_error *err)
{
    EVP_CIPHER_CTX *cctx = EVP_CIPHER_CTX_new();
    int outl = 0, finl = 0, rc = -1;

    if (cctx == NULL) {
        tl_error_set(err, "out of memory");
        return -1;
    }
    if (!EVP_DecryptInit_ex2(cctx, key_cipher(key), key->aes,
                             ticket + TL_KEY_NAME_LEN, NULL)
        || !EVP_DecryptUpdate(cctx, plain, &outl, ticket + HEADER_LEN, (int)ctlen)) {
        tl_error_set_ssl(err, "AES-CBC decryption could not start");
    } else if (!EVP_DecryptFinal_ex(cctx, plain + outl, &finl)) {
        ERR_clear_error();
        info->verdict = TL_TICKET_BAD_PADDING;
        rc = 1;
    } else {
        info->plaintext_len = (size_t)outl + (size_t)finl;
        rc = 0;
    }
    EVP_CIPHER_CTX_free(cctx);
    return rc;
}

/* Parse the decrypted bytes as OpenSSL would: one DER SSL_SESSION and
 * nothing after it. Sets the verdict; on OK also the session and the
 * fields. Returns 0, or -1 with err. */
static int ticket_session(tl_ticket_info *info, const unsigned char *plain, tl_error *err)
{
    const unsigned char *p = plain;
    SSL_SESSION *sess = d2i_SSL_SESSION(NULL, &p, (long)info->plaintext_len);

    if (sess == NULL) {
        ERR_clear_error();
        info->verdict = TL_TICKET_BAD_SESSION;
        return 0;
    }
    if ((size_t)(p - plain) != info->plaintext_len) {
        SSL_SESSION_free(sess);
        info->verdict = TL_TICKET_TRAILING_BYTES;
        return 0;
    }
    info->session = sess;
    info->verdict = TL_TICKET_OK;
    return fill_fields(info, sess, err);
}

int tl_ticket_open(const tl_keyring *kr, const unsigned char *ticket,
                   size_t len, tl_ticket_info *info, tl_error *err)
{
    const tl_key *key;
    unsigned char mac[TL_TICKET_MAC_LEN];
    unsigned char *plain;
    size_t ctlen;
    int rc;

    memset(info, 0, sizeof(*info));
    if (len >= TL_KEY_NAME_LEN)
        memcpy(info->key_name, ticket, TL_KEY_NAME_LEN);
    ctlen = ciphertext_len(len, info);
    if (ctlen == 0)
        return 0;
    if (algorithms(err) != 0)
        return -1;
    key = ticket_key(kr, ticket, info);
    if (key == NULL)
        return 0;
    if (key_cipher(key) == NULL)
        return tl_error_set(err, "key has an AES key of %zu bytes", key->aes_len);

    /* The MAC first, in constant time; nothing is decrypted before it passes. */
    if (ticket_mac(key, ticket, len - TL_TICKET_MAC_LEN, mac, err) != 0)
        return -1;
    if (CRYPTO_memcmp(mac, ticket + len - TL_TICKET_MAC_LEN, TL_TICKET_MAC_LEN) != 0) {
        info->verdict = TL_TICKET_BAD_MAC;
        return 0;
    }
    plain = malloc(ctlen);
    if (plain == NULL)
        return tl_error_set(err, "out of memory");
    rc = ticket_decrypt(key, ticket, ctlen, plain, info, err);
    if (rc == 0)
        rc = ticket_session(info, plain, err);
    else if (rc == 1)
        rc = 0;   /* the verdict is BAD_PADDING */
    tl_wipe_free(plain, ctlen);
    return rc;
}

void tl_ticket_info_clear(tl_ticket_info *info)
{
    if (info == NULL)
        return;
    free(info->appdata);
    SSL_SESSION_free(info->session);
    memset(info, 0, sizeof(*info));
}

int tl_ticket_seal(const tl_key *key, const unsigned char iv[TL_TICKET_IV_LEN],
                   const unsigned char *plain, size_t plain_len,
                   unsigned char **out, size_t *outlen, tl_error *err)
{
    EVP_CIPHER_CTX *cctx = NULL;
    unsigned char *buf = NULL;
    size_t ctmax, total;
    int outl = 0, finl = 0;

    *out = NULL;
    *outlen = 0;
    if (algorithms(err) != 0)
        return -1;
    if (key_cipher(key) == NULL)
        return tl_error_set(err, "key has an AES key of %zu bytes; 16 or 32 needed",
                            key->aes_len);
    if (key->hmac_len != 16 && key->hmac_len != 32)
        return tl_error_set(err, "key has an HMAC key of %zu bytes; 16 or 32 needed",
                            key->hmac_len);
    /* PKCS#7 always pads: one to 16 bytes more than the input */
    if (plain_len > (size_t)INT_MAX - 2 * CBC_BLOCK)
        return tl_error_set(err, "a ticket of %zu bytes is too large to seal", plain_len);
    ctmax = (plain_len / CBC_BLOCK + 1) * CBC_BLOCK;
    total = HEADER_LEN + ctmax + TL_TICKET_MAC_LEN;
    buf = malloc(total);
    cctx = EVP_CIPHER_CTX_new();
    if (buf == NULL || cctx == NULL) {
        tl_error_set(err, "out of memory");
        goto fail;
    }
    memcpy(buf, key->name, TL_KEY_NAME_LEN);
    memcpy(buf + TL_KEY_NAME_LEN, iv, TL_TICKET_IV_LEN);
    if (!EVP_EncryptInit_ex2(cctx, key_cipher(key), key->aes, iv, NULL)
        || !EVP_EncryptUpdate(cctx, buf + HEADER_LEN, &outl, plain, (int)plain_len)
        || !EVP_EncryptFinal_ex(cctx, buf + HEADER_LEN + outl, &finl)) {
        tl_error_set_ssl(err, "AES-CBC encryption failed");
        goto fail;
    }
    if ((size_t)outl + (size_t)finl != ctmax) {
        tl_error_set(err, "AES-CBC gave %d bytes, expected %zu", outl + finl, ctmax);
        goto fail;
    }
    if (ticket_mac(key, buf, HEADER_LEN + ctmax, buf + HEADER_LEN + ctmax, err) != 0)
        goto fail;
    EVP_CIPHER_CTX_free(cctx);
    *out = buf;
    *outlen = total;
    return 0;
fail:
    EVP_CIPHER_CTX_free(cctx);
    free(buf);
    return -1;
}
