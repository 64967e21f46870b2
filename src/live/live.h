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
 * tl_live_failure - how a failed SSL call on ssl ended, from its
 * SSL_get_error() `e` and the error queue (cleared here), with one
 * sentence in `why`: for a caller that drives ssl itself.
 */
tl_live_io tl_live_failure(SSL *ssl, int e, char *why, size_t why_size);

/*
 * tl_live_drain - read from ssl, discarding application data, until nothing
 * arrives for `quiet` seconds, the peer closes, or `deadline`. For TLS 1.3,
 * whose NewSessionTickets come after the handshake. Returns the number of
 * records' worth of reads that made progress (0 when none).
 */
size_t tl_live_drain(SSL *ssl, int fd, double quiet, double deadline);

/*
 * A guard between OpenSSL and a non-blocking socket (live_bio.c): reads
 * end, as at the end of the stream, once `until` (tl_live_now() time) has
 * passed or `stop` is set, even inside one SSL_read() that keeps handling
 * post-handshake messages; with `flight` set, the first flight (what is
 * written before the first byte is read) is kept, up to flight_size bytes
 * (flight_len counts all of it).
 */
typedef struct tl_live_guard {
    int fd;
    double until;
    int stop;
    unsigned char *flight;    /* NULL: not kept */
    size_t flight_size, flight_len;
    int heard;                /* a byte has been read */
} tl_live_guard;

/*
 * tl_live_guard_bio - a BIO over g->fd guarded by g, for SSL_set_bio(); g
 * must outlive it. Returns it, or NULL with err.
 */
BIO *tl_live_guard_bio(tl_live_guard *g, tl_error *err);

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

/* serve (live_serve.c, live_wire.c, live_audit.c, live_nst.c): see live_serve.h. */

#endif
