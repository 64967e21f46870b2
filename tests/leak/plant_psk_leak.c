/*
 * plant_psk_leak.c - a second leak on tls_parse_ctos_psk's path, beside
 * OpenSSL's known one, to show that LeakSanitizer reports it.
 *
 *     plant_psk_leak known|plant|both
 *
 * known: the known leak. A TLS 1.3 resumption whose decrypt callback
 *   returns ABORT on SUCCESS: before 3.0.21/3.5.7/3.6.3, tls_parse_ctos_psk
 *   returns without freeing the decrypted session. ticketlab excuses that
 *   one object (src/det/leaks.c) where detection says the library leaks.
 * plant: the leak the issue planted by hand in an instrumented 3.0.14,
 *   "the session not freed when its hash differs from the new suite's".
 *   The TLS 1.3 session (SHA-384 suite) is offered to a server that now
 *   allows only TLS_AES_128_GCM_SHA256, so tls_parse_ctos_psk drops it with
 *   SSL_SESSION_free(). The decrypt callback took one extra reference to
 *   that session and never gives it back: the free does not free, which
 *   LeakSanitizer cannot tell from a missing free on that path. Same object
 *   (allocated by d2i_SSL_SESSION in tls_decrypt_ticket, called by
 *   tls_parse_ctos_psk), same allocation stack, so the old function-wide
 *   suppression (leak:tls_parse_ctos_psk) would hide it on an OpenSSL
 *   with symbols; the object-wise excuse does not.
 * both: the two, in one process: exactly one object leaks directly.
 *
 * Prints what it did; the leak report is LeakSanitizer's, at exit.
 * pytest/test_leak_excuse.py runs it in the ASan build.
 */
#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "ticketlab/world.h"

static SSL_TICKET_RETURN keep_a_reference(SSL *s, SSL_SESSION *ss, const unsigned char *keyname,
                                          size_t keyname_len, SSL_TICKET_STATUS status, void *arg)
{
    (void)s; (void)keyname; (void)keyname_len; (void)arg;
    if (ss == NULL || (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW))
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    if (SSL_SESSION_up_ref(ss) != 1)   /* the plant: never given back */
        return SSL_TICKET_RETURN_ABORT;
    return SSL_TICKET_RETURN_USE;
}

/* A TLS 1.3 world, a full handshake, then one resumption of its first
 * session, with `suites` on the server for it (NULL: unchanged).
 * Returns the resumption's server result, or -1 when the harness failed. */
static int resume(const tl_world_config *cfg, int abort_success, const char *suites, tl_side_result *server)
{
    tl_error err = { "" };
    tl_world *w = tl_world_new(cfg, &err);
    tl_handshake_result full, again;
    tl_handshake_opts o = { 0 };
    int rc = -1;

    if (w == NULL) {
        fprintf(stderr, "plant_psk_leak: %s\n", err.msg);
        return -1;
    }
    if (tl_world_handshake(w, NULL, &full, &err) == 0 && full.n_sessions > 0) {
        o.session = full.sessions[0];
        if (abort_success)
            tl_policy_set_decrypt(tl_world_policy(w), SSL_TICKET_SUCCESS, SSL_TICKET_RETURN_ABORT);
        if ((suites == NULL || SSL_CTX_set_ciphersuites(tl_world_server_ctx(w), suites) == 1)
            && tl_world_handshake(w, &o, &again, &err) == 0) {
            *server = again.server;
            tl_handshake_result_free(&again);
            rc = 0;
        }
        tl_handshake_result_free(&full);
    }
    if (rc != 0)
        fprintf(stderr, "plant_psk_leak: the harness failed: %s\n", err.msg[0] ? err.msg : "no session");
    tl_world_free(w);
    return rc;
}

int main(int argc, char **argv)
{
    static const tl_user_callbacks planter = { .decrypt = keep_a_reference };
    tl_world_config cfg;
    tl_side_result server;
    tl_error err = { "" };
    const char *mode = argc == 2 ? argv[1] : "";
    int known = strcmp(mode, "known") == 0 || strcmp(mode, "both") == 0;
    int plant = strcmp(mode, "plant") == 0 || strcmp(mode, "both") == 0;

    if (!known && !plant) {
        fprintf(stderr, "usage: plant_psk_leak known|plant|both\n");
        return 2;
    }
    if (tl_detect_install(&err) != 0) {
        fprintf(stderr, "plant_psk_leak: %s\n", err.msg);
        return 2;
    }
    tl_world_config_init(&cfg);
    if (known) {
        if (resume(&cfg, 1, NULL, &server) != 0)
            return 2;
        printf("known: ABORT on SUCCESS, server %s; this library %s the session (%s)\n",
               server.ok ? "completed" : "failed",
               tl_behaviour_has(TL_CHANGE_PSK_ABORT_FREES_SESSION) ? "frees" : "leaks",
               tl_behaviour_has(TL_CHANGE_PSK_ABORT_FREES_SESSION) ? "nothing to excuse" : "excused, that object only");
    }
    if (plant) {
        cfg.user = &planter;
        if (resume(&cfg, 0, "TLS_AES_128_GCM_SHA256", &server) != 0)
            return 2;
        printf("plant: a session of another hash, dropped by tls_parse_ctos_psk, kept alive: server %s, "
               "reused %d\n", server.ok ? "completed" : "failed", server.reused);
    }
    /* LeakSanitizer reports at exit and ends the process without flushing stdio. */
    return fflush(stdout) == 0 ? 0 : 2;
}
