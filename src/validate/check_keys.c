/*
 * check_keys.c - the key checks on a plug-in; see validate.h and keyhunt.h.
 *
 *   keys.constant  a ticket of the plug-in's is opened with the offline
 *                  codec (ticket.h) under every one-byte-repeated key, all
 *                  zeros included: for the HMAC key as it is, for the AES
 *                  key after re-MACing the ticket under a key we know. A
 *                  key found compiled into the plug-in's read-only data is
 *                  a constant key too.
 *   keys.distinct  the HMAC key is not the AES key, decided when one of them
 *                  can be confirmed (keyhunt.h); "not checked" otherwise.
 *   keys.strength  the AES key length against the negotiated suite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ossl_compat.h"

#include "ticketlab/ticket.h"
#include "state.h"

typedef struct constant_keys {
    int hmac_byte, aes_byte;       /* -1: not constant */
    size_t hmac_len, aes_len;
} constant_keys;

/* Open t under one key named like it. Returns the verdict, or -1 on error. */
static int open_with(const unsigned char *t, size_t len, const unsigned char *aes, size_t aes_len,
                     const unsigned char *hmac, size_t hmac_len, tl_error *err)
{
    tl_keyring *kr = tl_keyring_new(0);
    tl_ticket_info info;
    tl_key k;
    int rc = -1;

    memset(&info, 0, sizeof(info));
    memset(&k, 0, sizeof(k));
    if (kr == NULL)
        return tl_error_set(err, "out of memory");
    memcpy(k.name, t, TL_KEY_NAME_LEN);
    memcpy(k.aes, aes, aes_len);
    k.aes_len = aes_len;
    memcpy(k.hmac, hmac, hmac_len);
    k.hmac_len = hmac_len;
    if (tl_keyring_add_named(kr, &k) != 0)
        tl_error_set(err, "key ring: %s", tl_keyring_error(kr));
    else if (tl_ticket_open(kr, t, len, &info, err) == 0)
        rc = (int)info.verdict;
    tl_ticket_info_clear(&info);
    tl_keyring_free(kr);
    return rc;
}

static int find_constants(const unsigned char *t, size_t len, size_t aes_guess, constant_keys *ck,
                          tl_error *err)
{
    static const unsigned char known[32] = "ticketlab re-MAC key, not yours";
    unsigned char pat[32], *remac = malloc(len);
    size_t outlen = 0;
    int rc = -1;

    ck->hmac_byte = ck->aes_byte = -1;
    if (remac == NULL)
        return tl_error_set(err, "out of memory");
    /* The same ticket under a MAC key we know: then only the AES key decides. */
    memcpy(remac, t, len);
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, known, sizeof(known), remac,
                  len - TL_TICKET_MAC_LEN, remac + len - TL_TICKET_MAC_LEN, TL_TICKET_MAC_LEN,
                  &outlen) == NULL) {
        tl_error_set_ssl(err, "HMAC-SHA256 failed");
        goto done;
    }
    for (int b = 0; b < 256 && (ck->hmac_byte < 0 || ck->aes_byte < 0); b++) {
        memset(pat, b, sizeof(pat));
        for (size_t hl = 16; hl <= 32 && ck->hmac_byte < 0; hl += 16) {
            int vd = open_with(t, len, pat, 32, pat, hl, err);

            if (vd < 0)
                goto done;
            if (vd != TL_TICKET_BAD_MAC && vd != TL_TICKET_TOO_SHORT) {
                ck->hmac_byte = b;
                ck->hmac_len = hl;
            }
        }
        for (size_t al = 16; al <= 32 && ck->aes_byte < 0; al += 16) {
            int vd;

            if (aes_guess && al != aes_guess)
                continue;
            vd = open_with(remac, len, pat, al, known, sizeof(known), err);
            if (vd < 0)
                goto done;
            if (vd == TL_TICKET_OK || vd == TL_TICKET_TRAILING_BYTES) {
                ck->aes_byte = b;
                ck->aes_len = al;
            }
        }
    }
    rc = 0;
done:
    free(remac);
    return rc;
}

static void check_constant(tl_vstate *v, const constant_keys *ck, const tl_key_found *aes,
                           const tl_key_found *hmac)
{
    static const char expected[] =
        "no ticket opens under an all-zero or one-byte-repeated AES or HMAC key (256 patterns, "
        "AES-128/256, HMAC 16/32 bytes), and no key is compiled into the plug-in";
    const char *where = (aes->found && !aes->writable) ? "AES" : (hmac->found && !hmac->writable) ? "HMAC" : NULL;

    if (ck->hmac_byte >= 0 || ck->aes_byte >= 0) {
        char hs[64] = "", as[64] = "";

        if (ck->hmac_byte >= 0)
            snprintf(hs, sizeof(hs), "the HMAC key is %zu bytes of 0x%02x", ck->hmac_len, ck->hmac_byte);
        if (ck->aes_byte >= 0)
            snprintf(as, sizeof(as), "the AES-%zu key is all 0x%02x", ck->aes_len * 8, ck->aes_byte);
        tl_vcheck(v, "keys.constant", TL_VERDICT_FAIL, expected,
                  "Anyone can open, read and forge this server's tickets: the session's master "
                  "secret is inside. Draw keys with RAND_bytes() (or load them from a secret file).",
                  "the plug-in's ticket opened offline: %s%s%s", hs, hs[0] && as[0] ? " and " : "", as);
    } else if (where != NULL) {
        tl_vcheck(v, "keys.constant", TL_VERDICT_FAIL, expected,
                  "A key in the plug-in's read-only data is compiled in: every server that runs "
                  "this build shares it, and anyone with the binary can forge tickets.",
                  "the %s key was found in the plug-in's read-only data (a constant)", where);
    } else {
        tl_vcheck(v, "keys.constant", TL_VERDICT_PASS, expected,
                  "Keys are not trivially guessable (this cannot prove they are random).",
                  "the plug-in's ticket did not open under any of the 256 one-byte patterns; %s",
                  aes->found || hmac->found
                      ? "the keys found in its memory live in writable data, not compiled in"
                      : "whether a key is compiled in was not checked (neither key is in the "
                        "plug-in's own data)");
    }
}

static void check_distinct(tl_vstate *v, const constant_keys *ck, const tl_key_found *aes,
                           const tl_key_found *hmac)
{
    static const char expected[] = "independent AES and HMAC keys";
    static const char bad[] =
        "One secret doing two jobs: the MAC key is the encryption key, so a weakness or leak in "
        "either use breaks both the tickets' integrity and their confidentiality. RFC 5077 "
        "section 4 keeps them separate.";
    tl_key_oracle *o = &v->oracle;
    int same;
    const char *how;

    if (hmac->found && hmac->len >= o->aes_len) {
        same = tl_key_oracle_is_aes(o, hmac->key);
        how = "the HMAC key, found in the plug-in's memory and confirmed against its MAC "
              "context, was tried as the AES key against its cipher context";
    } else if (aes->found) {
        same = tl_key_oracle_is_hmac(o, aes->key, aes->len)
               || (aes->len > 16 && tl_key_oracle_is_hmac(o, aes->key, 16));
        how = "the AES key, found in the plug-in's memory and confirmed against its cipher "
              "context, was tried as the HMAC key against its MAC context";
    } else if (ck->hmac_byte >= 0 && ck->aes_byte >= 0) {
        same = ck->hmac_byte == ck->aes_byte;
        how = "both keys are one-byte patterns (keys.constant)";
    } else {
        tl_vcheck(v, "keys.distinct", TL_VERDICT_SKIP, expected, "",
                  "not checked: neither key is stored in the plug-in's data, bss or constants "
                  "(heap or derived keys cannot be read back from OpenSSL's contexts), so the "
                  "two cannot be compared from outside");
        return;
    }
    tl_vcheck(v, "keys.distinct", same ? TL_VERDICT_FAIL : TL_VERDICT_PASS, expected,
              same ? bad : "Integrity and confidentiality rest on separate secrets.",
              "%s: %s", how, same ? "they are the same bytes" : "they differ");
}

static void check_strength(tl_vstate *v)
{
    const tl_key_oracle *o = &v->oracle;
    int suite256 = strstr(v->suite, "256") != NULL || strstr(v->suite, "CHACHA20") != NULL;

    if (!o->ready) {
        tl_vcheck(v, "keys.strength", TL_VERDICT_SKIP, "", "", "not checked: %s",
                  v->oracle_error[0] ? v->oracle_error : "no ticket was encrypted");
        return;
    }
    if (o->aes_len < 32 && suite256)
        tl_vcheck(v, "keys.strength", TL_VERDICT_WARN, "AES-256 ticket keys with a 256-bit suite",
                  "The ticket carries the resumption secret: with AES-128 tickets, sessions "
                  "negotiated with a 256-bit suite are only as strong as a 128-bit key.",
                  "tickets are encrypted with %s; the suite was %s", o->cipher, v->suite);
    else
        tl_vcheck(v, "keys.strength", TL_VERDICT_PASS, "a ticket cipher as strong as the suite",
                  "The ticket is not the weakest link.",
                  "tickets are encrypted with %s; the suite was %s", o->cipher,
                  v->suite[0] ? v->suite : "(none)");
}

int tl_vprobe_keys(tl_vstate *v, tl_error *err)
{
    tl_world *w = tl_vworld(v, TLS1_3_VERSION, -1, 0, err);
    tl_plugin_segment segs[TL_PLUGIN_SEGMENTS_MAX];
    tl_key_found aes = { 0 }, hmac = { 0 };
    constant_keys ck = { -1, -1, 0, 0 };
    tl_vticket t = { 0 };
    char why[256];
    int got = -1, rc = -1;

    if (w != NULL)
        got = tl_vmint(v, w, &t, why, sizeof(why), err);
    tl_vworld_done(v, w);
    if (got < 0)
        goto done;
    if (v->oracle.ready)
        tl_key_hunt(&v->oracle, segs, tl_plugin_segments(v->plugin, segs, TL_PLUGIN_SEGMENTS_MAX),
                    &aes, &hmac);
    if (got == 0 || t.len < TL_KEY_NAME_LEN + TL_TICKET_IV_LEN + 16 + TL_TICKET_MAC_LEN) {
        tl_vcheck(v, "keys.constant", TL_VERDICT_SKIP, "", "", "not checked: %s",
                  got == 0 ? why : "the plug-in's ticket is too short");
    } else if (v->oracle_error[0]) {
        tl_vcheck(v, "keys.constant", TL_VERDICT_SKIP, "", "", "not checked: %s (the codec "
                  "opens AES-CBC + HMAC-SHA256 tickets only)", v->oracle_error);
    } else {
        if (find_constants(t.bytes, t.len, v->oracle.ready ? v->oracle.aes_len : 0, &ck, err) != 0)
            goto done;
        check_constant(v, &ck, &aes, &hmac);
    }
    if (v->oracle.ready)
        check_distinct(v, &ck, &aes, &hmac);
    else
        tl_vcheck(v, "keys.distinct", TL_VERDICT_SKIP, "", "", "not checked: %s",
                  v->oracle_error[0] ? v->oracle_error : "no ticket was encrypted");
    check_strength(v);
    rc = 0;
done:
    OPENSSL_cleanse(&aes, sizeof(aes));
    OPENSSL_cleanse(&hmac, sizeof(hmac));
    tl_vticket_free(&t);
    return rc;
}
