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
} tl_lp_conn;

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
} tl_lp_state;

/* tl_lp_check - append a check to the report (seen is printf-style). */
void tl_lp_check(tl_lp_state *s, const char *name, tl_verdict verdict, const char *expected,
                 const char *why, const char *seen_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* tl_lp_first_ticket - the first ticket of the full handshakes of pv, or NULL. */
const tl_lp_ticket *tl_lp_first_ticket(const tl_lp_version *pv);

/* live_checks.c: the checks on the captured tickets alone. */
void tl_lp_check_tickets(tl_lp_state *s, tl_lp_version *pv);   /* counts, sizes, hints */
void tl_lp_check_layout(tl_lp_state *s, tl_lp_version *pv);    /* key name, IVs */
int tl_lp_check_zero_keys(tl_lp_state *s, tl_lp_version *pv, tl_error *err);

#endif
