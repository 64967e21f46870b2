/*
 * live_serve.c - the in-process issuer on a real socket; see live_serve.h.
 *
 * One process, one thread, one poll loop. Every connection is a
 * non-blocking SSL object with a state (handshake, request, answer,
 * shutdown) that moves on whenever its socket is ready, and a deadline of
 * its own: a client that stalls half-way holds only its own slot until
 * its deadline, never the loop. Each connection also has its own copy of
 * the world's issuer, so that its callback calls are logged apart (and
 * freed when it ends) and the key callback scripts count from its first
 * call, whatever the other connections do in between.
 *
 * Determinism: a lone connection is served exactly as before; connections
 * that overlap draw from the one harness RNG in the order the loop runs
 * them, which depends on the timing of the clients.
 */
#define _GNU_SOURCE   /* accept4 */
#include "live_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "ticketlab/clock.h"
#include "ticketlab/rng.h"

static const char http_answer[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
    "Connection: close\r\n\r\nok\n";

enum { ST_HANDSHAKE, ST_REQUEST, ST_ANSWER, ST_SHUTDOWN, ST_LINGER, ST_DONE };

/* After its close_notify, serve reads what the client still sends, up to this long, before it
 * closes the socket: a close with unread bytes would reset the connection under the client. */
#define LINGER_SECONDS 1.0

typedef struct conn {
    tl_serve_conn info;
    int fd;
    SSL *ssl;
    tl_nst_filter *nst;
    tl_issuer iss;            /* the world's, with this connection's log and counters */
    tl_event_log log;
    double deadline;
    int state;
    int want_write;
    int close_notify_read;    /* the client's close_notify came before ours */
    int ready;                /* its socket is ready (this round of poll) */
    char req[4096];
    size_t req_n, sent;
} conn;

/* OpenSSL's message callback: note the ClientHello and every NewSessionTicket sent. */
static void on_message(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *ssl, void *arg)
{
    conn *c = arg;
    const unsigned char *m = buf;
    tl_wire_nst t;

    (void)version;
    if (content_type != SSL3_RT_HANDSHAKE || len < 4 || c == NULL)
        return;
    if (!write_p && m[0] == SSL3_MT_CLIENT_HELLO) {
        tl_wire_hello_parse(m, len, &c->info.hello);   /* a malformed one: what was read */
        c->info.hello_seen = 1;
    } else if (write_p && m[0] == SSL3_MT_NEWSESSION_TICKET
               && tl_wire_nst_parse(m, len, SSL_version(ssl) == TLS1_3_VERSION, &t) == 0) {
        t.at = tl_live_now();
        if (c->info.n_tickets < TL_SERVE_TICKETS_MAX)
            c->info.tickets[c->info.n_tickets] = t;
        c->info.n_tickets++;
    }
}

static void describe(conn *c)
{
    const unsigned char *alpn = NULL;
    unsigned alpn_len = 0;
    const char *sni = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
    tl_serve_conn *i = &c->info;

    i->reused = SSL_session_reused(c->ssl);
    snprintf(i->version, sizeof(i->version), "%s", SSL_get_version(c->ssl));
    snprintf(i->cipher, sizeof(i->cipher), "%s",
             SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl)));
    snprintf(i->sni, sizeof(i->sni), "%s", sni ? sni : "");
    SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
    snprintf(i->alpn, sizeof(i->alpn), "%.*s", (int)alpn_len, alpn ? (const char *)alpn : "");
}

/* Keep the session resumable whatever happens to the close_notify. */
static void give_up(conn *c)
{
    SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    c->state = ST_DONE;
}

/* An SSL call of state c->state failed with SSL_get_error() e. */
static void failed(conn *c, int e)
{
    if (c->state == ST_HANDSHAKE) {
        c->info.io = tl_live_failure(c->ssl, e, c->info.why, sizeof(c->info.why));
        c->state = ST_DONE;
        return;
    }
    if (c->state == ST_REQUEST && e == SSL_ERROR_ZERO_RETURN) {
        c->close_notify_read = 1;
        c->state = ST_SHUTDOWN;   /* the client's close_notify: answer it */
        return;
    }
    if (c->state == ST_SHUTDOWN && c->close_notify_read) {
        /* The client sent its close_notify first: the connection ended well. A client that
         * closes its socket with bytes unread (gnutls-cli --resume leaves the rest of a large
         * ticket) resets it under our own close_notify; 3.x hid that EPIPE behind the error
         * queue, 4.0's SSL_get_error() reports it: either way it is not a refusal. */
        ERR_clear_error();
        give_up(c);
        return;
    }
    if (c->state == ST_LINGER || c->state == ST_ANSWER || c->state == ST_SHUTDOWN) {
        /* its close_notify or its close end the connection well; an alert or a reset is the
         * client refusing something it read (a crafted ticket, say) */
        char why[sizeof(c->info.after)];
        int reset = e == SSL_ERROR_SYSCALL && (errno == ECONNRESET || errno == EPIPE);

        if (tl_live_failure(c->ssl, e, why, sizeof(why)) != TL_LIVE_IO_CLOSED || reset) {
            if (reset)
                snprintf(why, sizeof(why), "the client reset the connection");
            const char *p = strncmp(why, "the handshake failed: ", 22) == 0 ? why + 22 : why;

            c->info.client_closed = 1;
            snprintf(c->info.after, sizeof(c->info.after), "%s", p);
        }
        ERR_clear_error();
        if (c->state == ST_LINGER) {
            c->state = ST_DONE;
            return;
        }
    }
    if (c->state == ST_REQUEST) {
        c->info.client_closed = 1;
        tl_live_failure(c->ssl, e, c->info.after, sizeof(c->info.after));
    }
    ERR_clear_error();
    give_up(c);
}

/* Run c as far as it goes without waiting. */
static void step(conn *c)
{
    const size_t answer_len = sizeof(http_answer) - 1;

    for (;;) {
        int r, e;

        ERR_clear_error();
        errno = 0;
        switch (c->state) {
        case ST_HANDSHAKE:
            if ((r = SSL_do_handshake(c->ssl)) == 1) {
                describe(c);
                c->state = ST_REQUEST;
                continue;
            }
            break;
        case ST_REQUEST:
            r = SSL_read(c->ssl, c->req + c->req_n, (int)(sizeof(c->req) - 1 - c->req_n));
            if (r > 0) {
                c->req_n += (size_t)r;
                c->req[c->req_n] = '\0';
                if (strstr(c->req, "\r\n\r\n") != NULL || strstr(c->req, "\n\n") != NULL) {
                    c->info.http = 1;
                    c->state = ST_ANSWER;
                } else if (c->req_n == sizeof(c->req) - 1) {
                    c->state = ST_SHUTDOWN;   /* not a request we answer */
                }
                continue;
            }
            break;
        case ST_ANSWER:
            r = SSL_write(c->ssl, http_answer + c->sent, (int)(answer_len - c->sent));
            if (r > 0) {
                c->sent += (size_t)r;
                if (c->sent == answer_len)
                    c->state = ST_SHUTDOWN;
                continue;
            }
            break;
        case ST_SHUTDOWN:
            if ((r = SSL_shutdown(c->ssl)) == 1) {
                c->state = ST_DONE;
                return;
            }
            if (r == 0) {
                c->state = ST_LINGER;
                if (c->deadline > tl_live_now() + LINGER_SECONDS)
                    c->deadline = tl_live_now() + LINGER_SECONDS;
                continue;
            }
            break;
        case ST_LINGER:
            if ((r = SSL_read(c->ssl, c->req, (int)sizeof(c->req))) > 0)
                continue;
            break;
        default:
            return;
        }
        e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            c->want_write = e == SSL_ERROR_WANT_WRITE;
            return;
        }
        failed(c, e);
        return;
    }
}

/* c's deadline passed. */
static void expire(conn *c)
{
    if (c->state == ST_HANDSHAKE) {
        BIO *rb = SSL_get_rbio(c->ssl);

        c->info.io = TL_LIVE_IO_TIMEOUT;
        snprintf(c->info.why, sizeof(c->info.why), "%s",
                 rb != NULL && BIO_number_read(rb) == 0
                     ? "the client connected but sent nothing before the timeout"
                     : "the handshake stalled: no answer before the timeout");
        c->state = ST_DONE;
        return;
    }
    if (c->state == ST_REQUEST)
        SSL_shutdown(c->ssl);   /* no request came: say goodbye, once */
    ERR_clear_error();
    give_up(c);
}

/* Keep the first TL_SERVE_EVENTS_MAX callback calls of c, count the rest. */
static void cap_events(conn *c)
{
    if (c->log.n > TL_SERVE_EVENTS_MAX) {
        c->info.events_dropped += c->log.n - TL_SERVE_EVENTS_MAX;
        tl_event_log_truncate(&c->log, TL_SERVE_EVENTS_MAX);
    }
}

static void finish(tl_world *w, conn *c, tl_serve_fn fn, void *arg)
{
    c->info.end = tl_live_now();
    for (size_t i = 0; i < c->log.n; i++)
        if (c->log.ev[i].kind == TL_EV_KEY_CB && !c->log.ev[i].enc && c->log.ev[i].key_found == 0)
            c->info.retired = 1;
    if (c->nst != NULL) {
        const char *why = NULL;

        c->info.n_tickets = tl_nst_sent(c->nst, c->info.tickets, TL_SERVE_TICKETS_MAX, &why);
        if (why != NULL)
            snprintf(c->info.nst_why, sizeof(c->info.nst_why), "%s", why);
    }
    SSL_free(c->ssl);
    close(c->fd);
    ERR_clear_error();
    c->info.events = &c->log;
    fn(w, &c->info, arg);
    tl_nst_free(c->nst);
    tl_event_log_free(&c->log);
    free(c);
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        snprintf(out, size, "%s:%u", host, ntohs(in->sin_port));
    } else {
        snprintf(out, size, "?");
    }
}

/* A new connection on fd for w. Returns it, or NULL with err. */
static conn *conn_new(tl_world *w, int fd, int index, const tl_serve_opts *o, tl_error *err)
{
    conn *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        close(fd);
        tl_error_set(err, "out of memory");
        return NULL;
    }
    c->fd = fd;
    c->info.index = index;
    c->info.start = tl_live_now();
    c->deadline = c->info.start + o->timeout;
    c->info.nst = o->nst != NULL ? o->nst(index, o->nst_arg) : TL_NST_NONE;
    tl_event_log_init(&c->log);
    c->iss = *tl_world_issuer(w);
    c->iss.log = &c->log;
    c->iss.handshake = index;
    c->iss.key_enc_calls = c->iss.key_dec_calls = 0;
    c->iss.last_error[0] = '\0';
    c->ssl = SSL_new(tl_world_server_ctx(w));
    if (c->ssl != NULL && c->info.nst != TL_NST_NONE)
        c->nst = tl_nst_attach(c->ssl, fd, c->info.nst, err);
    if (c->ssl == NULL || (c->info.nst == TL_NST_NONE ? !SSL_set_fd(c->ssl, fd) : c->nst == NULL)
        || tl_issuer_bind(c->ssl, &c->iss) != 0) {
        if (c->ssl == NULL || c->info.nst == TL_NST_NONE)
            tl_error_set_ssl(err, "cannot set up a server connection");
        SSL_free(c->ssl);
        tl_nst_free(c->nst);
        close(fd);
        free(c);
        return NULL;
    }
    SSL_set_msg_callback(c->ssl, on_message);
    SSL_set_msg_callback_arg(c->ssl, c);
    SSL_set_accept_state(c->ssl);
    return c;
}

/*
 * Bring the harness clock to the real time passed since `start` (clock0
 * then), and with o->rotate, add the libtls keys due by now. *rev is the
 * newest revision. Returns 0, or -1 with err.
 */
static int follow_time(tl_world *w, const tl_serve_opts *o, int64_t clock0, double start,
                       uint32_t *rev, tl_error *err)
{
    int64_t elapsed = (int64_t)(tl_live_now() - start);

    tl_clock_freeze(clock0 + elapsed);
    while (o->rotate > 0 && *rev < 1 + (uint64_t)elapsed / o->rotate) {
        unsigned char key[TL_LIBTLS_KEY_LEN];
        tl_keyring *kr = tl_world_keyring(w);

        tl_rng_bytes(key, sizeof(key));
        if (tl_keyring_add_libtls(kr, *rev + 1, key, sizeof(key)) != 0)
            return tl_error_set(err, "rotating the key ring: %s", tl_keyring_error(kr));
        (*rev)++;
    }
    return 0;
}

/* The loop's state. */
typedef struct server {
    tl_world *w;
    const tl_serve_opts *o;
    conn *act[TL_SERVE_ACTIVE_MAX];
    size_t n;                 /* active connections */
    unsigned accepted;
    tl_serve_fn fn;
    void *arg;
} server;

static int want_more(const server *s, volatile sig_atomic_t *stop)
{
    return !*stop && (s->o->connections == 0 || s->accepted < s->o->connections);
}

/* Accept what is waiting on listen_fd. Returns 0, or -1 with err. */
static int accept_all(server *s, int listen_fd, volatile sig_atomic_t *stop, tl_error *err)
{
    while (want_more(s, stop) && s->n < TL_SERVE_ACTIVE_MAX) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        conn *c;

        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
                || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
                return 0;   /* nothing more now (out of descriptors: after one ends) */
            return tl_error_set(err, "accept failed: %s", strerror(errno));
        }
        if ((c = conn_new(s->w, fd, (int)s->accepted, s->o, err)) == NULL)
            return -1;
        s->accepted++;
        peer_text(&ss, c->info.peer, sizeof(c->info.peer));
        s->act[s->n++] = c;
        step(c);   /* the ClientHello may be there already */
    }
    return 0;
}

/* Step the ready connections, expire the late ones, report and drop the ended ones. */
static void run_connections(server *s, int stopping)
{
    double now = tl_live_now();

    for (size_t i = 0; i < s->n;) {
        conn *c = s->act[i];

        if (c->ready)
            step(c);
        c->ready = 0;
        cap_events(c);
        if (c->state != ST_DONE && stopping) {
            if (c->state == ST_HANDSHAKE) {
                c->info.io = TL_LIVE_IO_FAILED;
                snprintf(c->info.why, sizeof(c->info.why),
                         "serve was stopped by a signal during the handshake");
            }
            give_up(c);
        } else if (c->state != ST_DONE && now >= c->deadline) {
            expire(c);
        }
        if (c->state == ST_DONE) {
            finish(s->w, c, s->fn, s->arg);
            s->act[i] = s->act[--s->n];
            continue;
        }
        i++;
    }
}

int tl_live_serve(tl_world *w, int listen_fd, const tl_serve_opts *o,
                  volatile sig_atomic_t *stop, tl_serve_fn fn, void *arg, tl_error *err)
{
    int64_t clock0 = tl_clock_now();
    double start = tl_live_now();
    uint32_t rev = 1;   /* the world's key */
    server *s = calloc(1, sizeof(*s));
    struct pollfd *pfd = calloc(TL_SERVE_ACTIVE_MAX + 1, sizeof(*pfd));
    int rc = 0;

    if (s == NULL || pfd == NULL || fcntl(listen_fd, F_SETFL, O_NONBLOCK) != 0) {
        free(s);
        free(pfd);
        return tl_error_set(err, "cannot set up the server loop: %s", strerror(errno));
    }
    *s = (server){ .w = w, .o = o, .fn = fn, .arg = arg };
    while (rc == 0 && (s->n > 0 || want_more(s, stop))) {
        int accepting = want_more(s, stop) && s->n < TL_SERVE_ACTIVE_MAX;
        double now = tl_live_now(), wake = now + 0.2;
        size_t np = 0, base;
        int r;

        if (accepting)
            pfd[np++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
        base = np;
        for (size_t i = 0; i < s->n; i++) {
            pfd[np++] = (struct pollfd){ .fd = s->act[i]->fd,
                                         .events = s->act[i]->want_write ? POLLOUT : POLLIN };
            if (s->act[i]->deadline < wake)
                wake = s->act[i]->deadline;
            if (s->act[i]->state == ST_DONE)
                wake = now;   /* ended while accepted: report it now */
        }
        r = poll(pfd, (nfds_t)np, wake > now ? (int)((wake - now) * 1000) + 1 : 0);
        if (r < 0 && errno != EINTR) {
            rc = tl_error_set(err, "poll failed: %s", strerror(errno));
            break;
        }
        for (size_t i = 0; r > 0 && i < s->n; i++)
            s->act[i]->ready = pfd[base + i].revents != 0;
        if ((rc = follow_time(w, o, clock0, start, &rev, err)) != 0)
            break;
        run_connections(s, *stop != 0);
        if (accepting && r > 0 && (pfd[0].revents & POLLIN))
            rc = accept_all(s, listen_fd, stop, err);
    }
    while (s->n > 0) {   /* a harness failure: end what is left */
        give_up(s->act[s->n - 1]);
        finish(w, s->act[s->n - 1], fn, arg);
        s->n--;
    }
    free(pfd);
    free(s);
    return rc;
}
