/*
 * live_audit.c - `serve --audit`: what a client does with its tickets;
 * see live_serve.h.
 *
 * Every ticket serve sends is noted (its hash, the connection, the name
 * the client asked for, when, its lifetime and early-data allowance);
 * every ClientHello's offers are matched against them. The checks are
 * then read off the table:
 *
 *   tls13.ticket-reuse   a TLS 1.3 ticket offered on two connections: warn (RFC 8446 C.4)
 *   ticket.cross-name    a ticket issued under one name offered under another: fail
 *   ticket.expired       a ticket offered after its lifetime: fail
 *   tls13.early-data     early data with a ticket that allowed none, or too much: fail
 *   ticket.ignored       tickets sent, none ever offered: warn
 *   ticket.retired-key   a ticket from a retired key, and the full handshake after it
 *   nst.KIND             one per crafted kind sent (live_nst.c)
 *
 * A check with nothing to judge is "skip", with what to run to judge it.
 */
#include "live_serve.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICKETS_MAX 8192      /* tickets followed; past that, counted */
#define NAMES_MAX 4

typedef struct issued {
    uint64_t hash;
    int conn;                 /* issued on */
    uint64_t name;            /* hash of the SNI it was issued under */
    double at;                /* when (tl_live_now) */
    uint32_t lifetime, max_early;
    int early, tls13;
    tl_nst_kind kind;
    int offers;               /* connections that offered it */
    int first, second;        /* the first two of them (-1: none) */
    int late;                 /* the first offer after its lifetime, -1: none */
    int cross;                /* the first offer under another name, -1: none */
} issued;

/* What one crafted kind did, over the connections that sent it. */
typedef struct nst_tally {
    int conns;                /* connections that sent it */
    int first;                /* the first of them */
    int dropped;              /* the client failed or closed the connection after it */
    char how[320];            /* the first such failure */
    int not_sent;             /* the filter could not craft it */
    char not_why[160];
    int later_failed;         /* connections after it (until the next crafted one) that failed */
    char later_how[320];
} nst_tally;

struct tl_audit {
    issued *t;
    size_t n, untracked;
    int conns, failed, resumed, offering, unknown_offers;
    char names[NAMES_MAX][64];
    size_t n_names;
    int chance_late;          /* a connection came after some ticket's lifetime */
    int early_sent, early_bad, early_bad_conn, early_much, early_much_conn;
    int retired, retired_conn, retired_failed, retired_again, retired_new_used;
    uint64_t retired_hash;
    char retired_how[320];
    nst_tally nst[TL_NST_COUNT];
    tl_nst_kind last_kind;    /* the kind crafted last (TL_NST_NONE: none yet) */
};

tl_audit *tl_audit_new(void)
{
    tl_audit *a = calloc(1, sizeof(*a));

    if (a != NULL && (a->t = calloc(TICKETS_MAX, sizeof(*a->t))) == NULL) {
        free(a);
        return NULL;
    }
    if (a != NULL)
        a->early_bad_conn = a->early_much_conn = a->retired_conn = -1;
    return a;
}

size_t tl_audit_connections(const tl_audit *a)
{
    return (size_t)a->conns;
}

void tl_audit_free(tl_audit *a)
{
    if (a != NULL)
        free(a->t);
    free(a);
}

static issued *find(tl_audit *a, uint64_t hash)
{
    for (size_t i = a->n; i > 0; i--)
        if (a->t[i - 1].hash == hash)
            return &a->t[i - 1];
    return NULL;
}

static void note_name(tl_audit *a, const char *sni)
{
    char name[sizeof(a->names[0])];

    /* kept as sent: the report writers escape what they print (text.h, json.h, xml.h) */
    snprintf(name, sizeof(name), "%s", sni[0] ? sni : "(none)");
    for (size_t i = 0; i < a->n_names; i++)
        if (strcmp(a->names[i], name) == 0)
            return;
    if (a->n_names < NAMES_MAX)
        memcpy(a->names[a->n_names++], name, sizeof(name));
}

/* One offered ticket (by hash) on connection c. */
static void offer(tl_audit *a, const tl_serve_conn *c, uint64_t hash, uint64_t name, int *known)
{
    issued *t = find(a, hash);

    if (t == NULL || t->conn >= c->index)
        return;
    *known = 1;
    if (t->first < 0)
        t->first = c->index;
    else if (t->second < 0)
        t->second = c->index;
    t->offers++;
    if (t->late < 0 && c->start > t->at + t->lifetime)
        t->late = c->index;
    if (t->cross < 0 && t->name != name)
        t->cross = c->index;
    if (c->hello.early_data && t->tls13) {
        a->early_sent++;
        if ((!t->early || t->max_early == 0) && a->early_bad++ == 0)
            a->early_bad_conn = c->index;
    }
    if (a->retired > 0 && hash == a->retired_hash && c->index > a->retired_conn)
        a->retired_again++;
    if (a->retired > 0 && t->conn == a->retired_conn)
        a->retired_new_used = 1;
}

static void note_offers(tl_audit *a, const tl_serve_conn *c, uint64_t name)
{
    const tl_wire_hello *h = &c->hello;
    int known = 0;
    size_t n = h->n_ids < TL_WIRE_IDS_MAX ? h->n_ids : TL_WIRE_IDS_MAX;

    for (size_t i = 0; i < n; i++)
        offer(a, c, h->ids[i].hash, name, &known);
    if (h->ticket_ext && h->ticket12.len > 0)
        offer(a, c, h->ticket12.hash, name, &known);
    if (known)
        a->offering++;
    else if (h->n_ids > 0 || (h->ticket_ext && h->ticket12.len > 0))
        a->unknown_offers++;
    if (c->retired && a->retired++ == 0) {
        a->retired_conn = c->index;
        a->retired_hash = n > 0 ? h->ids[0].hash : h->ticket12.hash;
        a->retired_failed = c->io != TL_LIVE_IO_OK;
        snprintf(a->retired_how, sizeof(a->retired_how), "%s",
                 c->io != TL_LIVE_IO_OK ? c->why : c->reused ? "resumed" : "a full handshake");
    }
}

static void note_crafted(tl_audit *a, const tl_serve_conn *c)
{
    nst_tally *k = &a->nst[c->nst];

    if (k->conns++ == 0)
        k->first = c->index;
    if (c->nst_why[0] && k->not_sent++ == 0)
        snprintf(k->not_why, sizeof(k->not_why), "%s", c->nst_why);
    if ((c->io != TL_LIVE_IO_OK || c->client_closed) && k->dropped++ == 0)
        snprintf(k->how, sizeof(k->how), "%s", c->io != TL_LIVE_IO_OK ? c->why : c->after);
}

void tl_audit_note(tl_audit *a, const tl_serve_conn *c)
{
    const char *sni = c->hello_seen ? c->hello.sni : c->sni;
    uint64_t name = tl_wire_hash((const unsigned char *)sni, strlen(sni));
    size_t n = c->n_tickets < TL_SERVE_TICKETS_MAX ? c->n_tickets : TL_SERVE_TICKETS_MAX;

    a->conns++;
    a->failed += c->io != TL_LIVE_IO_OK;
    a->resumed += c->io == TL_LIVE_IO_OK && c->reused;
    if (c->hello_seen)
        note_name(a, sni);
    for (size_t i = 0; i < a->n && !a->chance_late; i++)
        if (a->t[i].conn < c->index && c->start > a->t[i].at + a->t[i].lifetime)
            a->chance_late = 1;
    if (c->hello_seen)
        note_offers(a, c, name);
    if (c->hello.early_data && c->io != TL_LIVE_IO_OK && strstr(c->why, "too much early data")
        && a->early_much++ == 0)
        a->early_much_conn = c->index;
    if (c->nst != TL_NST_NONE) {
        note_crafted(a, c);
        a->last_kind = c->nst;
    } else if (a->last_kind != TL_NST_NONE && c->io != TL_LIVE_IO_OK
               && a->nst[a->last_kind].later_failed++ == 0) {
        snprintf(a->nst[a->last_kind].later_how, sizeof(a->nst[0].later_how), "%s", c->why);
    }
    for (size_t i = 0; i < n; i++) {
        if (a->n == TICKETS_MAX) {
            a->untracked += c->n_tickets - i;
            break;
        }
        a->t[a->n++] = (issued){ .hash = c->tickets[i].hash, .conn = c->index, .name = name,
                                 .at = c->tickets[i].at, .lifetime = c->tickets[i].lifetime,
                                 .max_early = c->tickets[i].max_early, .early = c->tickets[i].early,
                                 .tls13 = strcmp(c->version, "TLSv1.3") == 0, .kind = c->nst,
                                 .first = -1, .second = -1, .late = -1, .cross = -1 };
    }
}

static void check(tl_validation *v, const char *name, tl_verdict verdict, const char *expected,
                  const char *why, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void check(tl_validation *v, const char *name, tl_verdict verdict, const char *expected,
                  const char *why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    tl_validation_addv(v, name, verdict, expected, why, fmt, ap);
    va_end(ap);
}

static void check_reuse(const tl_audit *a, tl_validation *v)
{
    size_t offered = 0, reused = 0;
    const issued *ex = NULL;

    for (size_t i = 0; i < a->n; i++) {
        if (!a->t[i].tls13 || a->t[i].offers == 0)
            continue;
        offered++;
        if (a->t[i].offers > 1 && reused++ == 0)
            ex = &a->t[i];
    }
    if (offered == 0) {
        check(v, "tls13.ticket-reuse", TL_VERDICT_SKIP, "", "",
              "the client offered no TLS 1.3 ticket serve issued (%d connections)", a->conns);
        return;
    }
    if (reused == 0)
        check(v, "tls13.ticket-reuse", TL_VERDICT_PASS, "", "",
              "%zu TLS 1.3 tickets offered, each on one connection", offered);
    else
        check(v, "tls13.ticket-reuse", TL_VERDICT_WARN,
              "each ticket offered on one connection only (RFC 8446 C.4: clients SHOULD NOT reuse "
              "a ticket for multiple connections)",
              "the same ticket on two connections lets anyone who sees them link both to one "
              "client, and makes 0-RTT replays possible: use each ticket once, keep the newest",
              "%zu of %zu offered TLS 1.3 tickets were offered on more than one connection; the "
              "ticket from connection %d on connections %d and %d (%d times in all)",
              reused, offered, ex->conn, ex->first, ex->second, ex->offers);
}

static void check_names(const tl_audit *a, tl_validation *v)
{
    const issued *ex = NULL;
    size_t cross = 0;

    for (size_t i = 0; i < a->n; i++)
        if (a->t[i].cross >= 0 && cross++ == 0)
            ex = &a->t[i];
    if (cross > 0)
        check(v, "ticket.cross-name", TL_VERDICT_FAIL,
              "a ticket offered only under the name it was issued for",
              "a ticket carried from one host name to another lets the second host (or whoever "
              "sees both) track the client across them, and a server with shared keys may "
              "resume a session meant for another host: key the ticket cache by name",
              "%zu tickets offered under another name than they were issued for; the ticket "
              "from connection %d came back on connection %d (names seen: %s%s%s)",
              cross, ex->conn, ex->cross, a->names[0], a->n_names > 1 ? ", " : "",
              a->n_names > 1 ? a->names[1] : "");
    else if (a->n_names < 2)
        check(v, "ticket.cross-name", TL_VERDICT_SKIP, "", "",
              "the client used one name only (%s): connect to both server.ticketlab.test and "
              "other.ticketlab.test (the certificate covers both) to check this",
              a->n_names ? a->names[0] : "-");
    else if (a->offering == 0)
        check(v, "ticket.cross-name", TL_VERDICT_SKIP, "", "",
              "the client offered no ticket, under any name (%zu names seen)", a->n_names);
    else
        check(v, "ticket.cross-name", TL_VERDICT_PASS, "", "",
              "%zu names used (%s, %s); every ticket offered came back under its own name",
              a->n_names, a->names[0], a->names[1]);
}

static void check_expired(const tl_audit *a, tl_validation *v)
{
    const issued *ex = NULL;
    size_t late = 0;

    for (size_t i = 0; i < a->n; i++)
        if (a->t[i].late >= 0 && a->t[i].lifetime > 0 && late++ == 0)
            ex = &a->t[i];
    if (late > 0)
        check(v, "ticket.expired", TL_VERDICT_FAIL,
              "no ticket offered after its lifetime hint (RFC 8446 4.6.1)",
              "the server will refuse it: the client pays for a full handshake and shows an "
              "old ticket on the wire; drop tickets when their lifetime ends",
              "%zu tickets offered after their lifetime; the ticket from connection %d "
              "(lifetime %u s) came back on connection %d", late, ex->conn, ex->lifetime, ex->late);
    else if (!a->chance_late)
        check(v, "ticket.expired", TL_VERDICT_SKIP, "", "",
              "no connection came after a ticket's lifetime ended: run serve with --lifetime 2 "
              "and let the client wait longer than that before it connects again");
    else
        check(v, "ticket.expired", TL_VERDICT_PASS, "", "",
              "connections came after tickets expired; none offered an expired ticket");
}

static void check_early(const tl_audit *a, tl_validation *v)
{
    if (a->early_bad > 0 || a->early_much > 0)
        check(v, "tls13.early-data", TL_VERDICT_FAIL,
              "early data only with a ticket whose early_data extension allows it, and no "
              "more than its max_early_data_size (RFC 8446 4.2.10)",
              "the server must refuse it (and may end the connection): the request is lost "
              "or sent twice",
              "%d offers with early data on tickets that allowed none (first on connection "
              "%d); %d connections ended with too much early data", a->early_bad,
              a->early_bad_conn, a->early_much);
    else if (a->early_sent == 0)
        check(v, "tls13.early-data", TL_VERDICT_SKIP, "", "",
              "the client sent no early data with a ticket serve issued");
    else
        check(v, "tls13.early-data", TL_VERDICT_PASS, "", "",
              "%d offers with early data, each on a ticket that allowed it", a->early_sent);
}

static void check_ignored(const tl_audit *a, tl_validation *v)
{
    if (a->n == 0)
        check(v, "ticket.ignored", TL_VERDICT_SKIP, "", "",
              "no ticket was sent over %d connections (%d failed)", a->conns, a->failed);
    else if (a->conns < 2)
        check(v, "ticket.ignored", TL_VERDICT_SKIP, "", "",
              "%zu tickets sent over %d connection: at least two connections are needed",
              a->n, a->conns);
    else if (a->offering == 0)
        check(v, "ticket.ignored", TL_VERDICT_WARN, "the client offers a ticket it was given",
              "every connection is a full handshake: more latency and CPU on both sides; "
              "check that the client keeps a session cache (and reads the tickets that come "
              "after the TLS 1.3 handshake)",
              "the client offered none of the %zu tickets serve sent over %d connections "
              "(%d offers of tickets from elsewhere)", a->n, a->conns, a->unknown_offers);
    else
        check(v, "ticket.ignored", TL_VERDICT_PASS, "", "",
              "%d of %d connections offered a ticket serve issued; %d resumed",
              a->offering, a->conns, a->resumed);
}

static void check_retired(const tl_audit *a, tl_validation *v)
{
    if (a->retired == 0)
        check(v, "ticket.retired-key", TL_VERDICT_SKIP, "", "",
              "no ticket from a retired key was offered: run serve with --key-source evp-cb "
              "--rotate 1 and let the client wait more than 4 s before it connects again");
    else if (a->retired_failed)
        check(v, "ticket.retired-key", TL_VERDICT_FAIL,
              "a full handshake after the refused ticket, and the new ticket used next",
              "a client that cannot fall back to a full handshake fails after every key "
              "rotation", "the ticket offered on connection %d was from a key the server no "
              "longer holds, and the connection failed: %s", a->retired_conn, a->retired_how);
    else
        check(v, "ticket.retired-key", a->retired_again ? TL_VERDICT_WARN : TL_VERDICT_PASS,
              a->retired_again ? "the refused ticket dropped, the new one used" : "",
              a->retired_again ? "offering a ticket the server refused costs a full handshake "
                                 "every time: replace it with the one the full handshake sent" : "",
              "the ticket offered on connection %d was from a retired key: %s; the client then "
              "%s the new ticket%s", a->retired_conn, a->retired_how,
              a->retired_new_used ? "offered" : "did not offer",
              a->retired_again ? ", and offered the refused ticket again" : "");
}

/* What the kinds ask of a client: drop it (malformed), or keep it (legal). */
static const struct {
    int must_drop;            /* a client that keeps the connection: warn */
    const char *rule;
} nst_rules[TL_NST_COUNT] = {
    [TL_NST_LIFETIME_0] = { 0, "a ticket with lifetime 0 is discarded at once, never offered "
                               "(RFC 8446 4.6.1)" },
    [TL_NST_LIFETIME_8D] = { 0, "servers MUST NOT send a lifetime above 604800 s; clients MUST "
                                "NOT keep a ticket longer than 7 days (RFC 8446 4.6.1)" },
    [TL_NST_EMPTY] = { 1, "a zero-length ticket is a decode_error (RFC 8446 4.6.1: "
                          "ticket<1..2^16-1>): the connection ends, nothing is stored" },
    [TL_NST_HUGE] = { 0, "a 65,535-byte ticket is legal: kept, and offered like any other" },
    [TL_NST_UNKNOWN_EXT] = { 0, "clients MUST ignore unrecognized NewSessionTicket extensions "
                                "(RFC 8446 4.6.1)" },
    [TL_NST_DUP_EARLY] = { 1, "two extensions of one type in a block are forbidden (RFC 8446 "
                              "4.2): the client ends the connection (illegal_parameter)" },
    [TL_NST_MAX_EARLY] = { 0, "max_early_data_size 0xFFFFFFFF is legal: kept, and the early "
                              "data sent stays within what the client has" },
    [TL_NST_FLOOD] = { 0, "100 tickets are legal: kept; each used once (RFC 8446 C.4)" },
    [TL_NST_TLS12_UNASKED] = { 1, "a NewSessionTicket the ServerHello did not announce is an "
                                  "unexpected_message (RFC 5077 3.3): the handshake fails" },
};

static void check_nst(const tl_audit *a, tl_nst_kind k, tl_validation *v)
{
    const nst_tally *t = &a->nst[k];
    int tickets = 0, next = 0, offered = 0, late = 0, kept = t->conns - t->dropped;
    char name[TL_CHECK_NAME_MAX];
    tl_verdict verdict = TL_VERDICT_PASS;

    snprintf(name, sizeof(name), "nst.%s", tl_nst_kind_name(k));
    if (t->not_sent == t->conns) {
        check(v, name, TL_VERDICT_SKIP, "", "", "not sent: %s", t->not_why);
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        const issued *x = &a->t[i];

        if (x->kind != k)
            continue;
        tickets++;
        next += x->first == x->conn + 1;
        offered += x->offers > 0;
        late += x->late >= 0 || (x->lifetime == 0 && x->offers > 0);
    }
    if (t->later_failed > 0)
        verdict = TL_VERDICT_FAIL;   /* what it stored breaks the connections after */
    else if (k == TL_NST_LIFETIME_0 && offered > 0)
        verdict = TL_VERDICT_FAIL;
    else if (k == TL_NST_EMPTY && offered > 0)
        verdict = TL_VERDICT_FAIL;
    else if (k == TL_NST_TLS12_UNASKED && kept > 0)
        verdict = TL_VERDICT_FAIL;
    else if (nst_rules[k].must_drop && kept > 0)
        verdict = TL_VERDICT_WARN;
    else if (!nst_rules[k].must_drop && t->dropped > 0)
        verdict = k == TL_NST_UNKNOWN_EXT ? TL_VERDICT_FAIL : TL_VERDICT_WARN;
    check(v, name, verdict, nst_rules[k].rule,
          verdict == TL_VERDICT_PASS ? ""
          : "a client that stores what it should refuse, or drops what it should take, fails "
            "or is tracked on the servers that send it",
          "sent on %d connections (first: %d); the client kept %d%s%s%s; of %d crafted tickets "
          "it offered %d on the next connection, %d at all, %d after their lifetime; %d later "
          "connections failed%s%s", t->conns, t->first, kept, t->dropped ? " and ended " : "",
          t->dropped ? (t->dropped == 1 ? "one: " : "some, first: ") : "",
          t->dropped ? t->how : "", tickets, next, offered, late, t->later_failed,
          t->later_failed ? ": " : "", t->later_failed ? t->later_how : "");
}

void tl_audit_checks(const tl_audit *a, tl_validation *v)
{
    check_reuse(a, v);
    check_names(a, v);
    check_expired(a, v);
    check_early(a, v);
    check_ignored(a, v);
    check_retired(a, v);
    for (int k = 1; k < TL_NST_COUNT; k++)
        if (a->nst[k].conns > 0)
            check_nst(a, (tl_nst_kind)k, v);
}
