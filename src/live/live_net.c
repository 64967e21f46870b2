/*
 * live_net.c - sockets with deadlines, and OpenSSL over them; see live.h.
 *
 * Every socket is non-blocking and every wait is a poll() bounded by the
 * caller's deadline, so a peer that accepts and never answers, or stops in
 * the middle of a handshake, costs at most the deadline.
 */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "ossl_compat.h"

double tl_live_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tl_live_wait(int fd, int want_write, double deadline)
{
    for (;;) {
        struct pollfd p = { .fd = fd, .events = want_write ? POLLOUT : POLLIN };
        double left = deadline - tl_live_now();
        int r;

        if (left <= 0)
            return 0;
        r = poll(&p, 1, (int)(left * 1000.0) + 1);
        if (r > 0)
            return 1;   /* ready, or an error/hang-up the next call reports */
        if (r == 0)
            continue;   /* re-check the clock: poll may wake a little early */
        if (errno != EINTR)
            return -1;
    }
}

static void addr_text(const struct sockaddr *sa, char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
        snprintf(out, size, "%s:%u", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        snprintf(out, size, "[%s]:%u", host, port);
    } else {
        snprintf(out, size, "?");
    }
}

/* Connect one address. Returns the socket, or -1 with *failure = errno (ETIMEDOUT at the deadline). */
static int connect_one(const struct addrinfo *ai, double deadline, int *failure)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int soerr = 0;
    socklen_t len = sizeof(soerr);

    if (fd < 0) {
        *failure = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        *failure = errno;
        close(fd);
        return -1;
    }
    switch (tl_live_wait(fd, 1, deadline)) {
    case 1:
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
            soerr = errno;
        if (soerr == 0)
            return fd;
        *failure = soerr;
        break;
    case 0:
        *failure = ETIMEDOUT;
        break;
    default:
        *failure = errno;
        break;
    }
    close(fd);
    return -1;
}

int tl_live_connect(const char *host, const char *port, double deadline, char *addr,
                    size_t addr_size, tl_error *err)
{
    struct addrinfo hints, *list = NULL;
    char where[128] = "";
    int rc, failure = 0, fd = -1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0)
        return tl_error_set(err, "%s: the name does not resolve (%s)", host,
                            rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    for (const struct addrinfo *ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
        addr_text(ai->ai_addr, where, sizeof(where));
        fd = connect_one(ai, deadline, &failure);
        if (failure == ETIMEDOUT)
            break;   /* the deadline is spent: no time for the next address */
    }
    freeaddrinfo(list);
    if (fd >= 0) {
        if (addr != NULL)
            snprintf(addr, addr_size, "%s", where);
        return fd;
    }
    if (failure == ETIMEDOUT)
        return tl_error_set(err, "%s:%s (%s): no answer to the TCP connection before the "
                            "timeout", host, port, where);
    if (failure == ECONNREFUSED)
        return tl_error_set(err, "%s:%s (%s): connection refused: nothing listens there",
                            host, port, where);
    return tl_error_set(err, "%s:%s (%s): cannot connect: %s", host, port, where,
                        strerror(failure));
}

int tl_live_listen(const char *host, unsigned port, unsigned *bound, tl_error *err)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int one = 1, fd;

    if (host == NULL)
        host = "127.0.0.1";
    if (port > 65535)
        return tl_error_set(err, "port %u is out of range (0 to 65535)", port);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return tl_error_set(err, "%s: not an IPv4 address", host);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return tl_error_set(err, "cannot make a socket: %s", strerror(errno));
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0
        || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;

        close(fd);
        if (e == EADDRINUSE)
            return tl_error_set(err, "%s:%u is in use by another program", host, port);
        return tl_error_set(err, "cannot listen on %s:%u: %s", host, port, strerror(e));
    }
    if (listen(fd, 16) != 0 || getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        int e = errno;

        close(fd);
        return tl_error_set(err, "cannot listen on %s:%u: %s", host, port, strerror(e));
    }
    if (bound != NULL)
        *bound = ntohs(sa.sin_port);
    return fd;
}

/* Who is at the other end of ssl. */
static const char *peer_role(SSL *ssl)
{
    return SSL_is_server(ssl) ? "client" : "server";
}

/* The sentence for a failed SSL call whose SSL_get_error() was `e`. */
static tl_live_io describe_failure(SSL *ssl, int e, char *why, size_t why_size)
{
    unsigned long code = ERR_peek_error();
    int saved = errno;
    const char *reason = code ? ERR_reason_error_string(code) : NULL;

    ERR_clear_error();
    if (e == SSL_ERROR_ZERO_RETURN
        || (e == SSL_ERROR_SYSCALL && code == 0 && (saved == 0 || saved == ECONNRESET || saved == EPIPE))
        || (code != 0 && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
        snprintf(why, why_size, "the %s closed the connection%s", peer_role(ssl),
                 SSL_is_init_finished(ssl) ? "" : " in the middle of the handshake");
        return TL_LIVE_IO_CLOSED;
    }
    if (code != 0 && (ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER
                      || ERR_GET_REASON(code) == SSL_R_PACKET_LENGTH_TOO_LONG)) {
        snprintf(why, why_size, "the %s does not speak TLS: it sent something else (OpenSSL: %s)",
                 peer_role(ssl), reason ? reason : "?");
        return TL_LIVE_IO_NOT_TLS;
    }
    if (e == SSL_ERROR_SYSCALL)
        snprintf(why, why_size, "the connection failed: %s", saved ? strerror(saved) : "I/O error");
    else
        snprintf(why, why_size, "the handshake failed: %s", reason ? reason : "TLS error");
    return TL_LIVE_IO_FAILED;
}

tl_live_io tl_live_failure(SSL *ssl, int e, char *why, size_t why_size)
{
    return describe_failure(ssl, e, why, why_size);
}

tl_live_io tl_live_handshake(SSL *ssl, int fd, double deadline, char *why, size_t why_size)
{
    for (;;) {
        int r, e, w;

        ERR_clear_error();
        errno = 0;
        r = SSL_do_handshake(ssl);
        if (r == 1)
            return TL_LIVE_IO_OK;
        e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return describe_failure(ssl, e, why, why_size);
        w = tl_live_wait(fd, e == SSL_ERROR_WANT_WRITE, deadline);
        if (w == 0) {
            BIO *rb = SSL_get_rbio(ssl);

            if (rb != NULL && BIO_number_read(rb) == 0)
                snprintf(why, why_size, "the %s but sent nothing before the timeout",
                         SSL_is_server(ssl) ? "client connected" : "server accepted the connection");
            else
                snprintf(why, why_size, "the handshake stalled: no answer before the timeout");
            return TL_LIVE_IO_TIMEOUT;
        }
        if (w < 0) {
            snprintf(why, why_size, "poll failed: %s", strerror(errno));
            return TL_LIVE_IO_FAILED;
        }
    }
}

size_t tl_live_drain(SSL *ssl, int fd, double quiet, double deadline)
{
    unsigned char buf[4096];
    size_t progress = 0;

    for (;;) {
        double until = tl_live_now() + quiet;
        int r, e;

        if (until - quiet >= deadline)
            return progress;   /* a peer that never stops talking */
        if (SSL_pending(ssl) == 0
            && tl_live_wait(fd, 0, until < deadline ? until : deadline) != 1)
            return progress;
        ERR_clear_error();
        r = SSL_read(ssl, buf, sizeof(buf));
        if (r > 0) {
            progress++;
            continue;
        }
        e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            ERR_clear_error();
            return progress;
        }
        progress++;   /* a record with no application data: a NewSessionTicket, say */
    }
}
