/*
 * ct_sessions.c - oracle 2 of fuzz_client_ticket: per NewSessionTicket the
 * client read, what came of it. Accepted (a session came out of it) implies
 * well-formed; a well-formed one with no extension but early_data is
 * accepted; the session holds the ticket byte for byte, the lifetime hint
 * and the right max_early_data; two TLS 1.3 sessions have the same
 * resumption secret exactly when their nonces are equal; a genuine ticket
 * opens with the server's key ring to the client's resumption secret; a
 * finished TLS 1.2 handshake stores one session for a non-empty ticket.
 * See client_ticket.h and fuzz_client_ticket.c.
 */
#include <string.h>

#include "client_ticket.h"
#include "ct_lib.h"
#include "fuzz_common.h"
#include "ticketlab/ticket.h"

/* See client_ticket.h. */
const tl_ct_nst *tl_ct_view_of(size_t i, tl_ct_nst *v)
{
    const tl_ct_stored *st = &R.st[i];

    memset(v, 0, sizeof(*v));
    if (st->rx < 0)
        return NULL;
    tl_ct_parse_nst(R.rx[st->rx].msg + 4, R.rx[st->rx].len - 4, R.tls13, v);
    return v;
}

static int genuine_message(const tl_ct_rx *m)
{
    for (size_t g = 0; g < R.n_genuine; g++)
        if (R.genuine[g].n == m->len && memcmp(R.genuine[g].p, m->msg, m->len) == 0)
            return 1;
    return 0;
}

/* A genuine ticket opens, on the server's side, to the client's secret.
 * What a ticket opens to depends on its bytes and the key ring only (the
 * world's first state every input), so the server's secret is remembered
 * per ticket (ct_memo.c); the client's side is compared every time. */
static void check_genuine(tl_world *w, const tl_ct_stored *st, const tl_ct_nst *v)
{
    tl_ticket_info info;
    tl_error err = { "" };
    unsigned char a[CT_MAX_SECRET], b[CT_MAX_SECRET];
    size_t la, lb = 0;

    la = SSL_SESSION_get_master_key(st->sess, a, sizeof(a));
    if (!tl_ct_memo_get(CT_MEMO_GENUINE, NULL, 0, v->ticket, v->ticket_len, b, &lb)) {
        memset(&info, 0, sizeof(info));
        if (tl_ticket_open(tl_world_keyring(w), v->ticket, v->ticket_len, &info, &err) != 0
            || info.verdict != TL_TICKET_OK)
            tl_fuzz_die("the server's own ticket does not open with its key ring: %s",
                        err.msg[0] ? err.msg : tl_ticket_verdict_name(info.verdict));
        lb = SSL_SESSION_get_master_key(info.session, b, sizeof(b));
        tl_ticket_info_clear(&info);
        tl_ct_memo_put(CT_MEMO_GENUINE, NULL, 0, v->ticket, v->ticket_len, b, lb);
    }
    if (la != lb || memcmp(a, b, la) != 0)
        tl_fuzz_die("client and server disagree on the resumption secret of a genuine "
                    "ticket (%zu vs %zu bytes)", la, lb);
}

/* Ties each stored session to the NewSessionTicket it came from (rx ->
 * session). Returns 0, or 1 if there were more than we record. */
static int link_sessions(void)
{
    if (R.n_rx > CT_MAX_RX || R.n_st > CT_MAX_SESSIONS) {
        tl_fuzz_feedback(TL_FB_VERDICT, 63);
        return 1;   /* more than we record: no bookkeeping to check against */
    }
    for (size_t i = 0; i < R.n_st; i++) {
        int rx = R.st[i].rx;

        if (rx < 0 || R.rx[rx].session >= 0)
            tl_fuzz_die("session %zu did not come from a NewSessionTicket of its own", i);
        R.rx[rx].session = (int)i;
    }
    return 0;
}

/* The max_early_data of a TLS 1.3 session against its ticket (strict S1);
 * *inherited is the value a ticket without early_data keeps, updated. */
static void check_early_data(const tl_ct_stored *st, const tl_ct_nst *v, uint32_t *inherited)
{
    uint32_t early = tl_ct_lib_max_early_data(st->sess);

    if (v->has_early ? early != v->early : early != *inherited)
        tl_fuzz_die("max_early_data %lu stored, expected %lu", (unsigned long)early,
                    (unsigned long)(v->has_early ? v->early : *inherited));
    if (!v->has_early && early != 0) {
        tl_fuzz_feedback(TL_FB_VERDICT, 8);
        if (G.strict)
            tl_fuzz_die("strict S1: a ticket without early_data allows %lu bytes of "
                        "early data (kept from the previous ticket)", (unsigned long)early);
    }
    if (tl_ct_lib_early_chains())
        *inherited = early;
}

/* Oracle 2 for the i-th message the client read, if it is a NewSessionTicket. */
static void check_one_nst(tl_world *w, size_t i, uint32_t *inherited)
{
    const tl_ct_rx *m = &R.rx[i];
    const tl_ct_stored *st;
    tl_ct_nst v;
    const unsigned char *t;
    size_t tlen;

    if (m->msg[0] != CT_HS_NST)
        return;
    tl_ct_parse_nst(m->msg + 4, m->len - 4, R.tls13, &v);
    if (v.repeats) {
        tl_fuzz_feedback(TL_FB_VERDICT, 10);
        if (G.strict && m->session >= 0)
            tl_fuzz_die("strict S3: the client accepted a NewSessionTicket whose "
                        "extensions repeat a type (RFC 8446 4.2)");
    }
    if (m->session < 0) {
        /* 1.3: processing this one failed. 1.2: a later step may have. */
        if (R.tls13 && (i + 1 != R.n_rx || !R.failed))
            tl_fuzz_die("a NewSessionTicket the client processed gave no session");
        if (R.tls13 && v.plain)
            tl_fuzz_die("the client rejected a well-formed NewSessionTicket: %s, alert %s",
                        R.reason, tl_alert_name(R.alert_sent));
        return;
    }
    st = &R.st[m->session];
    if (!v.ok)
        tl_fuzz_die("the client accepted a malformed NewSessionTicket (%s)", v.why);
    if (SSL_SESSION_get_protocol_version(st->sess) != (R.tls13 ? TLS1_3_VERSION : TLS1_2_VERSION))
        tl_fuzz_die("a stored session has protocol 0x%04x",
                    (unsigned)SSL_SESSION_get_protocol_version(st->sess));
    SSL_SESSION_get0_ticket(st->sess, &t, &tlen);
    if (tlen != v.ticket_len || (tlen && memcmp(t, v.ticket, tlen) != 0))
        tl_fuzz_die("the stored session's ticket (%zu bytes) is not the %zu bytes received",
                    tlen, v.ticket_len);
    tl_ct_lib_check_lifetime(st, &v);
    if (!R.tls13)
        return;
    check_early_data(st, &v, inherited);
    if (genuine_message(m) && tl_ct_lib_genuine_checkable())
        check_genuine(w, st, &v);
}

/* TLS 1.2: a finished handshake stores one session if the ticket it
 * accepted is not empty; an empty one leaves neither ticket nor id (the
 * server sends no session id when it issues tickets). */
static void check_count12(void)
{
    size_t expect = 0;

    for (size_t i = 0; !R.failed && i < R.n_rx; i++)
        if (R.rx[i].msg[0] == CT_HS_NST) {
            tl_ct_nst v;

            tl_ct_parse_nst(R.rx[i].msg + 4, R.rx[i].len - 4, 0, &v);
            expect = v.ticket_len > 0;
        }
    if (R.n_st != expect)
        tl_fuzz_die("the TLS 1.2 client stored %zu sessions, expected %zu (handshake %s)",
                    R.n_st, expect, R.failed ? "failed" : "finished");
}

/* TLS 1.3: equal resumption secrets exactly for equal nonces. */
static void check_secrets13(void)
{
    for (size_t i = 0; i < R.n_st; i++)
        for (size_t j = i + 1; j < R.n_st; j++) {
            unsigned char a[CT_MAX_SECRET], b[CT_MAX_SECRET];
            size_t la = SSL_SESSION_get_master_key(R.st[i].sess, a, sizeof(a));
            size_t lb = SSL_SESSION_get_master_key(R.st[j].sess, b, sizeof(b));
            tl_ct_nst vi, vj;
            int same_nonce, same_secret = la == lb && memcmp(a, b, la) == 0;

            tl_ct_view_of(i, &vi);
            tl_ct_view_of(j, &vj);
            same_nonce = vi.nonce_len == vj.nonce_len
                         && memcmp(vi.nonce, vj.nonce, vi.nonce_len) == 0;
            if (same_nonce != same_secret)
                tl_fuzz_die("sessions %zu and %zu: %s nonces but %s resumption secrets", i, j,
                            same_nonce ? "equal" : "different", same_secret ? "equal" : "different");
        }
}

/* Oracle 2: every NewSessionTicket the client read against what it stored. */
void tl_ct_check_sessions(tl_world *w)
{
    uint32_t inherited = R.base_early;

    if (link_sessions() != 0)
        return;
    for (size_t i = 0; i < R.n_rx; i++)
        check_one_nst(w, i, &inherited);
    if (R.tls13)
        check_secrets13();
    else
        check_count12();
}

