/*
 * live_checks.c - the probe's checks on the captured tickets alone; see
 * live.h and live_state.h.
 *
 *   tickets    how many per full handshake, their sizes and lifetime hints
 *   key-name   the first 16 bytes (the key name in nginx's, haproxy's,
 *              OpenSSL's, libtls's and GnuTLS's layouts) are the same in
 *              every ticket: one key encrypts them all
 *   ivs        bytes 16..31 (the IV in those layouts) never repeat and are
 *              never all zero
 *   zero-key   the first ticket opened with all-zero keys in each known
 *              key layout, by the offline codec (ticket.h) after the
 *              layout's key file parser (keyfile.h) has read an all-zero
 *              key file
 */
#include "live_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticketlab/codec.h"
#include "ticketlab/keyfile.h"
#include "ticketlab/ticket.h"

/* A check appended as given (seen_fmt and its arguments in ap). */
static void add_check(tl_lp_state *s, const char *name, tl_verdict verdict, const char *expected,
                      const char *why, const char *seen_fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void add_check(tl_lp_state *s, const char *name, tl_verdict verdict, const char *expected,
                      const char *why, const char *seen_fmt, ...)
{
    va_list ap;

    va_start(ap, seen_fmt);
    tl_validation_addv(&s->out->v, name, verdict, expected, why, seen_fmt, ap);
    va_end(ap);
}

void tl_lp_check(tl_lp_state *s, const char *name, tl_verdict verdict, const char *expected,
                 const char *why, const char *seen_fmt, ...)
{
    va_list ap;

    if (s->out_of_time) {
        add_check(s, name, TL_VERDICT_SKIP, "", "",
                  "not checked: run deadline (the whole probe is bounded by --deadline; "
                  "%.0f s here)", s->run_seconds);
        return;
    }
    va_start(ap, seen_fmt);
    tl_validation_addv(&s->out->v, name, verdict, expected, why, seen_fmt, ap);
    va_end(ap);
}

const tl_lp_ticket *tl_lp_first_ticket(const tl_lp_version *pv)
{
    for (size_t i = 0; i < pv->n_full; i++)
        if (pv->full[i].n > 0)
            return &pv->full[i].t[0];
    return NULL;
}

#define HINT_MAX_TLS13 604800u   /* RFC 8446 4.6.1: at most seven days */
#define LAYOUT_MIN (TL_KEY_NAME_LEN + TL_TICKET_IV_LEN + 16)

/* Every kept ticket of pv's full handshakes, in order: call with *i = *j = 0. */
static const tl_lp_ticket *next_ticket(const tl_lp_version *pv, size_t *i, size_t *j)
{
    while (*i < pv->n_full) {
        const tl_lp_conn *c = &pv->full[*i];

        if (*j < c->n)
            return &c->t[(*j)++];
        ++*i;
        *j = 0;
    }
    return NULL;
}

/*
 * A malformed NewSessionTicket (named by live_conn.c as it arrived) fails
 * the tickets check; a flood warns. Returns 1 when it made the check.
 */
static int check_nst_faults(tl_lp_state *s, tl_lp_version *pv, const char *name)
{
    for (size_t k = 0; k < pv->n_full; k++) {
        const tl_lp_conn *c = &pv->full[k];

        if (c->nst_bad[0]) {
            tl_lp_check(s, name, TL_VERDICT_FAIL,
                        "NewSessionTickets as RFC 8446 4.6.1 defines them: a ticket of 1 to "
                        "65,535 bytes, within the message",
                        "a client must refuse a malformed NewSessionTicket (decode_error): the "
                        "connection ends and no session can ever be resumed",
                        "%s, after full handshake %zu of %zu%s%s", c->nst_bad, k + 1, pv->n_full,
                        c->after_why[0] ? "; " : "", c->after_why);
            return 1;
        }
    }
    for (size_t k = 0; k < pv->n_full; k++) {
        const tl_lp_conn *c = &pv->full[k];

        if (c->flood) {
            tl_lp_check(s, name, TL_VERDICT_WARN,
                        "a few tickets per handshake (OpenSSL sends 2, RFC 8446 C.4: enough for "
                        "the client's parallel connections)",
                        "a server that keeps sending tickets makes every client spend memory and "
                        "time on them",
                        "%zu NewSessionTickets after full handshake %zu, still coming when the "
                        "probe stopped reading (it reads at most %d)", c->nst_msgs, k + 1,
                        TL_LP_NST_FLOOD);
            return 1;
        }
    }
    return 0;
}

void tl_lp_check_tickets(tl_lp_state *s, tl_lp_version *pv)
{
    char name[TL_CHECK_NAME_MAX], hints[160] = "";
    size_t min_n = SIZE_MAX, max_n = 0, min_len = SIZE_MAX, max_len = 0, i = 0, j = 0, kept = 0;
    uint32_t seen_hints[4];
    size_t n_hints = 0;
    int over = 0, zero_hint = 0;
    const tl_lp_ticket *t;

    snprintf(name, sizeof(name), "%s.tickets", pv->prefix);
    if (check_nst_faults(s, pv, name))
        return;
    for (size_t k = 0; k < pv->n_full; k++) {
        min_n = pv->full[k].n_total < min_n ? pv->full[k].n_total : min_n;
        max_n = pv->full[k].n_total > max_n ? pv->full[k].n_total : max_n;
    }
    while ((t = next_ticket(pv, &i, &j)) != NULL) {
        size_t h;

        kept++;
        min_len = t->len < min_len ? t->len : min_len;
        max_len = t->len > max_len ? t->len : max_len;
        over |= pv->version == TLS1_3_VERSION && t->hint > HINT_MAX_TLS13;
        zero_hint |= t->hint == 0;
        for (h = 0; h < n_hints && seen_hints[h] != t->hint; h++)
            ;
        if (h == n_hints && n_hints < 4) {
            seen_hints[n_hints++] = t->hint;
            snprintf(hints + strlen(hints), sizeof(hints) - strlen(hints), "%s%u s",
                     n_hints > 1 ? ", " : "", t->hint);
        }
    }
    if (max_n == 0) {
        tl_lp_check(s, name, TL_VERDICT_WARN, "at least one ticket per full handshake",
                    "without tickets every connection is a full handshake (or uses the "
                    "server's session cache); nothing else here can be checked",
                    "no ticket in %zu full %s handshakes", pv->n_full, pv->label);
        return;
    }
    tl_lp_check(s, name,
                over ? TL_VERDICT_FAIL : (min_n == 0 || (zero_hint && pv->version == TLS1_3_VERSION))
                                             ? TL_VERDICT_WARN : TL_VERDICT_PASS,
                pv->version == TLS1_3_VERSION
                    ? "at least one ticket per full handshake, lifetimes of 1 s to 7 days "
                      "(RFC 8446 4.6.1)"
                    : "one ticket per full handshake (a lifetime hint of 0 means unspecified)",
                over ? "clients must discard a TLS 1.3 ticket whose lifetime exceeds seven days"
                     : "a handshake without a ticket, or a ticket of lifetime 0, cannot be resumed",
                "%zu full %s handshakes: %zu to %zu tickets each, %zu to %zu bytes, lifetime hints "
                "%s%s", pv->n_full, pv->label, min_n, max_n, kept ? min_len : 0, max_len, hints,
                n_hints == 4 ? " and more" : "");
}

void tl_lp_check_layout(tl_lp_state *s, tl_lp_version *pv)
{
    char nname[TL_CHECK_NAME_MAX], iname[TL_CHECK_NAME_MAX], hex[2 * 16 + 1], hex2[2 * 16 + 1];
    const tl_lp_ticket *t, *first = tl_lp_first_ticket(pv), *all[TL_LIVE_MAX_CONNECTIONS * TL_LP_TICKETS_PER_CONN];
    size_t n = 0, i = 0, j = 0, names = 1, short_len = 0;

    snprintf(nname, sizeof(nname), "%s.key-name", pv->prefix);
    snprintf(iname, sizeof(iname), "%s.ivs", pv->prefix);
    while ((t = next_ticket(pv, &i, &j)) != NULL) {
        if (t->len < LAYOUT_MIN)
            short_len = t->len;
        all[n++] = t;
    }
    if (short_len) {
        tl_lp_check(s, nname, TL_VERDICT_SKIP, "", "",
                    "not checked: a %zu-byte ticket is too short for the key name | IV | "
                    "ciphertext | MAC layout (a session ID or a stateful PSK identity?)", short_len);
        tl_lp_check(s, iname, TL_VERDICT_SKIP, "", "", "not checked: see %s", nname);
        return;
    }
    for (size_t a = 1; a < n; a++) {
        size_t b;

        for (b = 0; b < a && memcmp(all[a]->bytes, all[b]->bytes, TL_KEY_NAME_LEN) != 0; b++)
            ;
        names += b == a;
    }
    tl_hex_encode(first->bytes, TL_KEY_NAME_LEN, hex);
    if (names == 1)
        tl_lp_check(s, nname, TL_VERDICT_PASS,
                    "one key name over the connections (one key encrypts)", "",
                    "key name %s in all %zu tickets", hex, n);
    else
        tl_lp_check(s, nname, TL_VERDICT_WARN,
                    "one key name over the connections (one key encrypts)",
                    "tickets under several keys at once: workers or machines without a shared "
                    "key (tickets resume only where they were made), or keys rotating very fast",
                    "%zu different key names in %zu tickets (the first is %s)", names, n, hex);
    for (size_t a = 0; a < n; a++) {
        static const unsigned char zero[TL_TICKET_IV_LEN];
        const unsigned char *iv = all[a]->bytes + TL_KEY_NAME_LEN;

        if (memcmp(iv, zero, sizeof(zero)) == 0) {
            tl_lp_check(s, iname, TL_VERDICT_FAIL, "a fresh random IV in every ticket",
                        "a constant IV under one key leaks which tickets begin alike",
                        "ticket %zu has an all-zero IV", a + 1);
            return;
        }
        for (size_t b = 0; b < a; b++) {
            if (memcmp(iv, all[b]->bytes + TL_KEY_NAME_LEN, TL_TICKET_IV_LEN) == 0) {
                tl_hex_encode(iv, TL_TICKET_IV_LEN, hex2);
                tl_lp_check(s, iname, TL_VERDICT_FAIL, "a fresh random IV in every ticket",
                            "a repeated IV under one key leaks which tickets begin alike "
                            "(AES-CBC) or breaks the cipher outright (counter modes)",
                            "IV %s in tickets %zu and %zu of %zu", hex2, b + 1, a + 1, n);
                return;
            }
        }
    }
    tl_lp_check(s, iname, n < 2 ? TL_VERDICT_SKIP : TL_VERDICT_PASS,
                "a fresh random IV in every ticket (bytes 16 to 31)",
                "a repeated IV under one key leaks which tickets begin alike",
                n < 2 ? "not checked: fewer than 2 tickets" : "%zu tickets, %zu distinct IVs, none zero",
                n, n);
}

/* ---- zero keys ------------------------------------------------------------------- */

typedef struct zero_layout {
    const char *name;        /* as reported */
    tl_keyfmt fmt;
    size_t size;             /* key bytes in the file; 0: OpenSSL's built-in keys */
} zero_layout;

static const zero_layout layouts[] = {
    { "nginx-48 (AES-128, HMAC 16)", TL_KEYFMT_NGINX, 48 },
    { "nginx-80 (HMAC 32, AES-256)", TL_KEYFMT_NGINX, 80 },
    { "haproxy-48 (AES-128, HMAC 16)", TL_KEYFMT_HAPROXY, 48 },
    { "haproxy-80 (AES-256, HMAC 32)", TL_KEYFMT_HAPROXY, 80 },
    { "libtls (AES-256, HMAC 16)", TL_KEYFMT_LIBTLS, 48 },
    { "openssl-builtin (AES-256, HMAC 32)", TL_KEYFMT_LIBTLS, 0 },
};

/* The all-zero key of layout l, named `name`, as the layout's parser reads it. */
static int zero_key(const zero_layout *l, const unsigned char name[TL_KEY_NAME_LEN], tl_key *out,
                    tl_error *err)
{
    unsigned char zeros[4 + 80] = { 0 };
    char text[3 * 120 + 1] = "";
    tl_keyring *kr;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (l->size == 0) {   /* OpenSSL's own: AES-256 and a 32-byte HMAC key, in memory */
        out->aes_len = out->hmac_len = 32;
        memcpy(out->name, name, TL_KEY_NAME_LEN);
        return 0;
    }
    if ((kr = tl_keyring_new(0)) == NULL)
        return tl_error_set(err, "out of memory");
    if (l->fmt == TL_KEYFMT_HAPROXY) {   /* three base64 lines; names must differ */
        for (unsigned char k = 0; k < 3; k++) {
            char *line;

            zeros[0] = k;
            if ((line = tl_base64_encode(zeros, l->size)) == NULL) {
                tl_keyring_free(kr);
                return tl_error_set(err, "out of memory");
            }
            snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s\n", line);
            free(line);
        }
        zeros[0] = 0;
        rc = tl_keyfile_decode(kr, (const unsigned char *)text, strlen(text), l->fmt, "zero keys", err);
    } else {
        rc = tl_keyfile_decode(kr, zeros, l->fmt == TL_KEYFMT_LIBTLS ? 4 + l->size : l->size,
                               l->fmt, "zero keys", err);
    }
    if (rc == 0) {
        *out = *tl_keyring_slot(kr, 0);
        memcpy(out->name, name, TL_KEY_NAME_LEN);   /* whatever the ticket is named */
    }
    tl_keyring_free(kr);
    return rc;
}

/* Open t under l's zero key: the verdict, or -1 on error. */
static int open_zero(const zero_layout *l, const tl_lp_ticket *t, tl_error *err)
{
    tl_keyring *kr = tl_keyring_new(0);
    tl_ticket_info info;
    tl_key k;
    int rc = -1;

    memset(&info, 0, sizeof(info));
    if (kr == NULL)
        return tl_error_set(err, "out of memory");
    if (zero_key(l, t->bytes, &k, err) == 0) {
        if (tl_keyring_add_named(kr, &k) != 0)
            tl_error_set(err, "key ring: %s", tl_keyring_error(kr));
        else if (tl_ticket_open(kr, t->bytes, t->len, &info, err) == 0)
            rc = (int)info.verdict;
    }
    tl_ticket_info_clear(&info);
    tl_keyring_free(kr);
    return rc;
}

int tl_lp_check_zero_keys(tl_lp_state *s, tl_lp_version *pv, tl_error *err)
{
    static const char expected[] =
        "the tickets open under no all-zero key in any known layout (nginx 48/80, haproxy "
        "48/80, libtls, OpenSSL built-in)";
    static const char why[] =
        "anyone who knows the key can decrypt every ticket, read the session's master secret "
        "and forge tickets: a well-known key is no key";
    const tl_lp_ticket *t = tl_lp_first_ticket(pv);
    char name[TL_CHECK_NAME_MAX], opened[512] = "", macs[512] = "", verdict[32] = "";

    snprintf(name, sizeof(name), "%s.zero-key", pv->prefix);
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        int vd = open_zero(&layouts[i], t, err);
        char *list;

        if (vd < 0)
            return -1;
        snprintf(verdict, sizeof(verdict), "%s", tl_ticket_verdict_name((tl_ticket_verdict)vd));
        if (vd == TL_TICKET_OK || vd == TL_TICKET_TRAILING_BYTES)
            list = opened;
        else if (vd == TL_TICKET_BAD_PADDING || vd == TL_TICKET_BAD_SESSION)
            list = macs;
        else
            continue;
        snprintf(list + strlen(list), 512 - strlen(list), "%s%s", list[0] ? ", " : "", layouts[i].name);
    }
    if (opened[0])
        tl_lp_check(s, name, TL_VERDICT_FAIL, expected, why,
                    "the first %s ticket opens with all-zero keys as: %s", pv->label, opened);
    else if (macs[0])
        tl_lp_check(s, name, TL_VERDICT_FAIL, expected, why,
                    "the MAC of the first %s ticket verifies under an all-zero HMAC key (%s), "
                    "though the session does not decrypt", pv->label, macs);
    else
        tl_lp_check(s, name, TL_VERDICT_PASS, expected, why,
                    "the first %s ticket (%zu bytes) opens under none of the %zu layouts with "
                    "all-zero keys (%s)", pv->label, t->len, sizeof(layouts) / sizeof(layouts[0]),
                    verdict);
    return 0;
}
