/*
 * ct_lib.c - fuzz_client_ticket's rules per TLS library: what the client
 * of OpenSSL 3, or of BoringSSL and AWS-LC, does with a NewSessionTicket,
 * and the server calls only OpenSSL has. See ct_lib.h for each rule and
 * where in the libraries' sources it comes from.
 */
#include "ct_lib.h"

#include <stdio.h>

#include "der.h"
#include "fuzz_common.h"
#include "ossl_compat.h"
#include "ticketlab/tlslib.h"

void tl_ct_lib_note(void)
{
    static int said;

    if (said || !G.verbose || TL_TLSLIB_OPENSSL)
        return;
    said = 1;
    fprintf(stderr,
            "client_ticket: on %s: TLS 1.3 sessions keep no lifetime hint, their timeout is "
            "checked instead (the established session's, capped by the ticket's); a ticket "
            "without early_data keeps the established session's limit, not the previous "
            "ticket's; the age offered is whole seconds while the timeout is not past; a TLS "
            "1.2 ClientHello's session id is random, not the session's (not checked); the "
            "server knobs' app data is n/a (no generate callback)\n",
            tl_tlslib_name());
}

#if !TL_TLSLIB_OPENSSL
/* The INTEGER inside the [24] EXPLICIT field of a BoringSSL/AWS-LC session
 * DER (ssl/ssl_asn1.cc, kTicketMaxEarlyDataTag: written only when not 0). */
static uint32_t der_max_early_data(const unsigned char *der, size_t n)
{
    size_t clen, h = tl_der_header(der, n, 4, &clen), inner, ilen;
    const unsigned char *p = der + h, *end;
    uint32_t v = 0;

    if (h == 0 || der[0] != 0x30)
        tl_fuzz_die("harness: a session's DER is not a SEQUENCE");
    end = p + clen;
    while (p < end) {
        h = tl_der_header(p, (size_t)(end - p), 4, &clen);
        if (h == 0)
            tl_fuzz_die("harness: a session's DER does not parse");
        if (p[0] == 0xb8) {   /* context-specific, constructed, 24 */
            inner = tl_der_header(p + h, clen, 4, &ilen);
            if (inner == 0 || p[h] != 0x02 || ilen > 5)
                tl_fuzz_die("harness: a session's max_early_data is not a small INTEGER");
            for (size_t i = 0; i < ilen; i++)
                v = v << 8 | p[h + inner + i];
            return v;
        }
        p += h + clen;
    }
    return 0;
}
#endif

uint32_t tl_ct_lib_max_early_data(const SSL_SESSION *s)
{
#if TL_TLSLIB_OPENSSL
    return SSL_SESSION_get_max_early_data(s);
#else
    unsigned char *der = NULL;
    int len = i2d_SSL_SESSION((SSL_SESSION *)s, &der);
    uint32_t v;

    if (len <= 0)
        tl_fuzz_die("harness: cannot encode a session");
    v = der_max_early_data(der, (size_t)len);
    OPENSSL_free(der);
    return v;
#endif
}

int tl_ct_lib_early_chains(void)
{
    return TL_TLSLIB_OPENSSL;
}

/* Seconds from the session's time to now, as the libraries count (0 when
 * the session is from the future: they treat it as expired). */
static int64_t age_of(const SSL_SESSION *s, int64_t now, int *future)
{
    int64_t t = tl_session_get_time(s);

    *future = t > now;
    return *future ? 0 : now - t;
}

void tl_ct_lib_check_lifetime(const tl_ct_stored *st, const tl_ct_nst *v)
{
    if (!v->ticket_len)
        return;
    if (TL_TLSLIB_OPENSSL || !R.tls13) {
        if (SSL_SESSION_get_ticket_lifetime_hint(st->sess) != v->lifetime)
            tl_fuzz_die("lifetime hint %lu stored, %lu received",
                        (unsigned long)SSL_SESSION_get_ticket_lifetime_hint(st->sess),
                        (unsigned long)v->lifetime);
        return;
    }
    /* tls13_create_session_with_ticket: a copy of the established session,
     * rebased to now (ssl_session_rebase_time), timeout capped by the lifetime. */
    {
        const SSL_SESSION *est = SSL_get_session(R.client);
        int future;
        int64_t delta = age_of(est, st->put_time, &future);
        int64_t left = (int64_t)SSL_SESSION_get_timeout(est);
        int64_t want = future || left < delta ? 0 : left - delta;

        if (want > (int64_t)v->lifetime)
            want = v->lifetime;
        if ((int64_t)SSL_SESSION_get_timeout(st->sess) != want)
            tl_fuzz_die("session timeout %lld stored, expected %lld (the established "
                        "session's %lld s left, the lifetime %lu)",
                        (long long)SSL_SESSION_get_timeout(st->sess), (long long)want,
                        (long long)(future || left < delta ? 0 : left - delta),
                        (unsigned long)v->lifetime);
    }
}

int tl_ct_lib_offer_age(const tl_ct_stored *st, const tl_ct_nst *v, int64_t step, uint32_t *age)
{
#if TL_TLSLIB_OPENSSL
    (void)st;
    *age = step > 0 ? (uint32_t)(step - 1) : 0;
    return !(v->lifetime < *age);
#else
    /* ssl_session_is_time_valid, and the pre_shared_key writer's age. */
    int future;
    int64_t a = age_of(st->sess, st->put_time + step, &future);

    (void)v;
    *age = (uint32_t)a;
    return !future && (int64_t)SSL_SESSION_get_timeout(st->sess) > a;
#endif
}

int tl_ct_lib_offers12(const tl_ct_stored *st, int64_t step)
{
#if TL_TLSLIB_OPENSSL
    (void)st;
    (void)step;
    return 1;
#else
    int future;
    int64_t a = age_of(st->sess, st->put_time + step, &future);

    return !future && (int64_t)SSL_SESSION_get_timeout(st->sess) > a;
#endif
}

int tl_ct_lib_sid_is_session_id(void)
{
    return TL_TLSLIB_OPENSSL;
}

void tl_ct_lib_handshake_tickets(tl_world *w, size_t n)
{
#if TL_TLSLIB_OPENSSL
    (void)w;
    (void)n;
#else
    if (!SSL_CTX_set_num_tickets(tl_world_server_ctx(w), n))
        tl_fuzz_die("harness: SSL_CTX_set_num_tickets(%zu) refused", n);
#endif
}

int tl_ct_lib_new_tickets(SSL *server, size_t n)
{
#if TL_TLSLIB_OPENSSL
    for (size_t i = 0; i < n; i++)
        if (SSL_new_session_ticket(server) != 1)
            return -1;
#else
    /* They went out with the handshake, but wait for the server's next
     * write (do_send_new_session_ticket): a zero-byte one flushes them. A
     * handshake that failed minting them has nothing to flush. */
    (void)n;
    if (SSL_is_init_finished(server) && SSL_write(server, "", 0) < 0)
        return -1;
#endif
    return 0;
}

#if !TL_TLSLIB_OPENSSL
static SSL_SESSION *quiet;   /* the last TLS 1.3 session dropped while quiet */
#endif

int tl_ct_lib_quiet_session(SSL_SESSION *sess)
{
#if TL_TLSLIB_OPENSSL
    (void)sess;
    return 0;
#else
    if (!R.tls13)
        return 0;
    SSL_SESSION_free(quiet);
    quiet = sess;
    return 1;
#endif
}

SSL_SESSION *tl_ct_lib_session_after_ticket(SSL *client)
{
#if TL_TLSLIB_OPENSSL
    return SSL_get1_session(client);
#else
    SSL_SESSION *s = quiet;

    (void)client;
    quiet = NULL;
    return s;
#endif
}

int tl_ct_lib_genuine_checkable(void)
{
    static int said;

    if (TL_TLSLIB_OPENSSL || R.full)
        return 1;
    if (G.verbose && !said) {
        said = 1;
        fprintf(stderr, "client_ticket: on %s a genuine ticket on the kept connection is "
                "another connection's: its secret is not checked (a fresh connection, "
                "header bit 2, checks it)\n", tl_tlslib_name());
    }
    return 0;
}

void tl_ct_lib_lean_client(SSL_CTX *client_ctx)
{
#if TL_TLSLIB_OPENSSL
    if (!SSL_CTX_set_ciphersuites(client_ctx, CT_SUITE13)
        || !SSL_CTX_set_cipher_list(client_ctx, CT_CIPHER12)
        || !SSL_CTX_set1_sigalgs_list(client_ctx, "ECDSA+SHA256"))
        tl_fuzz_die("harness: the client refuses the server's one suite and signature scheme");
#else
    (void)client_ctx;
#endif
}

void tl_ct_lib_resume_without_dhe(SSL *client, SSL *server)
{
#if TL_TLSLIB_OPENSSL
    SSL_set_options(client, SSL_OP_ALLOW_NO_DHE_KEX);
    /* P-256: its key generation is assembly, X25519's is C (and under a
     * fuzzing build, instrumented C). */
    if (!SSL_set1_groups_list(client, "P-256"))
        tl_fuzz_die("harness: the client refuses P-256");
    if (server != NULL) {
        SSL_set_options(server, SSL_OP_ALLOW_NO_DHE_KEX);
        if (!SSL_set1_groups_list(server, "X25519"))
            tl_fuzz_die("harness: the server refuses X25519");
    }
#else
    (void)client;
    (void)server;
#endif
}

int tl_ct_lib_mints_in_handshake(void)
{
    return !TL_TLSLIB_OPENSSL;
}

int tl_ct_lib_key_enc(int want)
{
    static int said;

    if (tl_tlslib_which() != TL_TLSLIB_KIND_AWSLC || want != 0)
        return want;
    if (G.verbose && !said) {
        said = 1;
        fprintf(stderr, "client_ticket: on AWS-LC the key callback's 0 on encrypt is not run "
                "(AWS-LC dereferences the empty cipher context): the knob runs as natural\n");
    }
    return TL_NATURAL;
}

int tl_ct_lib_renew(tl_policy *p)
{
#if TL_TLSLIB_OPENSSL
    return tl_policy_set_decrypt(p, SSL_TICKET_SUCCESS, SSL_TICKET_RETURN_USE_RENEW) != 0
                   || tl_policy_set_decrypt(p, SSL_TICKET_SUCCESS_RENEW,
                                            SSL_TICKET_RETURN_USE_RENEW) != 0
               ? -1
               : 0;
#else
    return tl_policy_script_key(p, 0, 2);
#endif
}
