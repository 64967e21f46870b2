/*
 * live_serve.h - `ticketlab serve`: the in-process issuer on a real socket,
 * serving many clients at once, auditing what they do with their tickets
 * and sending them crafted NewSessionTickets.
 *
 *   live_serve.c   the poll loop: every connection is a non-blocking SSL
 *                  with its own deadline, its own issuer (callback log and
 *                  script counters) and a bounded record of what it saw
 *   live_wire.c    the ticket fields of ClientHellos and NewSessionTickets,
 *                  read off OpenSSL's message callback
 *   live_audit.c   `serve --audit`: the client's ticket hygiene as checks
 *   live_nst.c     `serve --nst KIND`: crafted NewSessionTickets
 *
 * Memory is bounded per connection (TL_SERVE_EVENTS_MAX callback calls,
 * TL_SERVE_TICKETS_MAX tickets, TL_WIRE_IDS_MAX offered identities are
 * kept; the rest are counted) and freed when the connection ends.
 */
#ifndef TICKETLAB_LIVE_SERVE_H
#define TICKETLAB_LIVE_SERVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "live.h"

/* ---- the wire ------------------------------------------------------------------ */

#define TL_WIRE_IDS_MAX 8

/* One ticket offered: a PSK identity (TLS 1.3) or a SessionTicket (TLS 1.2). */
typedef struct tl_wire_id {
    uint64_t hash;            /* tl_wire_hash() of its bytes */
    size_t len;
    uint32_t age;             /* obfuscated_ticket_age (TLS 1.3) */
} tl_wire_id;

/* What a ClientHello offered about tickets. */
typedef struct tl_wire_hello {
    char sni[256];            /* the host_name bytes as sent (print them escaped) */
    size_t sni_len;
    int psk;                  /* a pre_shared_key extension */
    tl_wire_id ids[TL_WIRE_IDS_MAX];
    size_t n_ids;             /* all identities; the first TL_WIRE_IDS_MAX are in ids */
    int early_data;           /* an early_data extension */
    int ticket_ext;           /* a TLS 1.2 SessionTicket extension */
    tl_wire_id ticket12;      /* its content (len 0: empty, asking for one) */
} tl_wire_hello;

/* A NewSessionTicket sent. */
typedef struct tl_wire_nst {
    uint32_t lifetime;        /* seconds */
    uint64_t hash;            /* of the ticket bytes */
    size_t len;
    int early;                /* an early_data extension ... */
    uint32_t max_early;       /* ... with this max_early_data_size */
    size_t n_ext;
    double at;                /* when serve sent it (tl_live_now); the parser leaves 0 */
} tl_wire_nst;

/* tl_wire_hash - a 64-bit hash of len bytes at p (FNV-1a, mixed with len). */
uint64_t tl_wire_hash(const unsigned char *p, size_t len);

/*
 * tl_wire_hello_parse - read the ticket offers of the ClientHello msg (a
 * whole handshake message, header included) into h. Returns 0, or -1 when
 * it is not a well-formed ClientHello (h keeps what was read).
 */
int tl_wire_hello_parse(const unsigned char *msg, size_t len, tl_wire_hello *h);

/*
 * tl_wire_nst_parse - read the NewSessionTicket msg (header included; TLS
 * 1.3 layout when tls13) into t. Returns 0, or -1 when malformed.
 */
int tl_wire_nst_parse(const unsigned char *msg, size_t len, int tls13, tl_wire_nst *t);

/* ---- crafted NewSessionTickets ------------------------------------------------ */

typedef enum tl_nst_kind {
    TL_NST_NONE = 0,
    TL_NST_LIFETIME_0,        /* lifetime 0: "discard at once" (RFC 8446 4.6.1) */
    TL_NST_LIFETIME_8D,       /* lifetime 691200 s, above the 604800 s limit */
    TL_NST_EMPTY,             /* a zero-length ticket (TLS 1.3: ticket<1..2^16-1>) */
    TL_NST_HUGE,              /* a 65,535-byte ticket, the largest there is */
    TL_NST_UNKNOWN_EXT,       /* an extension of an unassigned type (0x7a7b) */
    TL_NST_DUP_EARLY,         /* two early_data extensions */
    TL_NST_MAX_EARLY,         /* max_early_data_size 0xFFFFFFFF */
    TL_NST_FLOOD,             /* 100 tickets in one flight */
    TL_NST_TLS12_UNASKED,     /* TLS 1.2: a NewSessionTicket the ServerHello did not announce */
    TL_NST_COUNT
} tl_nst_kind;

/* tl_nst_kind_name - "lifetime-0", ...; tl_nst_kind_parse - the reverse (0 or -1). */
const char *tl_nst_kind_name(tl_nst_kind k);
int tl_nst_kind_parse(const char *name, tl_nst_kind *k);

/* tl_nst_kind_tls12 - 1 for the kinds that need a TLS 1.2 server. */
int tl_nst_kind_tls12(tl_nst_kind k);

typedef struct tl_nst_filter tl_nst_filter;

/*
 * tl_nst_attach - make ssl (a server, not yet started, on socket fd) send
 * the crafted NewSessionTicket(s) of `kind` in place of OpenSSL's own: a
 * BIO between ssl and fd rewrites the flight (TLS 1.3: it re-encrypts the
 * server's records with the traffic keys, renumbered; TLS 1.2: it puts a
 * plain record before the ChangeCipherSpec). Returns the filter (free it
 * with tl_nst_free() after SSL_free), or NULL with err.
 */
tl_nst_filter *tl_nst_attach(SSL *ssl, int fd, tl_nst_kind kind, tl_error *err);

/*
 * tl_nst_sent - the crafted tickets the filter sent so far (at most max
 * into out; returns how many in all), and in *why one sentence when it
 * could not craft them (NULL otherwise).
 */
size_t tl_nst_sent(const tl_nst_filter *f, tl_wire_nst *out, size_t max, const char **why);

/* tl_nst_free - free the filter. */
void tl_nst_free(tl_nst_filter *f);

/* tl_nst_setup_ctx - what the filter needs on the server SSL_CTX (a keylog callback). */
void tl_nst_setup_ctx(SSL_CTX *ctx);

/* ---- serving -------------------------------------------------------------------- */

#define TL_SERVE_EVENTS_MAX 32    /* callback calls kept and printed per connection */
#define TL_SERVE_TICKETS_MAX 128  /* NewSessionTickets noted per connection */
#define TL_SERVE_ACTIVE_MAX 512   /* connections served at once */

/* One connection `tl_live_serve` handled. */
typedef struct tl_serve_conn {
    int index;                /* 0, 1, ...: also the events' handshake number */
    char peer[64];            /* "127.0.0.1:40312" */
    tl_live_io io;            /* how the handshake ended */
    char why[320];            /* when io is not TL_LIVE_IO_OK */
    int reused;
    char version[16];         /* "TLSv1.3" */
    char cipher[64];
    char sni[256];            /* as OpenSSL saw it, "" if none (raw: print escaped) */
    char alpn[256];           /* "" if none (raw: print escaped) */
    int http;                 /* an HTTP request came and was answered */
    int client_closed;        /* the client closed or failed after the handshake */
    char after[160];          /* how, when it did */
    double start, end;        /* tl_live_now() at accept and at the end */
    const tl_event_log *events;  /* its callback calls, the first TL_SERVE_EVENTS_MAX */
    size_t events_dropped;    /* calls beyond those */
    int hello_seen;           /* hello holds its (last) ClientHello */
    tl_wire_hello hello;
    tl_wire_nst tickets[TL_SERVE_TICKETS_MAX];
    size_t n_tickets;         /* all NewSessionTickets sent; the first ones are in tickets */
    int retired;              /* a ticket was offered whose key the ring does not hold */
    tl_nst_kind nst;          /* the crafted kind sent, TL_NST_NONE for none */
    char nst_why[160];        /* why the crafted ticket could not be sent, "" if it was */
} tl_serve_conn;

typedef void (*tl_serve_fn)(tl_world *w, const tl_serve_conn *c, void *arg);

/* Which crafted kind connection `index` gets (TL_NST_NONE: none). */
typedef tl_nst_kind (*tl_serve_nst_fn)(int index, void *arg);

/* How `tl_live_serve` serves. */
typedef struct tl_serve_opts {
    unsigned connections;     /* stop after this many (0: no limit) */
    double timeout;           /* seconds for each connection */
    unsigned rotate;          /* > 0: a new libtls key every `rotate` seconds
                                 (the ring keeps the last 4 for decryption) */
    tl_serve_nst_fn nst;      /* NULL: OpenSSL's own tickets on every connection */
    void *nst_arg;
} tl_serve_opts;

/*
 * tl_live_serve - accept connections on listen_fd with the server of w
 * (its SSL_CTX, issuer, key ring, policy) until o->connections have been
 * handled or *stop becomes non-zero (a signal handler sets it; checked at
 * least every 0.2 s). Up to TL_SERVE_ACTIVE_MAX connections are served at
 * once, each bounded by o->timeout seconds on its own: a client that
 * stalls delays nobody else. Each gets a handshake; then, if the client
 * sends an HTTP request, a small "200 ok" answer; then a close_notify.
 * Each is reported to fn when it ends, in the order they end; c->events
 * is its own callback log (freed after fn returns). The harness clock
 * (clock.h), frozen at w's start, moves on by the whole seconds of real
 * time that pass, so that session lifetimes and key ages run as the
 * clients see them; the key callback scripts of w's policy apply to each
 * connection afresh. Returns 0, or -1 with err when accepting fails, a
 * rotation fails, or the harness does.
 */
int tl_live_serve(tl_world *w, int listen_fd, const tl_serve_opts *o,
                  volatile sig_atomic_t *stop, tl_serve_fn fn, void *arg, tl_error *err);

/* ---- the audit ------------------------------------------------------------------ */

typedef struct tl_audit tl_audit;

/* tl_audit_new - an empty audit, or NULL when out of memory. */
tl_audit *tl_audit_new(void);

/*
 * tl_audit_note - add connection c (as tl_live_serve reports it) to the
 * audit: the tickets it was sent, the ones it offered. Memory is bounded:
 * past a few thousand tickets, new ones are counted but not followed.
 */
void tl_audit_note(tl_audit *a, const tl_serve_conn *c);

/*
 * tl_audit_checks - the verdicts over every connection noted, into v
 * (appended): ticket reuse, cross-name offers, expired offers, early data,
 * ignored tickets, retired keys, and one row per crafted kind sent.
 */
void tl_audit_checks(const tl_audit *a, tl_validation *v);

/* tl_audit_connections - how many connections were noted. */
size_t tl_audit_connections(const tl_audit *a);

/* tl_audit_free - free a. */
void tl_audit_free(tl_audit *a);

#endif
