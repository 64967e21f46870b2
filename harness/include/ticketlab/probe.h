/*
 * probe.h - a server-only run with an edited ClientHello.
 *
 * Some inputs no OpenSSL client ever sends, such as a TLS 1.3 PSK identity
 * of length zero (the only way the decrypt callback sees SSL_TICKET_EMPTY
 * in TLS 1.3). The probe lets a real client write its ClientHello for a
 * session, edits it, and feeds the edited bytes to a server of the world
 * alone. The binder no longer matches, but tls_parse_ctos_psk() in
 * ssl/statem/extensions_srvr.c decrypts the identity before it checks the
 * binder, so every ticket callback runs as it would for a real peer.
 */
#ifndef TICKETLAB_PROBE_H
#define TICKETLAB_PROBE_H

#include <openssl/ssl.h>

#include "ticketlab/error.h"
#include "ticketlab/world.h"

typedef struct tl_probe_result {
    int server_ok;        /* 1: the server took the ClientHello and answered it */
    int alert_sent;       /* the fatal alert the server sent, -1 none */
    size_t ev_begin, ev_end;  /* the server's events in the world's log */
} tl_probe_result;

/*
 * tl_probe_empty_psk_identity - write the client's ClientHello offering
 * `sess` (a TLS 1.3 session), replace its PSK identities by one empty
 * identity, and feed it to a fresh server SSL of w. Events are stamped
 * with handshake index `hs`.
 * Returns 0 when the probe ran (see res), -1 with err when it could not
 * (no pre_shared_key extension, OpenSSL refused to build an SSL).
 */
int tl_probe_empty_psk_identity(tl_world *w, SSL_SESSION *sess, int hs,
                                tl_probe_result *res, tl_error *err);

#endif
