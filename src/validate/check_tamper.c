/*
 * check_tamper.c - the probes on a plug-in's tickets: tampering, unknown key
 * names, and IVs; see validate.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "ticketlab/tlslib.h"

#define IV_HANDSHAKES_MAX 200
#define IV_TICKETS_PER_HS 8     /* num_tickets, and as many SSL_new_session_ticket() */

/* ---- tampering ------------------------------------------------------------------ */

typedef struct flip {
    const char *check;
    const char *part;
    long off[2];           /* from the start, or from the end when negative */
} flip;

static const flip flips[] = {
    { "tamper.key-name", "key name", { 0, 15 } },
    { "tamper.iv", "IV", { 16, 31 } },
    { "tamper.body", "encrypted body", { 32, -33 } },
    { "tamper.mac", "MAC", { -32, -1 } },
};

static void skip_all(tl_vstate *v, const char *const *names, size_t n, const char *why)
{
    for (size_t i = 0; i < n; i++)
        tl_vcheck(v, names[i], TL_VERDICT_SKIP, "", "", "not checked: %s", why);
}

/* Offer `ticket` with `bit` XORed into the byte at `off` (from the end
 * when negative); fill r. */
static int offer_flipped(tl_vstate *v, tl_world *w, SSL_SESSION *sess, const unsigned char *ticket,
                         size_t len, long off, unsigned char bit, tl_handshake_result *r,
                         tl_error *err)
{
    unsigned char *copy = malloc(len);
    size_t at = off < 0 ? len - (size_t)(-off) : (size_t)off;
    int rc;

    if (copy == NULL)
        return tl_error_set(err, "out of memory");
    memcpy(copy, ticket, len);
    copy[at] ^= bit;
    rc = tl_vhandshake(v, w, sess, copy, len, 0, r, err);
    free(copy);
    return rc;
}

static int kdec_ret(tl_world *w, const tl_handshake_result *r)
{
    const tl_event *e = tl_vevent(w, r, TL_EV_KEY_CB, 0, 0);

    return e ? e->ret : TL_NATURAL;
}

static int probe_flips(tl_vstate *v, tl_world *w, SSL_SESSION *sess, const unsigned char *t,
                       size_t len, tl_error *err)
{
    for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
        const flip *f = &flips[i];
        char hs[2][192];
        int accepted = 0, kret[2];

        for (int j = 0; j < 2; j++) {
            tl_handshake_result r;

            if (offer_flipped(v, w, sess, t, len, f->off[j], j ? 0x80 : 0x01, &r, err) != 0)
                return -1;
            accepted |= r.server.reused;
            kret[j] = kdec_ret(w, &r);
            tl_vhandshake_text(&r, hs[j], sizeof(hs[j]));
            tl_handshake_result_free(&r);
        }
        tl_vcheck(v, f->check, accepted ? TL_VERDICT_FAIL : TL_VERDICT_PASS,
                  "never resumed: only an unmodified ticket resumes",
                  accepted ? "A ticket that resumes after a bit flip means the MAC is not "
                             "checked with the key that minted it: anyone can forge sessions."
                           : "The MAC (and the key name lookup) protect the ticket's integrity.",
                  "one bit flipped at each end of the %s (2 tickets): %s and %s; key callback "
                  "returned %d and %d", f->part, hs[0], hs[1], kret[0], kret[1]);
    }
    return 0;
}

static int probe_unmodified(tl_vstate *v, tl_world *w, SSL_SESSION *sess, tl_error *err)
{
    tl_handshake_result r;
    char hs[192];

    if (tl_vhandshake(v, w, sess, NULL, 0, 0, &r, err) != 0)
        return -1;
    tl_vhandshake_text(&r, hs, sizeof(hs));
    tl_vcheck(v, "tamper.unmodified", r.server.reused && r.client.reused ? TL_VERDICT_PASS
                                                                        : TL_VERDICT_FAIL,
              "resumed",
              r.server.reused ? "The plug-in's own tickets work."
                              : "Tickets the server issued itself do not resume: every client "
                                "pays for a full handshake and the tickets are dead weight.",
              "the plug-in's fresh ticket, unmodified: %s (key callback returned %d)", hs,
              kdec_ret(w, &r));
    tl_handshake_result_free(&r);
    return 0;
}

/* ---- unknown key names ----------------------------------------------------------- */

static int probe_unknown(tl_vstate *v, tl_world *w, SSL_SESSION *sess, const unsigned char *t,
                         size_t len, tl_error *err)
{
    static const char *const what[3] = { "last name byte changed", "first name byte changed",
                                         "a random name" };
    static const unsigned char random_name[16] = "\x9c\x1f\x52\xe7\x03\xaa\x6d\x41"
                                                 "\xb8\x27\xf0\x5e\x91\x0c\xd4\x66";
    unsigned char *copy = malloc(len);
    char seen[TL_CHECK_TEXT_MAX] = "";
    int worst = 0;   /* 0 all good, 1 some returned > 0, 2 some returned < 0 */

    if (copy == NULL)
        return tl_error_set(err, "out of memory");
    for (int i = 0; i < 3; i++) {
        tl_handshake_result r;
        char hs[192];
        size_t used = strlen(seen);
        int ret;

        memcpy(copy, t, len);
        if (i == 0)
            copy[15] ^= 0x01;
        else if (i == 1)
            copy[0] ^= 0x01;
        else
            memcpy(copy, random_name, 16);
        if (tl_vhandshake(v, w, sess, copy, len, 0, &r, err) != 0) {
            free(copy);
            return -1;
        }
        ret = kdec_ret(w, &r);
        tl_vhandshake_text(&r, hs, sizeof(hs));
        tl_handshake_result_free(&r);
        if (ret < 0 && ret != TL_NATURAL)
            worst = 2;
        else if (ret > 0 && worst < 1)
            worst = 1;
        if (ret == TL_NATURAL)
            snprintf(seen + used, sizeof(seen) - used, "%s%s: no key callback call, %s",
                     i ? "; " : "", what[i], hs);
        else
            snprintf(seen + used, sizeof(seen) - used, "%s%s: returned %d, %s",
                     i ? "; " : "", what[i], ret, hs);
    }
    free(copy);
    tl_vcheck(v, "unknown-key", worst ? TL_VERDICT_FAIL : TL_VERDICT_PASS,
              "0 for every name that is not one of the plug-in's live keys",
              worst == 2 ? "AVAILABILITY BUG: below 0 is fatal, so a harmless miss (a ticket from "
                           "another server, or under a key that was dropped) becomes a failed "
                           "handshake, and the client keeps failing until it forgets its ticket."
              : worst == 1 ? "The callback claims a key it does not have: it likely ignores or "
                             "half-compares the name, so OpenSSL checks the MAC with the wrong key. "
                             "The ticket is still refused, but after a rotation such a callback "
                             "decrypts old tickets with the wrong key or renews what it cannot read."
                           : "An unknown name is a plain miss: a full handshake and a fresh ticket.",
              "%s", seen);
    return 0;
}

int tl_vprobe_tamper(tl_vstate *v, tl_error *err)
{
    static const char *const names[] = { "tamper.key-name", "tamper.iv", "tamper.body",
                                         "tamper.mac", "tamper.unmodified", "unknown-key" };
    tl_world *w = tl_vworld(v, TLS1_3_VERSION, -1, 0, err);
    tl_vticket t = { 0 };
    char why[256];
    int got, rc = -1;

    if (w == NULL || (got = tl_vmint(v, w, &t, why, sizeof(why), err)) < 0)
        goto done;
    if (got == 0 || t.len < 16 + 16 + 16 + 32) {
        skip_all(v, names, sizeof(names) / sizeof(names[0]),
                 got == 0 ? why : "the plug-in's ticket is too short to hold a name, IV, body and MAC");
        rc = 0;
        goto done;
    }
    if (probe_flips(v, w, t.sess, t.bytes, t.len, err) != 0
        || probe_unmodified(v, w, t.sess, err) != 0
        || probe_unknown(v, w, t.sess, t.bytes, t.len, err) != 0)
        goto done;
    rc = 0;
done:
    tl_vticket_free(&t);
    tl_vworld_done(v, w);
    return rc;
}

/* ---- IVs --------------------------------------------------------------------------- */

static int cmp_iv(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

int tl_vprobe_ivs(tl_vstate *v, tl_error *err)
{
    static const char *const names[] = { "ivs.unique", "ivs.nonzero" };
    static const unsigned char zero[16];
    tl_world *w;
    size_t repeats = 0, zeros = 0, n;

    v->ivs = calloc(TL_V_IV_TARGET, sizeof(*v->ivs));
    if (v->ivs == NULL)
        return tl_error_set(err, "out of memory");
    if ((w = tl_vworld(v, TLS1_3_VERSION, IV_TICKETS_PER_HS, 0, err)) == NULL)
        return -1;
    v->collect_ivs = 1;
    for (int i = 0; i < IV_HANDSHAKES_MAX && v->n_ivs < TL_V_IV_TARGET; i++) {
        tl_handshake_result r;
        size_t before = v->n_ivs;

        /* BoringSSL and AWS-LC have no SSL_new_session_ticket: num_tickets
         * alone, twice the handshakes (IV_HANDSHAKES_MAX bounds them). */
        int extra = tl_tlslib_lacks(TL_API_NEW_SESSION_TICKET) == NULL ? IV_TICKETS_PER_HS : 0;

        if (tl_vhandshake(v, w, NULL, NULL, 0, extra, &r, err) != 0) {
            v->collect_ivs = 0;
            tl_vworld_done(v, w);
            return -1;
        }
        tl_handshake_result_free(&r);
        if (v->n_ivs == before)
            break;   /* no tickets: nothing more to learn */
    }
    v->collect_ivs = 0;
    tl_vworld_done(v, w);
    n = v->n_ivs;
    if (n < 2) {
        skip_all(v, names, 2, "the plug-in issued fewer than 2 tickets");
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        zeros += memcmp(v->ivs[i], zero, 16) == 0;
    qsort(v->ivs, n, sizeof(*v->ivs), cmp_iv);
    for (size_t i = 1; i < n; i++)
        repeats += memcmp(v->ivs[i], v->ivs[i - 1], 16) == 0;
    tl_vcheck(v, "ivs.unique", repeats ? TL_VERDICT_FAIL : TL_VERDICT_PASS,
              "a fresh random IV for every ticket",
              repeats ? "IV reuse: under one AES-CBC key, equal IVs make equal session prefixes "
                        "encrypt to equal blocks, and a predictable IV allows chosen-plaintext "
                        "attacks on CBC. Draw the IV with RAND_bytes() for every ticket."
                      : "Each ticket's encryption is independent.",
              "%zu tickets, %zu IV%s repeated an earlier one", n, repeats,
              repeats == 1 ? "" : "s");
    tl_vcheck(v, "ivs.nonzero", zeros ? TL_VERDICT_FAIL : TL_VERDICT_PASS,
              "no all-zero IV",
              zeros ? "An all-zero IV is a constant IV (and usually a sign the IV was never set)."
                    : "The IVs are set.",
              "%zu of %zu IVs were all zero", zeros, n);
    return 0;
}
