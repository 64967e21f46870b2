/*
 * get_error_ignores_queue.c - self-test of get-error-ignores-queue
 * (release.h).
 *
 * The client offers a TLS 1.3 ticket whose HMAC is right but whose
 * plaintext has no valid PKCS#7 pad, to a server that accepts only P-256
 * while the client's key share is X25519: the server answers with a
 * HelloRetryRequest. tls_decrypt_ticket leaves EVP_DecryptFinal's "bad
 * decrypt" on the error queue. Without the change SSL_get_error() reads the
 * queue when the server waits for the second ClientHello and reports
 * SSL_ERROR_SSL: the server gives up, with no alert. With it (OpenSSL 4.0,
 * openssl pull 29991) SSL_get_error() answers from the connection's own
 * error state and the handshake completes in full.
 */
#include "selftest.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ticketlab/keyring.h"
#include "ticketlab/rng.h"
#include "ticketlab/ticket.h"

/* Owns the ticket bytes the second handshake offers. */
typedef struct bad_ticket {
    unsigned char *bytes;
    size_t len;
} bad_ticket;

/* One block of plaintext ending in 0 (no PKCS#7 pad), sealed with the
 * world's key, its pad block cut and the HMAC redone over what is left. */
static int offer_bad_padding(tl_world *w, tl_handshake_opts *o, void *arg, tl_error *err)
{
    bad_ticket *t = arg;
    const tl_key *key = tl_keyring_current(tl_world_keyring(w));
    unsigned char iv[TL_TICKET_IV_LEN], block[16];
    size_t sealed = 0, body, maclen = 0;

    if (key == NULL)
        return tl_error_set(err, "the self-test's key ring has no live key");
    memset(iv, 0x5c, sizeof(iv));
    memset(block, 0x33, sizeof(block));
    block[15] = 0;
    if (tl_ticket_seal(key, iv, block, sizeof(block), &t->bytes, &sealed, err) != 0)
        return -1;
    body = TL_KEY_NAME_LEN + TL_TICKET_IV_LEN + sizeof(block);
    if (sealed < body + TL_TICKET_MAC_LEN)
        return tl_error_set(err, "the sealed ticket is only %zu bytes", sealed);
    if (EVP_Q_mac(tl_libctx(NULL), "HMAC", NULL, "SHA256", NULL, key->hmac, key->hmac_len, t->bytes, body,
                  t->bytes + body, TL_TICKET_MAC_LEN, &maclen) == NULL || maclen != TL_TICKET_MAC_LEN)
        return tl_error_set_ssl(err, "HMAC-SHA256 failed");
    t->len = body + TL_TICKET_MAC_LEN;
    o->ticket = t->bytes;
    o->ticket_len = t->len;
    o->replace_ticket = 1;
    return 0;
}

int tl_selftest_get_error_ignores_queue(tl_error *err)
{
    tl_world_config cfg;
    tl_handshake_result again;
    bad_ticket t = { NULL, 0 };
    int answer = -1;

    tl_world_config_init(&cfg);
    cfg.server_groups = "P-256";
    if (tl_selftest_resume(&cfg, offer_bad_padding, &t, &again, err) != 0) {
        free(t.bytes);
        return -1;
    }
    if (!again.hrr)
        tl_error_set(err, "the server sent no HelloRetryRequest");
    else if (again.client.ok && again.server.ok && !again.server.reused)
        answer = 1;
    else if (!again.server.ok && again.server.alert_sent < 0)
        answer = 0;
    else
        tl_error_set(err, "a bad-padding ticket after a HelloRetryRequest gave neither a full "
                          "handshake nor a silent server failure (client %s, server %s, alert %d)",
                     again.client.ok ? "ok" : "failed", again.server.ok ? "ok" : "failed",
                     again.server.alert_sent);
    tl_handshake_result_free(&again);
    free(t.bytes);
    return answer;
}
