/*
 * live.h - live mode: real sockets, real peers.
 *
 * The network half (live_net.c): resolve, connect and listen with
 * deadlines, and drive an OpenSSL SSL object over a non-blocking socket
 * so that no call ever waits longer than the deadline it was given.
 *
 * The probe (live_probe.c, live_checks.c, live_time.c): a black-box audit of the session
 * tickets of a running TLS server, with OpenSSL as the client. It captures
 * the tickets the server sends, offers them back, unchanged and tampered,
 * and reports each check as pass, warn, fail or skip (validate.h's
 * tl_check), with what was seen, what was expected and why it matters.
 */
#ifndef TICKETLAB_LIVE_H
#define TICKETLAB_LIVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ticketlab/error.h"
#include "validate.h"
#include "ticketlab/world.h"

/* ---- the network ------------------------------------------------------------ */

/* tl_live_now - a monotonic clock, in seconds. */
double tl_live_now(void);

/*
 * tl_live_connect - resolve host and port (numeric or names) and connect to
 * the first address that answers, giving up at `deadline` (tl_live_now()
 * time). The socket returned is non-blocking. `addr` (may be NULL) gets
 * the address connected to, as text. Returns the socket, or -1 with err:
 * "HOST:PORT: connection refused", "...: no answer within 5 s", "HOST: name
 * does not resolve (...)".
 */
int tl_live_connect(const char *host, const char *port, double deadline, char *addr,
                    size_t addr_size, tl_error *err);

/*
 * tl_live_listen - a listening TCP socket on host:port (host NULL: 127.0.0.1;
 * port 0: any free one). *bound gets the port. Returns the socket, or -1
 * with err ("127.0.0.1:8443 is in use by another program").
 */
int tl_live_listen(const char *host, unsigned port, unsigned *bound, tl_error *err);

/*
 * tl_live_wait - wait until fd is readable (want_write 0) or writable
 * (want_write 1), or the deadline passes. Returns 1 ready, 0 timed out,
 * -1 on a poll error.
 */
int tl_live_wait(int fd, int want_write, double deadline);

/* How an SSL operation over a socket ended. */
typedef enum tl_live_io {
    TL_LIVE_IO_OK = 0,
    TL_LIVE_IO_TIMEOUT,      /* the deadline passed */
    TL_LIVE_IO_CLOSED,       /* the peer closed the connection */
    TL_LIVE_IO_NOT_TLS,      /* the peer answered with something that is not TLS */
    TL_LIVE_IO_FAILED        /* a TLS error (an alert, a refused version, ...) */
} tl_live_io;

/*
 * tl_live_handshake - SSL_do_handshake() on ssl (bound to non-blocking fd)
 * until it completes or `deadline`. Returns how it ended; for anything but
 * TL_LIVE_IO_OK, `why` (why_size bytes) gets one sentence.
 */
tl_live_io tl_live_handshake(SSL *ssl, int fd, double deadline, char *why, size_t why_size);

/*
 * tl_live_drain - read from ssl, discarding application data, until nothing
 * arrives for `quiet` seconds, the peer closes, or `deadline`. For TLS 1.3,
 * whose NewSessionTickets come after the handshake. Returns the number of
 * records' worth of reads that made progress (0 when none).
 */
size_t tl_live_drain(SSL *ssl, int fd, double quiet, double deadline);

/* ---- the probe -------------------------------------------------------------- */

#define TL_LIVE_MAX_CONNECTIONS 64

typedef struct tl_live_opts {
    const char *host;
    const char *port;
    const char *sni;          /* NULL: the host when it is a name, none for an address */
    const char *sni_other;    /* with this: the cross-vhost check */
    int tls12, tls13;         /* which versions to audit (at least one) */
    const char *alpn;         /* comma-separated, NULL: none */
    unsigned connections;     /* full handshakes per version for the ticket
                                 statistics (2..TL_LIVE_MAX_CONNECTIONS) */
    double timeout;           /* seconds for each connection */
    double expire;            /* > 0: the expiry check, waiting at most this long */
    double watch;             /* > 0: the rotation check, tickets this far apart */
    double deadline;          /* seconds for the whole run; 0: TL_LIVE_DEADLINE plus
                                 the --expire and --watch waits */
    int no_early_data;        /* never send 0-RTT data (the tls13.0rtt* checks skip) */
} tl_live_opts;

/* The whole run's default bound, in seconds, before the --expire and --watch waits. */
#define TL_LIVE_DEADLINE 60.0

/*
 * The largest ticket the probe offers back. OpenSSL's client puts the
 * ticket in one ClientHello extension, and all extensions together are at
 * most 65,535 bytes; 60,000 leaves room for the rest (SNI, ALPN, a hybrid
 * post-quantum key share). A bigger ticket is reported "not checked".
 */
#define TL_LIVE_OFFER_MAX 60000

/* tl_live_opts_init - defaults: both versions, 8 connections, 5 s, early data on. */
void tl_live_opts_init(tl_live_opts *o);

typedef struct tl_live_report {
    tl_validation v;          /* the checks (v.plugin: "HOST:PORT", v.provides: the address) */
    char sni[256];            /* the server name sent, "" for none */
    size_t handshakes;        /* connections made */
    double seconds;
} tl_live_report;

/*
 * tl_live_probe - audit the tickets of the server at o->host:o->port into
 * out (initialised here; free it with tl_live_report_free() whatever this
 * returns). Returns 0 when the checks ran (tl_validation_failed(&out->v)
 * gives the verdict), or -1 with err when the server cannot be audited at
 * all: the name does not resolve, nothing listens, it never answers, it
 * closes the connection, it does not speak TLS, or no TLS version asked
 * for completes a handshake. Every connection is bounded by o->timeout,
 * and the whole run by o->deadline (0: TL_LIVE_DEADLINE plus o->expire and
 * o->watch); the checks left when the run deadline passes are reported
 * "not checked: run deadline".
 */
int tl_live_probe(const tl_live_opts *o, tl_live_report *out, tl_error *err);

/* tl_live_report_free - free what out holds. */
void tl_live_report_free(tl_live_report *out);

/* ---- serve ------------------------------------------------------------------ */

/* One connection `tl_live_serve` handled. */
typedef struct tl_serve_conn {
    int index;                /* 0, 1, ...: also the events' handshake number */
    char peer[64];            /* "127.0.0.1:40312" */
    tl_live_io io;            /* how the handshake ended */
    char why[320];            /* when io is not TL_LIVE_IO_OK */
    int reused;
    char version[16];         /* "TLSv1.3" */
    char cipher[64];
    char sni[256];            /* "" if none */
    char alpn[256];           /* "" if none */
    int http;                 /* an HTTP request came and was answered */
    size_t ev_begin, ev_end;  /* its events in tl_world_events(w) */
} tl_serve_conn;

typedef void (*tl_serve_fn)(tl_world *w, const tl_serve_conn *c, void *arg);

/* How `tl_live_serve` serves. */
typedef struct tl_serve_opts {
    unsigned connections;     /* stop after this many (0: no limit) */
    double timeout;           /* seconds for each connection */
    unsigned rotate;          /* > 0: a new libtls key every `rotate` seconds
                                 (the ring keeps the last 4 for decryption) */
} tl_serve_opts;

/*
 * tl_live_serve - accept connections on listen_fd with the server of w
 * (its SSL_CTX, issuer, key ring, policy and event log) until
 * o->connections have been handled or *stop becomes non-zero (a signal
 * handler sets it; checked at least every 0.2 s). Each connection gets a
 * handshake; then, if the client sends an HTTP request, a small "200 ok"
 * answer; then a close_notify. Each is bounded by o->timeout seconds and
 * reported to fn when done. The harness clock (clock.h), frozen at w's
 * start, moves on by the whole seconds of real time that pass, so that
 * session lifetimes and key ages run as the clients see them; the key
 * callback scripts of w's policy apply to each connection afresh. Returns
 * 0, or -1 with err when accepting fails, a rotation fails, or the harness
 * does.
 */
int tl_live_serve(tl_world *w, int listen_fd, const tl_serve_opts *o,
                  volatile sig_atomic_t *stop, tl_serve_fn fn, void *arg, tl_error *err);

#endif
