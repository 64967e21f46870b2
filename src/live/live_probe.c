/*
 * live_probe.c - a black-box audit of a running server's session tickets;
 * see live.h.
 *
 * OpenSSL is the client. Its new-session callback hands us every session
 * the server's NewSessionTickets make, ticket bytes included; to offer a
 * ticket of our choosing we edit the session's DER (tl_session_with_ticket
 * in sessder.c), so the client presents exactly those bytes, in TLS 1.2's
 * session_ticket extension or as TLS 1.3's PSK identity.
 *
 * Per TLS version: N full handshakes capture tickets; then the resumption,
 * tamper, cross-vhost and replay handshakes each offer one of them. One
 * connection is live_conn.c; the checks that need only the tickets are in
 * live_checks.c, the timed ones (--expire, --watch) in live_time.c.
 */
#include "live_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "ticketlab/world.h"

void tl_live_opts_init(tl_live_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->tls12 = o->tls13 = 1;
    o->connections = 8;
    o->timeout = 5.0;
}

void tl_live_report_free(tl_live_report *out)
{
    tl_validation_free(&out->v);
    memset(out, 0, sizeof(*out));
}

/* ---- the checks that need connections ------------------------------------------- */

static void name_of(char *buf, size_t size, const tl_lp_version *pv, const char *check)
{
    snprintf(buf, size, "%s.%s", pv->prefix, check);
}

static int check_resume(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, tl_error *err)
{
    char name[TL_CHECK_NAME_MAX];
    tl_lp_conn c;
    double age;

    name_of(name, sizeof(name), pv, "resume");
    if (tl_lp_offer_ticket(s, pv, t->sess, t->bytes, t->len, s->sni, &c, err) != 0)
        return -1;
    age = tl_live_now() - t->at;
    if (c.io == TL_LIVE_IO_OK && !c.reused && t->hint > 0 && age >= (double)t->hint)
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "",
                    "not checked: %s, but the ticket was %.1f s old, past its %u s lifetime hint "
                    "(fewer --connections, or a longer lifetime, give it time)",
                    tl_lp_outcome(&c), age, t->hint);
    else
        tl_lp_check(s, name, c.io == TL_LIVE_IO_OK && c.reused ? TL_VERDICT_PASS : TL_VERDICT_FAIL,
                    "the first ticket, offered back unchanged, resumes the session",
                    "a server that issues tickets it does not accept makes every client pay for a "
                    "full handshake and a ticket it cannot use",
                    "%s, offering the %zu-byte ticket of the first connection", tl_lp_outcome(&c),
                    t->len);
    tl_lp_conn_free(&c);
    return 0;
}

/* One tampered ticket: never resumes; a full handshake is the right answer. */
static int tamper_one(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, const char *what,
                      const unsigned char *bytes, size_t len, const char *how, tl_error *err)
{
    char name[TL_CHECK_NAME_MAX];
    tl_lp_conn c;
    tl_verdict vd;

    snprintf(name, sizeof(name), "%s.tamper.%s", pv->prefix, what);
    if (tl_lp_offer_ticket(s, pv, t->sess, bytes, len, s->sni, &c, err) != 0)
        return -1;
    vd = tl_lp_must_not_resume(&c);
    tl_lp_check(s, name, vd,
                "never resumes; the server falls back to a full handshake (RFC 5077 3.4, "
                "RFC 8446 4.6.1)",
                c.io == TL_LIVE_IO_OK && c.reused
                    ? "a server that accepts a ticket it did not make unchanged does not "
                      "authenticate its tickets: anyone can forge a session"
                    : "a client whose ticket is stale or damaged must still get a connection",
                "%s: %s", how, tl_lp_outcome(&c));
    tl_lp_conn_free(&c);
    return 0;
}

static int check_tamper(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, tl_error *err)
{
    unsigned char *b = malloc(t->len);
    char how[128];
    int rc = -1;

    if (b == NULL)
        return tl_error_set(err, "out of memory");
    memcpy(b, t->bytes, t->len);
    b[t->len - 1] ^= 0x01;
    snprintf(how, sizeof(how), "last byte (the MAC in the usual layouts) flipped");
    if (tamper_one(s, pv, t, "mac", b, t->len, how, err) != 0)
        goto done;
    snprintf(how, sizeof(how), "cut from %zu to %zu bytes", t->len, t->len > 16 ? t->len - 16 : t->len / 2);
    if (tamper_one(s, pv, t, "truncated", t->bytes, t->len > 16 ? t->len - 16 : t->len / 2, how, err) != 0)
        goto done;
    memcpy(b, t->bytes, t->len);
    b[0] ^= 0x80;
    snprintf(how, sizeof(how), "first byte (the key name in the usual layouts) flipped");
    if (tamper_one(s, pv, t, "key-name", b, t->len, how, err) != 0)
        goto done;
    if (RAND_bytes(b, (int)t->len) != 1) {
        tl_error_set_ssl(err, "no random bytes");
        goto done;
    }
    snprintf(how, sizeof(how), "%zu random bytes", t->len);
    if (tamper_one(s, pv, t, "random", b, t->len, how, err) != 0)
        goto done;
    rc = 0;
done:
    free(b);
    return rc;
}

/* After the tampered tickets: is the server still there? */
static int check_alive(tl_lp_state *s, tl_lp_version *pv, tl_error *err)
{
    char name[TL_CHECK_NAME_MAX];
    tl_lp_conn c;

    name_of(name, sizeof(name), pv, "alive");
    if (tl_lp_run_conn(s, pv, s->sni, NULL, 0, &c, err) != 0)
        return -1;
    tl_lp_check(s, name, c.io == TL_LIVE_IO_OK ? TL_VERDICT_PASS : TL_VERDICT_FAIL,
                "a full handshake completes after the tampered tickets",
                "a server that crashes or stalls on a bad ticket can be taken down by anyone",
                "%s", c.io == TL_LIVE_IO_OK ? "a full handshake completed" : c.why);
    tl_lp_conn_free(&c);
    return 0;
}

static int check_cross_vhost(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, tl_error *err)
{
    char name[TL_CHECK_NAME_MAX];
    const char *from = s->sni ? s->sni : "(no SNI)";
    tl_lp_conn c;

    name_of(name, sizeof(name), pv, "cross-vhost");
    if (s->o->sni_other == NULL) {
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "",
                    "not checked: give --sni-other NAME, a second name the server answers for");
        return 0;
    }
    if (tl_lp_offer_ticket(s, pv, t->sess, t->bytes, t->len, s->o->sni_other, &c, err) != 0)
        return -1;
    tl_lp_check(s, name,
                c.io != TL_LIVE_IO_OK ? TL_VERDICT_WARN : c.reused ? TL_VERDICT_FAIL : TL_VERDICT_PASS,
                "a ticket issued under one server name does not resume under another",
                "virtual hosts whose tickets open on each other (a shared key, or a server that "
                "decrypts every ticket with its default host's key) accept each other's sessions: "
                "a session authenticated for one host (a client certificate, a stricter "
                "configuration) carries over to the other",
                "a ticket issued for %s, offered with SNI %s: %s", from, s->o->sni_other,
                c.io == TL_LIVE_IO_OK && c.reused ? "resumed" : tl_lp_outcome(&c));
    tl_lp_conn_free(&c);
    return 0;
}

/* TLS 1.3: the ticket check_resume() used once, offered a second time. */
static int check_replay(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, tl_error *err)
{
    tl_lp_conn c;

    if (tl_lp_offer_ticket(s, pv, t->sess, t->bytes, t->len, s->sni, &c, err) != 0)
        return -1;
    if (c.io == TL_LIVE_IO_OK && c.reused)
        tl_lp_check(s, "tls13.replay", TL_VERDICT_WARN,
                    "single-use tickets (RFC 8446 8.1) if the server ever accepts 0-RTT data; "
                    "reuse is allowed otherwise",
                    "a ticket that resumes twice can carry replayed 0-RTT data; without early "
                    "data a reused ticket only links the client's connections",
                    "the same ticket resumed a second time");
    else
        tl_lp_check(s, "tls13.replay", TL_VERDICT_PASS, "a ticket resumes at most once",
                    "single-use tickets stop 0-RTT replay", "the second use: %s", tl_lp_outcome(&c));
    tl_lp_conn_free(&c);
    return 0;
}

/* A ticket of one version offered, in the other version's session, to the other version. */
static int check_cross_version(tl_lp_state *s, tl_lp_version *to, const tl_lp_ticket *base,
                               const tl_lp_ticket *foreign, const char *name, const char *what,
                               tl_error *err)
{
    tl_lp_conn c;

    if (tl_lp_offer_ticket(s, to, base->sess, foreign->bytes, foreign->len, s->sni, &c, err) != 0)
        return -1;
    tl_lp_check(s, name,
                c.io == TL_LIVE_IO_OK && c.reused ? TL_VERDICT_FAIL
                : c.io == TL_LIVE_IO_OK || c.io == TL_LIVE_IO_FAILED ? TL_VERDICT_PASS : TL_VERDICT_FAIL,
                "never resumes: a session belongs to the version that made it",
                "resuming a session under another version mixes the two key schedules",
                "%s: %s", what,
                c.io == TL_LIVE_IO_FAILED ? "the handshake was refused, no resumption" : tl_lp_outcome(&c));
    tl_lp_conn_free(&c);
    return 0;
}

/* ---- the run ---------------------------------------------------------------------- */

static int alpn_wire(const char *list, unsigned char *out, size_t size, size_t *len, tl_error *err)
{
    size_t n = 0;

    while (list != NULL && *list) {
        const char *comma = strchr(list, ',');
        size_t l = comma ? (size_t)(comma - list) : strlen(list);

        if (l == 0 || l > 255 || n + 1 + l > size)
            return tl_error_set(err, "--alpn: each protocol is 1 to 255 bytes, the list at most "
                                "%zu bytes", size);
        out[n++] = (unsigned char)l;
        memcpy(out + n, list, l);
        n += l;
        list = comma ? comma + 1 : list + l;
    }
    *len = n;
    return 0;
}

static int is_address(const char *host)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The full handshakes of one version. Returns 0, or -1 with err (harness or fatal network failure). */
static int capture(tl_lp_state *s, tl_lp_version *pv, tl_error *err)
{
    pv->full = calloc(s->o->connections, sizeof(*pv->full));
    if (pv->full == NULL)
        return tl_error_set(err, "out of memory");
    for (unsigned i = 0; i < s->o->connections; i++) {
        tl_lp_conn *c = &pv->full[i];

        if (tl_lp_run_conn(s, pv, s->sni, NULL, 1, c, err) != 0)
            return -1;
        pv->n_full = i + 1;
        if (c->out_of_time) {   /* the run deadline: audit what came before it */
            tl_lp_conn_free(c);
            pv->n_full = i;
            pv->usable = i > 0;
            snprintf(pv->unusable, sizeof(pv->unusable), "%s: the run deadline (%.0f s, --deadline) "
                     "passed before a handshake completed", pv->label, s->run_seconds);
            return 0;
        }
        if (c->io == TL_LIVE_IO_OK)
            continue;
        if (i == 0 && !c->no_tcp && (c->io == TL_LIVE_IO_FAILED || c->io == TL_LIVE_IO_CLOSED)) {
            /* Refused at the TLS level: most likely the version is not enabled. */
            snprintf(pv->unusable, sizeof(pv->unusable), "%s: %s", pv->label, c->why);
            return 0;
        }
        if (c->no_tcp)
            return tl_error_set(err, "%s", c->why);
        if (c->io == TL_LIVE_IO_TIMEOUT)
            return tl_error_set(err, "%s:%s: %s (%g s, --timeout)", s->o->host, s->o->port,
                                c->why, s->o->timeout);
        return tl_error_set(err, "%s:%s: %s", s->o->host, s->o->port, c->why);
    }
    pv->usable = 1;
    return 0;
}

static int audit_version(tl_lp_state *s, tl_lp_version *pv, tl_error *err)
{
    const tl_lp_ticket *t = tl_lp_first_ticket(pv);
    char name[TL_CHECK_NAME_MAX];
    const char *big;

    tl_lp_check_tickets(s, pv);
    if (t == NULL) {
        name_of(name, sizeof(name), pv, "resume");
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: the server sent no %s ticket",
                    pv->label);
        return 0;
    }
    if ((big = tl_lp_too_big(t)) != NULL) {
        /* A limit of ours, not the server's fault: the checks that offer it back are not made. */
        static const char *const offers[] = { "resume", "replay", "tamper.mac", "tamper.truncated",
                                              "tamper.key-name", "tamper.random" };

        for (size_t i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
            if (i == 1 && pv->version != TLS1_3_VERSION)
                continue;
            name_of(name, sizeof(name), pv, offers[i]);
            tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "%s", big);
        }
        if (pv->version == TLS1_3_VERSION && tl_lp_check_early_data(s, pv, t, err) != 0)
            return -1;
    } else {
        if (check_resume(s, pv, t, err) != 0)
            return -1;
        if (pv->version == TLS1_3_VERSION
            && (check_replay(s, pv, t, err) != 0 || tl_lp_check_early_data(s, pv, t, err) != 0))
            return -1;
        if (check_tamper(s, pv, t, err) != 0)
            return -1;
    }
    if (check_alive(s, pv, err) != 0)
        return -1;
    tl_lp_check_layout(s, pv);
    if (tl_lp_check_zero_keys(s, pv, err) != 0)
        return -1;
    if (big != NULL && s->o->sni_other != NULL) {
        name_of(name, sizeof(name), pv, "cross-vhost");
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "%s", big);
        return 0;
    }
    return check_cross_vhost(s, pv, t, err);
}

static int cross_versions(tl_lp_state *s, tl_error *err)
{
    tl_lp_version *v12 = &s->v[0], *v13 = &s->v[1];
    const tl_lp_ticket *t12 = v12->usable ? tl_lp_first_ticket(v12) : NULL;
    const tl_lp_ticket *t13 = v13->usable ? tl_lp_first_ticket(v13) : NULL;
    static const char *const names[] = { "version.tls12-ticket-in-tls13", "version.tls13-ticket-in-tls12" };

    if (t12 == NULL || t13 == NULL) {
        for (size_t i = 0; i < 2; i++)
            tl_lp_check(s, names[i], TL_VERDICT_SKIP, "", "",
                        "not checked: needs tickets from both TLS 1.2 and TLS 1.3 (%s)",
                        !v12->usable || !v13->usable ? "a version is not audited or not enabled"
                                                     : "one version issued none");
        return 0;
    }
    if (tl_lp_too_big(t12) != NULL || tl_lp_too_big(t13) != NULL) {
        for (size_t i = 0; i < 2; i++)
            tl_lp_check(s, names[i], TL_VERDICT_SKIP, "", "", "%s",
                        tl_lp_too_big(tl_lp_too_big(t12) != NULL ? t12 : t13));
        return 0;
    }
    if (check_cross_version(s, v13, t13, t12, names[0],
                            "the TLS 1.2 ticket offered as a TLS 1.3 PSK identity", err) != 0)
        return -1;
    return check_cross_version(s, v12, t12, t13, names[1],
                               "the TLS 1.3 ticket offered in a TLS 1.2 session_ticket extension",
                               err);
}

static void free_state(tl_lp_state *s)
{
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < s->v[k].n_full; i++)
            tl_lp_conn_free(&s->v[k].full[i]);
        free(s->v[k].full);
        SSL_CTX_free(s->v[k].ctx);
    }
}

int tl_live_probe(const tl_live_opts *o, tl_live_report *out, tl_error *err)
{
    tl_lp_state s;
    double start = tl_live_now();
    int rc = -1;

    memset(out, 0, sizeof(*out));
    memset(&s, 0, sizeof(s));
    s.o = o;
    s.out = out;
    s.run_seconds = o->deadline > 0 ? o->deadline : TL_LIVE_DEADLINE + o->expire + o->watch;
    s.deadline = start + s.run_seconds;
    snprintf(out->v.plugin, sizeof(out->v.plugin), "%s:%s", o->host, o->port);
    if (o->connections < 2 || o->connections > TL_LIVE_MAX_CONNECTIONS)
        return tl_error_set(err, "connections must be 2 to %d", TL_LIVE_MAX_CONNECTIONS);
    if (!o->tls12 && !o->tls13)
        return tl_error_set(err, "no TLS version to audit");
    s.sni = o->sni ? (o->sni[0] ? o->sni : NULL) : is_address(o->host) ? NULL : o->host;
    snprintf(out->sni, sizeof(out->sni), "%s", s.sni ? s.sni : "");
    if (alpn_wire(o->alpn, s.alpn, sizeof(s.alpn), &s.alpn_len, err) != 0)
        return -1;
    s.v[0] = (tl_lp_version){ .version = TLS1_2_VERSION, .prefix = "tls12", .label = "TLS 1.2" };
    s.v[1] = (tl_lp_version){ .version = TLS1_3_VERSION, .prefix = "tls13", .label = "TLS 1.3" };
    for (size_t k = 0; k < 2; k++) {
        tl_lp_version *pv = &s.v[k];

        if (!(k == 0 ? o->tls12 : o->tls13))
            continue;
        if ((pv->ctx = tl_lp_client_ctx(pv->version, err)) == NULL || capture(&s, pv, err) != 0)
            goto done;
    }
    if (!s.v[0].usable && !s.v[1].usable) {
        tl_error_set(err, "%s:%s: no TLS version completes a handshake: %s%s%s", o->host, o->port,
                     s.v[0].unusable, s.v[0].unusable[0] && s.v[1].unusable[0] ? "; " : "",
                     s.v[1].unusable);
        goto done;
    }
    for (size_t k = 0; k < 2; k++) {
        tl_lp_version *pv = &s.v[k];
        char name[TL_CHECK_NAME_MAX];

        if (pv->usable) {
            if (audit_version(&s, pv, err) != 0)
                goto done;
        } else if (pv->ctx != NULL) {
            name_of(name, sizeof(name), pv, "tickets");
            tl_lp_check(&s, name, TL_VERDICT_SKIP, "", "",
                        "not checked: the server completes no handshake in this version (%s)",
                        pv->unusable);
        }
    }
    if (o->tls12 && o->tls13 && cross_versions(&s, err) != 0)
        goto done;
    if (tl_lp_check_time(&s, err) != 0)
        goto done;
    if (s.out_of_time && tl_validation_count(&out->v, TL_VERDICT_SKIP) == out->v.n) {
        /* A run that checked nothing is not a pass. */
        tl_error_set(err, "%s:%s: the run deadline (%.0f s, --deadline) passed before any check "
                     "was made", o->host, o->port, s.run_seconds);
        goto done;
    }
    rc = 0;
done:
    free_state(&s);
    out->seconds = tl_live_now() - start;
    return rc;
}
