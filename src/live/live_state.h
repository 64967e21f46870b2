/*
 * live_state.h - the state of one live probe, shared by live_probe.c (the
 * connections and the checks that need them) and live_checks.c (the checks
 * that only look at the captured tickets). Internal; see live.h.
 */
#ifndef TICKETLAB_LIVE_STATE_H
#define TICKETLAB_LIVE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "live.h"

#define TL_LP_TICKETS_PER_CONN 8     /* tickets kept per connection */

/* A ticket the server sent, with the client's session for it. */
typedef struct tl_lp_ticket {
    const unsigned char *bytes;      /* inside sess */
    size_t len;
    uint32_t hint;                   /* lifetime hint, seconds */
    uint32_t max_early_data;
    SSL_SESSION *sess;               /* owned */
    double at;                       /* tl_live_now() when it arrived */
} tl_lp_ticket;

/* One connection's outcome. */
typedef struct tl_lp_conn {
    tl_live_io io;
    char why[320];                   /* when io is not TL_LIVE_IO_OK */
    int no_tcp;                      /* the TCP connection failed (why names the address) */
    int reused;
    int version;
    size_t n_total;                  /* tickets received, all counted */
    size_t n;                        /* tickets kept in t */
    tl_lp_ticket t[TL_LP_TICKETS_PER_CONN];
    size_t nst_msgs;                 /* NewSessionTicket messages seen (well-formed or not) */
    int flood;                       /* TL_LP_NST_FLOOD of them came: reading stopped */
    char nst_bad[200];               /* the first malformed NewSessionTicket, "" if none */
    char after_why[320];             /* the connection failed after the handshake, "" if not */
    int out_of_time;                 /* the run deadline cut it short or prevented it */
    tl_live_guard *guard;            /* while it runs: its socket BIO's guard */
} tl_lp_conn;

/* NewSessionTickets read after one handshake before the probe stops reading. */
#define TL_LP_NST_FLOOD 64

/* What one TLS version's audit captured. */
typedef struct tl_lp_version {
    int version;                     /* TLS1_2_VERSION or TLS1_3_VERSION */
    const char *prefix;              /* "tls12", "tls13": the checks' name prefix */
    const char *label;               /* "TLS 1.2" */
    SSL_CTX *ctx;
    int usable;                      /* the first handshake completed */
    char unusable[400];              /* why not, when not */
    tl_lp_conn *full;                /* the o->connections full handshakes */
    size_t n_full;
} tl_lp_version;

typedef struct tl_lp_state {
    const tl_live_opts *o;
    tl_live_report *out;
    const char *sni;                 /* resolved default: NULL for none */
    unsigned char alpn[256];
    size_t alpn_len;
    tl_lp_version v[2];              /* [0] TLS 1.2, [1] TLS 1.3 */
    double deadline;                 /* tl_live_now() time the whole run ends */
    double run_seconds;              /* the run's bound, as reported */
    int out_of_time;                 /* it passed: every check from now on is "not checked" */
} tl_lp_state;

/*
 * tl_lp_check - append a check to the report (seen is printf-style). Once
 * the run deadline has passed (s->out_of_time), every check is appended
 * as "not checked: run deadline" instead.
 */
void tl_lp_check(tl_lp_state *s, const char *name, tl_verdict verdict, const char *expected,
                 const char *why, const char *seen_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* tl_lp_first_ticket - the first ticket of the full handshakes of pv, or NULL. */
const tl_lp_ticket *tl_lp_first_ticket(const tl_lp_version *pv);

/* live_probe.c: connections (see there). */

/*
 * tl_lp_run_conn - one connection of pv's version under sni (NULL: none),
 * offering `offer` (may be NULL); with collect, it reads until the server
 * is quiet, for TLS 1.3's tickets. The outcome is in c (free it with
 * tl_lp_conn_free), a failed connection included. Returns 0, or -1 with
 * err when the harness itself fails.
 */
int tl_lp_run_conn(tl_lp_state *s, tl_lp_version *pv, const char *sni, SSL_SESSION *offer,
                   int collect, tl_lp_conn *c, tl_error *err);

/*
 * tl_lp_too_big - NULL when the probe can offer t back, else why not
 * ("ticket larger than 60000 bytes ...", a limit of the probe's own).
 */
const char *tl_lp_too_big(const tl_lp_ticket *t);

/*
 * tl_lp_offer_ticket - offer `ticket` (len bytes) in a fresh copy of base
 * under sni; c gets the outcome. Returns 0, or -1 with err.
 */
int tl_lp_offer_ticket(tl_lp_state *s, tl_lp_version *pv, SSL_SESSION *base,
                       const unsigned char *ticket, size_t len, const char *sni, tl_lp_conn *c,
                       tl_error *err);

/*
 * tl_lp_client_ctx - the probe's client context for one TLS version: no
 * certificate checks (any server is audited), a session cache that hands
 * every new session to the connection that made it (live_conn.c). Returns
 * it, or NULL with err.
 */
SSL_CTX *tl_lp_client_ctx(int version, tl_error *err);

/*
 * tl_lp_client_ctx_det - the same without the session capture; with
 * deterministic, made by tl_tlslib_ctx_new() (on OpenSSL: in ticketlab's
 * library context, whose RNG is the deterministic stream of rng.h), for
 * the 0-RTT connections. Returns it, or NULL with err.
 */
SSL_CTX *tl_lp_client_ctx_det(int version, int deterministic, tl_error *err);

/*
 * tl_lp_conn_deadline - the deadline of a connection starting now (now +
 * o->timeout, or the run deadline if sooner). Returns 0 (o->timeout
 * bounds it), 1 (the run deadline does), or -1 after setting
 * s->out_of_time when the run deadline has already passed.
 */
int tl_lp_conn_deadline(tl_lp_state *s, double *deadline);

/* tl_lp_conn_free - free the sessions c holds and clear it. */
void tl_lp_conn_free(tl_lp_conn *c);

/* tl_lp_outcome - "resumed", "full handshake, not resumed", or why the connection failed. */
const char *tl_lp_outcome(const tl_lp_conn *c);

/*
 * tl_lp_must_not_resume - the verdict for an offer that must not resume:
 * pass for a full handshake, fail for a resumption or a server that hangs
 * or drops the connection, warn for a refused handshake.
 */
tl_verdict tl_lp_must_not_resume(const tl_lp_conn *c);

/* live_checks.c: the checks on the captured tickets alone. */
void tl_lp_check_tickets(tl_lp_state *s, tl_lp_version *pv);   /* counts, sizes, hints */
void tl_lp_check_layout(tl_lp_state *s, tl_lp_version *pv);    /* key name, IVs */
int tl_lp_check_zero_keys(tl_lp_state *s, tl_lp_version *pv, tl_error *err);

/*
 * live_time.c: the opt-in checks that wait (--expire, --watch), on every
 * audited version at once, so that the waits overlap. Returns 0, or -1
 * with err when the harness fails.
 */
int tl_lp_check_time(tl_lp_state *s, tl_error *err);

/*
 * live_0rtt.c: the TLS 1.3 early-data checks (tls13.0rtt, 0rtt-replay,
 * 0rtt-age, 0rtt-size), when the server's tickets allow early data and
 * o->no_early_data is 0; otherwise they are reported not checked, with
 * why. Returns 0, or -1 with err when the harness fails.
 */
int tl_lp_check_early_data(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, tl_error *err);

#endif
