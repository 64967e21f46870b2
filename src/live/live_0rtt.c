/*
 * live_0rtt.c - the probe's TLS 1.3 early-data (0-RTT) checks; see
 * live_state.h.
 *
 * They run only when the server's tickets allow early data (max_early_data
 * > 0) and --no-early-data is not given; otherwise each says why it was
 * not checked. Each check takes a fresh ticket (one full handshake of its
 * own), so that single-use tickets are judged fairly, and sends a small,
 * idempotent HTTP request as its early data:
 *
 *   0rtt         the ticket resumes with early data: accepted or refused?
 *   0rtt-replay  after an accepted first use (connection A), the same ticket
 *                and request again from a client with new randoms (B), and
 *                A's ClientHello and early data replayed byte for byte (C),
 *                as an attacker who captured them would: C accepted fails
 *                (RFC 8446 8); B alone accepted warns (ClientHello
 *                recording, 8.2, rather than single-use tickets, 8.1)
 *   0rtt-age     the ticket offered with an age 30 s older than it is, past
 *                the freshness window (RFC 8446 8.3, "on the order of ten
 *                seconds"): its early data must be refused
 *   0rtt-size    one byte more early data than max_early_data (RFC 8446
 *                4.2.10), the request at its end after empty lines, so that
 *                the server must read past the limit to answer: must not be
 *                accepted
 *
 * The byte-identical replay: the 0-RTT client lives in ticketlab's library
 * context, whose RNG is the deterministic stream of rng.h (seeded here from
 * OpenSSL's real RNG, so runs differ). Before A the stream's state is saved
 * and the harness clock (clock.h) frozen; before C both are put back, so
 * OpenSSL draws the same client random, key share and session ID, computes
 * the same ticket age and binder and encrypts the same early data under
 * the same keys. Unlike bytes replayed from a capture, the client can then
 * read the server's answer. What the client wrote before it first heard
 * the server is kept for both connections and compared, so the report says
 * whether C was truly identical.
 */
#include "live_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "ossl_compat.h"
#include "text.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"
#include "ticketlab/tlslib.h"

#define AGE_SKEW 30            /* seconds the 0rtt-age ticket claims to be older */
#define EARLY_MAX 65536u       /* the most early data the size check sends */
#define FLIGHT_MAX 8192        /* bytes of the first flight kept for the comparison */
#define ANSWER_QUIET 0.25      /* seconds without data that end the server's answer */

/* What the client wrote before it first heard the server (kept by the socket BIO's guard). */
typedef struct flight {
    unsigned char bytes[FLIGHT_MAX];
    size_t len;                /* all of it, kept or not */
} flight;

/* One 0-RTT connection. */
typedef struct ed_conn {
    size_t index;              /* the probe's connection number, from 1 */
    tl_live_io io;
    char why[320];
    int reused;
    int status;                /* SSL_EARLY_DATA_ACCEPTED, _REJECTED or _NOT_SENT */
    size_t sent;               /* early-data bytes written */
    char answer[100];          /* the first line of the server's answer, escaped */
    char after_why[320];       /* how the connection ended after the handshake, if it failed */
    flight fl;
} ed_conn;

static const char *const names[] = { "tls13.0rtt", "tls13.0rtt-replay", "tls13.0rtt-age",
                                     "tls13.0rtt-size" };

static void skip_all(tl_lp_state *s, size_t from, const char *why)
{
    for (size_t i = from; i < sizeof(names) / sizeof(names[0]); i++)
        tl_lp_check(s, names[i], TL_VERDICT_SKIP, "", "", "%s", why);
}

/* Why the checks are not made at all (skip_all's reason), or NULL when they are. */
static const char *not_applicable(const tl_lp_state *s, const tl_lp_ticket *t)
{
    if (s->o->no_early_data)
        return "not checked: --no-early-data (the probe sends no 0-RTT data)";
    if (t->max_early_data == 0)
        return "not checked: the server's tickets allow no early data (max_early_data 0), so "
               "the probe sends none and 0-RTT cannot be replayed";
    return tl_lp_too_big(t);
}

#if TL_TLSLIB_OPENSSL

/*
 * The first line of bytes from the peer as text, through the tree's one
 * escaper (text.h: control bytes and invalid UTF-8 as \xNN), cut at size.
 */
static void escape_line(const unsigned char *p, size_t n, char *out, size_t size)
{
    const unsigned char *end = memchr(p, '\r', n);
    const unsigned char *lf = memchr(p, '\n', n);
    FILE *f;

    memset(out, 0, size);   /* the last byte stays 0 however much is written */
    if (lf != NULL && (end == NULL || lf < end))
        end = lf;
    if (size < 2 || (f = fmemopen(out, size - 1, "w")) == NULL)
        return;   /* out of memory: no answer shown */
    tl_text_put(f, (const char *)p, end != NULL ? (size_t)(end - p) : n);
    fclose(f);
}

/* Write all of data as early data before the deadline. Returns how that ended. */
static tl_live_io write_early(SSL *ssl, int fd, const unsigned char *data, size_t len,
                              double deadline, ed_conn *c)
{
    while (c->sent < len) {
        size_t w = 0;
        unsigned long code;
        int e, r;

        ERR_clear_error();
        if (SSL_write_early_data(ssl, data + c->sent, len - c->sent, &w) == 1) {
            c->sent += w;
            continue;
        }
        e = SSL_get_error(ssl, 0);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if ((r = tl_live_wait(fd, e == SSL_ERROR_WANT_WRITE, deadline)) == 1)
                continue;
            snprintf(c->why, sizeof(c->why), "%s", r == 0
                     ? "the server did not take the ClientHello and early data before the timeout"
                     : "poll failed");
            return r == 0 ? TL_LIVE_IO_TIMEOUT : TL_LIVE_IO_FAILED;
        }
        code = ERR_peek_error();
        snprintf(c->why, sizeof(c->why), "sending the early data failed (OpenSSL: %s)",
                 code ? ERR_reason_error_string(code) : "I/O error");
        ERR_clear_error();
        return TL_LIVE_IO_FAILED;
    }
    return TL_LIVE_IO_OK;
}

/* After the handshake: read the server's answer until it is quiet, closes or fails. */
static void read_answer(SSL *ssl, int fd, double deadline, ed_conn *c)
{
    unsigned char buf[4096];
    int first = 1;

    for (;;) {
        double until = tl_live_now() + ANSWER_QUIET;
        unsigned long code;
        int r, e;

        if (SSL_pending(ssl) == 0 && tl_live_wait(fd, 0, until < deadline ? until : deadline) != 1)
            return;
        ERR_clear_error();
        r = SSL_read(ssl, buf, sizeof(buf));
        if (r > 0) {
            if (first)
                escape_line(buf, (size_t)r, c->answer, sizeof(c->answer));
            first = 0;
            continue;
        }
        e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            continue;
        code = ERR_peek_error();
        if (e == SSL_ERROR_SSL)
            snprintf(c->after_why, sizeof(c->after_why), "then the %s (OpenSSL: %s)",
                     code && ERR_GET_REASON(code) >= SSL_AD_REASON_OFFSET
                         ? "server aborted the connection with an alert" : "connection failed",
                     code ? ERR_reason_error_string(code) : "TLS error");
        ERR_clear_error();
        return;
    }
}

/*
 * One connection offering a copy of base (OpenSSL's client spends a TLS
 * 1.3 session it resumes) with `data` as early data, in ctx. The outcome
 * goes to c; -1 with err only when the harness fails.
 */
static int ed_run(tl_lp_state *s, SSL_CTX *ctx, const SSL_SESSION *base, const unsigned char *data,
                  size_t len, ed_conn *c, tl_error *err)
{
    const tl_live_opts *o = s->o;
    tl_error cerr = { "" };
    SSL_SESSION *sess;
    tl_live_guard guard;
    double deadline;
    SSL *ssl;
    BIO *bio = NULL;
    int fd, ok, cut;

    memset(c, 0, sizeof(*c));
    if ((cut = tl_lp_conn_deadline(s, &deadline)) < 0) {
        c->io = TL_LIVE_IO_TIMEOUT;
        snprintf(c->why, sizeof(c->why), "not made: the run deadline had passed");
        return 0;
    }
    c->index = ++s->out->handshakes;
    fd = tl_live_connect(o->host, o->port, deadline, NULL, 0, &cerr);
    if (fd < 0) {
        c->io = TL_LIVE_IO_FAILED;
        snprintf(c->why, sizeof(c->why), "%s", cerr.msg);
        return 0;
    }
    memset(&guard, 0, sizeof(guard));
    guard.fd = fd;
    guard.until = deadline;   /* also inside one SSL_read() that keeps handling messages */
    guard.flight = c->fl.bytes;
    guard.flight_size = sizeof(c->fl.bytes);
    ssl = SSL_new(ctx);
    sess = SSL_SESSION_dup(base);
    if (ssl != NULL && (bio = tl_live_guard_bio(&guard, &cerr)) != NULL)
        SSL_set_bio(ssl, bio, bio);   /* the SSL owns it */
    ok = ssl != NULL && sess != NULL && bio != NULL
         && (s->sni == NULL || SSL_set_tlsext_host_name(ssl, s->sni))
         && (s->alpn_len == 0 || SSL_set_alpn_protos(ssl, s->alpn, (unsigned)s->alpn_len) == 0)
         && SSL_set_session(ssl, sess);
    SSL_SESSION_free(sess);   /* the SSL holds its own reference */
    if (!ok) {
        SSL_free(ssl);
        close(fd);
        return tl_error_set_ssl(err, "cannot set up a 0-RTT client connection");
    }
    SSL_set_connect_state(ssl);
    c->io = write_early(ssl, fd, data, len, deadline, c);
    if (c->io == TL_LIVE_IO_OK)
        c->io = tl_live_handshake(ssl, fd, deadline, c->why, sizeof(c->why));
    if (c->io == TL_LIVE_IO_OK) {
        c->reused = SSL_session_reused(ssl);
        c->status = SSL_get_early_data_status(ssl);
        read_answer(ssl, fd, deadline, c);
        ERR_clear_error();
        SSL_shutdown(ssl);
    }
    c->fl.len = guard.flight_len;
    SSL_free(ssl);
    close(fd);
    ERR_clear_error();
    if (cut && tl_live_now() >= deadline)
        s->out_of_time = 1;   /* cut short by the run deadline: its check is not made */
    return 0;
}

/* The server accepted the early data (its EncryptedExtensions said so): it reached the server's application. */
static int accepted(const ed_conn *c)
{
    return c->io == TL_LIVE_IO_OK && c->status == SSL_EARLY_DATA_ACCEPTED;
}

/* Accepted, and the connection did not fail afterwards (for the size limit, enforced as it reads). */
static int taken(const ed_conn *c)
{
    return accepted(c) && !c->after_why[0];
}

/* "#12: resumed, early data accepted (answer: HTTP/1.1 200 OK)" and the like. */
static void describe(const ed_conn *c, char *out, size_t size)
{
    if (c->io != TL_LIVE_IO_OK) {
        snprintf(out, size, "#%zu: %s", c->index, c->why);
        return;
    }
    snprintf(out, size, "#%zu: %s, %zu bytes of early data %s%s%s%s%s", c->index,
             c->reused ? "resumed" : "full handshake, not resumed", c->sent,
             c->status == SSL_EARLY_DATA_ACCEPTED ? "accepted" : "refused",
             c->answer[0] ? " (answer: " : "", c->answer, c->answer[0] ? ")" : "",
             c->after_why[0] ? "; " : "");
    if (c->after_why[0])
        snprintf(out + strlen(out), size - strlen(out), "%s", c->after_why);
}

/* A fresh ticket for one check: a full handshake of its own. Returns 0 (t->sess NULL: none), or -1. */
static int fresh_ticket(tl_lp_state *s, tl_lp_version *pv, tl_lp_conn *c, const char **why,
                        tl_error *err)
{
    if (tl_lp_run_conn(s, pv, s->sni, NULL, 1, c, err) != 0)
        return -1;
    *why = c->io != TL_LIVE_IO_OK ? c->why
           : c->n == 0 ? "the server sent no ticket"
           : c->t[0].max_early_data == 0 ? "the fresh ticket allows no early data"
           : tl_lp_too_big(&c->t[0]);
    return 0;
}

static void check_first(tl_lp_state *s, const ed_conn *a, uint32_t max)
{
    char seen[600];

    describe(a, seen, sizeof(seen));
    tl_lp_check(s, names[0],
                taken(a) ? TL_VERDICT_PASS
                : a->io == TL_LIVE_IO_OK && !a->after_why[0] ? TL_VERDICT_WARN : TL_VERDICT_FAIL,
                "a fresh ticket that allows early data resumes with a small early-data request "
                "accepted (RFC 8446 4.2.10)",
                a->io == TL_LIVE_IO_OK && !a->after_why[0]
                    ? "a server that advertises early data and then refuses it makes clients send "
                      "every first request twice"
                    : "a server that fails on the early data its own tickets allow breaks every "
                      "client that uses it",
                "a ticket allowing %u bytes, offered with a %zu-byte request: %s", max, a->sent, seen);
}

/*
 * The verdict on B (the same ticket and request from a new ClientHello) and
 * C (A's ClientHello and early data, byte for byte). C is the attacker's
 * replay, which RFC 8446 8 says a server must stop: C accepted fails. B is
 * what a client that reuses its ticket sends; only single-use tickets (8.1)
 * refuse it, and ClientHello recording (8.2) rightly lets it through: B
 * accepted with C refused warns. When C could not be made identical to A,
 * it is one more new ClientHello, and the verdict rests on B and C alike.
 */
static void check_replay(tl_lp_state *s, const ed_conn *a, const ed_conn *b, const ed_conn *c)
{
    static const char expected[] =
        "the same early data is accepted at most once (RFC 8446 8: single-use tickets, 8.1, or "
        "ClientHello recording, 8.2)";
    char sa[600], sb[600], sc[600], same[200];
    int identical = c->io == TL_LIVE_IO_OK && a->fl.len == c->fl.len && a->fl.len <= FLIGHT_MAX
                    && memcmp(a->fl.bytes, c->fl.bytes, a->fl.len) == 0;

    describe(a, sa, sizeof(sa));
    describe(b, sb, sizeof(sb));
    describe(c, sc, sizeof(sc));
    if (identical)
        snprintf(same, sizeof(same), "#%zu's ClientHello and early data replayed byte for byte "
                 "(%zu bytes)", a->index, a->fl.len);
    else
        snprintf(same, sizeof(same), "#%zu's ClientHello and early data replayed, but the bytes "
                 "could not be made identical (%zu, then %zu bytes)", a->index, a->fl.len,
                 c->fl.len);
    if (identical && accepted(c)) {
        tl_lp_check(s, names[1], TL_VERDICT_FAIL, expected,
                    "a replayed 0-RTT request is executed twice: an attacker who captured it can "
                    "repeat a purchase, a vote or a state change at will",
                    "the same early data was accepted on connection #%zu and again on #%zu, a "
                    "byte-identical replay. First use %s; %s %s; the same ticket and request "
                    "from a new client random %s", a->index, c->index, sa, same, sc, sb);
        return;
    }
    if (accepted(b) || accepted(c)) {
        const ed_conn *twice = accepted(b) ? b : c;

        tl_lp_check(s, names[1], TL_VERDICT_WARN, expected,
                    identical
                        ? "the server records ClientHellos instead of using single-use tickets: it "
                          "stops an attacker's replay, but a client that reuses a ticket (RFC 8446 "
                          "C.4 says it should not) can have the same request run twice"
                        : "the byte-identical replay could not be made, so only a reused ticket "
                          "was tried, and the server took its early data again",
                    "the same early data was accepted on connection #%zu and again on #%zu, "
                    "from a new ClientHello%s. First use %s; the same ticket and request from a "
                    "new client random %s; %s %s", a->index, twice->index,
                    identical ? "; the byte-identical replay was refused" : "", sa, sb, same, sc);
        return;
    }
    tl_lp_check(s, names[1], TL_VERDICT_PASS, expected,
                "a replayed 0-RTT request must not be executed twice",
                "accepted once, on %s; the same ticket and request from a new client random %s; "
                "%s %s", sa, sb, same, sc);
}

/* Offer a fresh ticket with a tweak (age or size); accepted early data fails `name`. */
static int check_tweak(tl_lp_state *s, tl_lp_version *pv, SSL_CTX *ctx, int size_check,
                       const unsigned char *req, size_t req_len, tl_error *err)
{
    const char *name = names[size_check ? 3 : 2], *why;
    unsigned char *data = NULL;
    SSL_SESSION *sess = NULL;
    tl_lp_conn f;
    uint32_t max;
    size_t len = req_len;
    char seen[600];
    ed_conn c;
    int rc = -1;

    if (fresh_ticket(s, pv, &f, &why, err) != 0)
        return -1;
    if (why != NULL) {
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: the connection that was to take "
                    "a fresh ticket: %s", why);
        tl_lp_conn_free(&f);
        return 0;
    }
    max = f.t[0].max_early_data;
    if (size_check && max >= EARLY_MAX) {
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: the ticket allows %u bytes of "
                    "early data; the probe sends at most %u", max, EARLY_MAX);
        tl_lp_conn_free(&f);
        return 0;
    }
    if (!size_check && f.t[0].hint <= AGE_SKEW + 1) {
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: the ticket's lifetime hint "
                    "(%u s) is too short to claim an age %d s older", f.t[0].hint, AGE_SKEW);
        tl_lp_conn_free(&f);
        return 0;
    }
    if ((sess = SSL_SESSION_dup(f.t[0].sess)) == NULL) {
        tl_error_set_ssl(err, "cannot copy a session");
        goto done;
    }
    if (size_check) {
        /* max + 1 bytes: empty lines, which HTTP servers skip before a request (RFC 9112
         * 2.2), then the request, so that a server must read past the limit to answer. */
        len = (size_t)max + 1;
        if ((data = malloc(len)) == NULL) {
            tl_error_set(err, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < len; i++)
            data[i] = (len - i) % 2 ? '\n' : '\r';
        if (len >= req_len)
            memcpy(data + len - req_len, req, req_len);
        else
            memcpy(data, req, len);
        if (!SSL_SESSION_set_max_early_data(sess, (uint32_t)len)) {
            tl_error_set_ssl(err, "cannot raise the session's max_early_data");
            goto done;
        }
    } else if (!tl_session_set_time(sess, tl_session_get_time(sess) - AGE_SKEW)) {
        tl_error_set_ssl(err, "cannot set the session's time");
        goto done;
    }
    if (ed_run(s, ctx, sess, data ? data : req, len, &c, err) != 0)
        goto done;
    describe(&c, seen, sizeof(seen));
    if (size_check)
        tl_lp_check(s, name, taken(&c) ? TL_VERDICT_FAIL : TL_VERDICT_PASS,
                    "early data beyond max_early_data is never accepted (RFC 8446 4.2.10: the "
                    "server aborts with unexpected_message)",
                    "a limit the server announces and does not enforce lets a client make it "
                    "buffer, before the handshake ends, more than it planned for",
                    "%zu bytes of early data on a ticket allowing %u: %s", len, max, seen);
    else
        tl_lp_check(s, name, accepted(&c) ? TL_VERDICT_FAIL : TL_VERDICT_PASS,
                    "early data is refused when the ticket age the client claims is off by more "
                    "than the freshness window (RFC 8446 8.3: on the order of 10 s)",
                    "the age check is what limits a replay to a few seconds after the capture; a "
                    "server that skips it accepts early data replayed much later (on another "
                    "server of the cluster, or after a restart)",
                    "the ticket offered claiming an age %d s more than it has: %s", AGE_SKEW, seen);
    rc = 0;
done:
    free(data);
    SSL_SESSION_free(sess);
    tl_lp_conn_free(&f);
    return rc;
}

/* A, B, C with the first fresh ticket: the 0rtt and 0rtt-replay checks. Sets *took when A's early data was accepted. */
static int first_and_replay(tl_lp_state *s, SSL_CTX *ctx, const tl_lp_ticket *t,
                            const unsigned char *req, size_t req_len, int *took, tl_error *err)
{
    tl_rng_state st;
    int64_t frozen = tl_clock_now();
    ed_conn *e = calloc(3, sizeof(*e));
    int rc = -1;

    if (e == NULL)
        return tl_error_set(err, "out of memory");
    tl_rng_save(&st);
    tl_clock_freeze(frozen);
    rc = ed_run(s, ctx, t->sess, req, req_len, &e[0], err);
    tl_clock_thaw();
    if (rc != 0)
        goto done;
    check_first(s, &e[0], t->max_early_data);
    *took = accepted(&e[0]);
    if (!*took) {
        tl_lp_check(s, names[1], TL_VERDICT_SKIP, "", "", "not checked: the server did not accept "
                    "early data on first use (see tls13.0rtt), so there is nothing to replay");
        goto done;
    }
    if ((rc = ed_run(s, ctx, t->sess, req, req_len, &e[1], err)) != 0)
        goto done;
    tl_rng_restore(&st);
    tl_clock_freeze(frozen);
    rc = ed_run(s, ctx, t->sess, req, req_len, &e[2], err);
    tl_clock_thaw();
    if (rc == 0)
        check_replay(s, &e[0], &e[1], &e[2]);
done:
    free(e);
    return rc;
}

int tl_lp_check_early_data(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, tl_error *err)
{
    char req[400], skip[512];
    unsigned char seed[8];
    uint64_t seed64 = 0;
    SSL_CTX *ctx = NULL;
    const char *why;
    tl_lp_conn f;
    int took = 0, rc = -1;

    if ((why = not_applicable(s, t)) != NULL) {
        skip_all(s, 0, why);
        return 0;
    }
    if (fresh_ticket(s, pv, &f, &why, err) != 0)
        return -1;
    if (why != NULL) {
        snprintf(skip, sizeof(skip), "not checked: the connection that was to take a fresh "
                 "ticket: %s", why);
        skip_all(s, 0, skip);
        tl_lp_conn_free(&f);
        return 0;
    }
    snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: ticketlab-probe "
             "(0-RTT check)\r\nConnection: close\r\n\r\n", s->sni ? s->sni : s->o->host);
    if ((ctx = tl_lp_client_ctx_det(TLS1_3_VERSION, 1, err)) == NULL)
        goto done;
    if (RAND_bytes(seed, sizeof(seed)) != 1) {
        tl_error_set_ssl(err, "no random bytes");
        goto done;
    }
    for (size_t i = 0; i < sizeof(seed); i++)
        seed64 = seed64 << 8 | seed[i];
    tl_rng_seed(seed64);
    if (first_and_replay(s, ctx, &f.t[0], (const unsigned char *)req, strlen(req), &took,
                         err) != 0)
        goto done;
    if (!took) {
        skip_all(s, 2, "not checked: the server did not accept early data on a fresh ticket (see "
                 "tls13.0rtt)");
        rc = 0;
        goto done;
    }
    if (check_tweak(s, pv, ctx, 0, (const unsigned char *)req, strlen(req), err) != 0
        || check_tweak(s, pv, ctx, 1, (const unsigned char *)req, strlen(req), err) != 0)
        goto done;
    rc = 0;
done:
    SSL_CTX_free(ctx);
    tl_lp_conn_free(&f);
    return rc;
}

#else /* BoringSSL, AWS-LC */

/*
 * Their clients send early data through SSL_set_early_data_enabled() and
 * SSL_write() during the handshake, and a plain build's RNG is the
 * kernel's, so the byte-identical replay cannot be made: not checked.
 */
int tl_lp_check_early_data(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, tl_error *err)
{
    const char *lacks = tl_tlslib_lacks(TL_API_EARLY_DATA_RW);
    char skip[300];

    (void)pv;
    (void)t;
    (void)err;
    snprintf(skip, sizeof(skip), "not checked: %s", lacks != NULL ? lacks : tl_tlslib_name());
    skip_all(s, 0, s->o->no_early_data ? not_applicable(s, t) : skip);
    return 0;
}

#endif
