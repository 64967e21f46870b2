/*
 * psk_abort_frees_session.c - self-test of psk-abort-frees-session
 * (release.h).
 *
 * A TLS 1.3 resumption whose decrypt callback returns ABORT for a ticket
 * that decrypted (SUCCESS). tls_decrypt_ticket hands the decrypted session
 * back with a fatal status; with the change tls_parse_ctos_psk frees it
 * (goto err), without it the session is lost. The callback tags the
 * session with an SSL_SESSION ex_data slot whose free function notes when
 * that session is freed; after the handshake, a session that was not freed
 * is the known leak, and the self-test frees it itself (nobody else holds
 * it), so detecting the leak does not leak.
 */
#include "selftest.h"

#include <openssl/crypto.h>

/* The session the callback saw, and whether OpenSSL has freed it. */
static SSL_SESSION *tagged;
static int tagged_freed;
static int tag_index = -1;

static void on_session_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)ptr; (void)ad; (void)idx; (void)argl; (void)argp;
    if (parent != NULL && parent == tagged)
        tagged_freed = 1;
}

static SSL_TICKET_RETURN abort_on_success(SSL *s, SSL_SESSION *ss, const unsigned char *keyname,
                                          size_t keyname_len, SSL_TICKET_STATUS status, void *arg)
{
    (void)s; (void)keyname; (void)keyname_len; (void)arg;
    if (ss == NULL || (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW))
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    tagged = ss;
    return SSL_TICKET_RETURN_ABORT;
}

int tl_selftest_psk_abort_frees_session(tl_error *err)
{
    static const tl_user_callbacks user = { .decrypt = abort_on_success };
    tl_world_config cfg;
    tl_handshake_result again;
    int answer = -1;

    if (tag_index < 0) {
        tag_index = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_SESSION, 0, NULL, NULL, NULL,
                                            on_session_free);
        if (tag_index < 0)
            return tl_error_set_ssl(err, "cannot get an SSL_SESSION ex_data index");
    }
    tl_world_config_init(&cfg);
    cfg.user = &user;
    tagged = NULL;
    tagged_freed = 0;
    if (tl_selftest_resume(&cfg, NULL, NULL, &again, err) == 0) {
        if (tagged == NULL || again.server.ok)
            tl_error_set(err, "the decrypt callback %s; the server %s",
                         tagged ? "returned ABORT" : "never saw SUCCESS",
                         again.server.ok ? "completed the handshake" : "failed");
        else
            answer = tagged_freed;
        tl_handshake_result_free(&again);
    }
    if (tagged != NULL && !tagged_freed)
        SSL_SESSION_free(tagged);  /* the leak: ours to free, nobody else holds it */
    tagged = NULL;
    return answer;
}
