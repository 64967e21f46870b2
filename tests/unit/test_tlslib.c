/*
 * test_tlslib.c - the TLS library seam (tlslib.h) as a user sees it, on
 * whichever library the build links: its name, which ticket APIs it lacks
 * and the sentence that says so, the scenarios that are n/a there, and a
 * world that resumes with the library's own key callback.
 */
#include <string.h>

#include "expect.h"
#include "scenario.h"
#include "ticketlab/tlslib.h"
#include "ticketlab/world.h"
#include "tl_test.h"

static void test_names_and_lacks(void)
{
    int openssl = tl_tlslib_which() == TL_TLSLIB_KIND_OPENSSL;
    const char *dcb = tl_tlslib_lacks(TL_API_DECRYPT_CB);

    TL_CHECK(strstr(tl_tlslib_describe(), tl_tlslib_name()) != NULL);
    TL_CHECK_INT(dcb == NULL, openssl);
    TL_CHECK_INT(tl_tlslib_lacks(TL_API_TICKET_AEAD) == NULL, !openssl);
    TL_CHECK_INT(tl_tlslib_lacks(TL_API_TIME_CB) == NULL, !openssl);
    if (!openssl) {
        /* the reason names the library and the missing call */
        TL_CHECK(strstr(dcb, tl_tlslib_name()) != NULL);
        TL_CHECK(strstr(dcb, "SSL_CTX_set_session_ticket_cb") != NULL);
        TL_CHECK(strstr(tl_tlslib_describe(), " ") != NULL);   /* name and commit */
    }
}

static void test_scenarios_lacking_an_api_are_na(void)
{
    tl_scenario sc;
    tl_outcome o;
    char why[TL_EXPECT_WHY_MAX];
    int openssl = tl_tlslib_which() == TL_TLSLIB_KIND_OPENSSL;

    tl_scenario_init(&sc);   /* the decrypt callback is on by default */
    TL_CHECK_INT(tl_scenario_lacks(&sc) == NULL, openssl);
    sc.ticket_cb = 0;
    sc.keys = TL_KEYS_LEGACY_CB;
    sc.present = TL_PRESENT_NEWEST;
    TL_CHECK(tl_scenario_lacks(&sc) == NULL);
    /* the engine models the key callback alone on every library */
    TL_CHECK_INT(tl_expect_predict(&sc, &o, why, sizeof(why)), 0);
    TL_CHECK_INT(o.server_reused, 1);
    /* TLS 1.3: OpenSSL sends no ticket after a resumption, BoringSSL and AWS-LC send num_tickets */
    TL_CHECK_INT(o.n_tickets, openssl ? 0 : 2);
}

static void test_world_resumes_with_the_library_key_callback(void)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_world *w;
    tl_handshake_result full, resumed;
    tl_handshake_opts o = { 0 };

    tl_world_config_init(&cfg);
    TL_CHECK_INT(cfg.ticket_cb, tl_tlslib_lacks(TL_API_DECRYPT_CB) == NULL);
    w = tl_world_new(&cfg, &err);
    TL_CHECK(w != NULL);
    if (w == NULL)
        return;
    TL_CHECK_INT(tl_world_handshake(w, NULL, &full, &err), 0);
    TL_CHECK(full.n_sessions > 0);
    o.session = full.n_sessions > 0 ? full.sessions[0] : NULL;
    TL_CHECK_INT(tl_world_handshake(w, &o, &resumed, &err), 0);
    TL_CHECK_INT(resumed.server.reused, 1);
    TL_CHECK_INT(resumed.client.reused, 1);
    tl_handshake_result_free(&full);
    tl_handshake_result_free(&resumed);
    tl_world_free(w);
}

int main(void)
{
    TL_RUN(test_names_and_lacks);
    TL_RUN(test_scenarios_lacking_an_api_are_na);
    TL_RUN(test_world_resumes_with_the_library_key_callback);
    return TL_DONE();
}
