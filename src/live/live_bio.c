/*
 * live_bio.c - the probe's socket BIO: a guard between OpenSSL and the
 * socket; see live.h (tl_live_guard).
 *
 * It reads and writes a non-blocking socket as OpenSSL's socket BIO does,
 * with two differences. A read ends, as at the end of the stream, once the
 * connection's deadline has passed or its owner has set `stop`: SSL_read()
 * handles post-handshake messages (NewSessionTickets) in a loop of its own
 * for as long as data keeps coming, so a server that never pauses would
 * otherwise hold it past any deadline. And what is written before the first
 * byte is read (a client's first flight: the ClientHello and any early
 * data) can be kept, so that two connections' first flights can be
 * compared byte for byte. It uses only the BIO_METHOD calls that OpenSSL 3,
 * BoringSSL and AWS-LC all have.
 */
#include "live.h"

#include <errno.h>
#include <string.h>

#include <sys/socket.h>

#include <openssl/bio.h>

static BIO_METHOD *guard_method;

static int guard_read(BIO *b, char *out, int len)
{
    tl_live_guard *g = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    if (g == NULL || len <= 0)
        return 0;
    if (g->stop || tl_live_now() >= g->until)
        return 0;   /* as if the peer had closed: the caller's SSL call returns */
    n = recv(g->fd, out, (size_t)len, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            BIO_set_retry_read(b);
        return -1;
    }
    g->heard |= n > 0;
    return (int)n;
}

static int guard_write(BIO *b, const char *in, int len)
{
    tl_live_guard *g = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    if (g == NULL || len <= 0)
        return 0;
    n = send(g->fd, in, (size_t)len, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            BIO_set_retry_write(b);
        return -1;
    }
    if (!g->heard && g->flight != NULL) {
        size_t keep = g->flight_len < g->flight_size ? g->flight_size - g->flight_len : 0;

        if (keep > 0)
            memcpy(g->flight + g->flight_len, in, (size_t)n < keep ? (size_t)n : keep);
    }
    if (!g->heard)
        g->flight_len += (size_t)n;
    return (int)n;
}

static long guard_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int guard_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int guard_destroy(BIO *b)
{
    BIO_set_data(b, NULL);
    return 1;
}

BIO *tl_live_guard_bio(tl_live_guard *g, tl_error *err)
{
    BIO *b;

    if (guard_method == NULL) {
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                     "ticketlab guarded socket");

        if (m == NULL || !BIO_meth_set_read(m, guard_read) || !BIO_meth_set_write(m, guard_write)
            || !BIO_meth_set_ctrl(m, guard_ctrl) || !BIO_meth_set_create(m, guard_create)
            || !BIO_meth_set_destroy(m, guard_destroy)) {
            BIO_meth_free(m);
            return tl_error_set_ssl(err, "cannot make the probe's socket BIO"), NULL;
        }
        guard_method = m;   /* one per process, like OpenSSL's own methods */
    }
    if ((b = BIO_new(guard_method)) == NULL)
        return tl_error_set_ssl(err, "cannot make the probe's socket BIO"), NULL;
    BIO_set_data(b, g);
    return b;
}
