/*
 * clear_drops_session.c - self-test of clear-drops-session (release.h).
 *
 * A TLS 1.3 server SSL that still holds a session (as SSL_clear() leaves
 * it after a clean shutdown) meets a client that offers no PSK. With the
 * change, ssl_get_prev_session frees the leftover before it parses the
 * PSK extension, and the handshake is a full one. Without it, the
 * leftover is taken for the resumed session: the server reports a
 * resumption (and the handshake fails, the client never offered it).
 * The leftover is the server's own kind of session: the client's session
 * with the server's session id context, set on the server SSL before the
 * ClientHello arrives.
 */
#include "selftest.h"

#include <string.h>

/* The world's server session id context (tl_world_config.sid_ctx NULL). */
#define SERVER_SID_CTX "ticketlab"

static int leave_session(SSL *client, SSL *server, void *arg)
{
    (void)client;
    return SSL_set_session(server, arg) == 1 ? 0 : -1;
}

/* Offer nothing; leave a copy of the session on the server (*arg keeps it). */
static int leftover_on_server(tl_world *w, tl_handshake_opts *o, void *arg, tl_error *err)
{
    SSL_SESSION **leftover = arg;

    (void)w;
    *leftover = SSL_SESSION_dup(o->session);
    if (*leftover == NULL
        || SSL_SESSION_set1_id_context(*leftover, (const unsigned char *)SERVER_SID_CTX,
                                       (unsigned)strlen(SERVER_SID_CTX)) != 1)
        return tl_error_set_ssl(err, "cannot make the server's leftover session");
    o->session = NULL;
    o->before = leave_session;
    o->before_arg = *leftover;
    return 0;
}

int tl_selftest_clear_drops_session(tl_error *err)
{
    tl_handshake_result again;
    SSL_SESSION *leftover = NULL;
    int rc = tl_selftest_resume(NULL, leftover_on_server, &leftover, &again, err);

    SSL_SESSION_free(leftover);
    if (rc != 0)
        return -1;
    rc = !again.server.reused && again.server.ok && again.client.ok;
    tl_handshake_result_free(&again);
    return rc;
}
