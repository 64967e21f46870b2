/*
 * test_probe.c - server-only runs on an edited ClientHello: the valid
 * ticket resumes, junk gives NO_DECRYPT, and the empty ticket reaches
 * EMPTY in TLS 1.2 and the decode_error path in TLS 1.3.
 */
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/probe.h"
#include "ticketlab/release.h"
#include "tl_test.h"

static tl_world *w;
static tl_handshake_result full;

static tl_probe *probe_for(int version)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_probe *p;

    tl_world_config_init(&cfg);
    cfg.tls_version = version;
    w = tl_world_new(&cfg, &err);
    if (w == NULL || tl_world_handshake(w, NULL, &full, &err) != 0 || full.n_sessions == 0) {
        fprintf(stderr, "world: %s\n", err.msg);
        return NULL;
    }
    p = tl_probe_new(w, full.sessions[0], &err);
    if (p == NULL)
        fprintf(stderr, "probe: %s\n", err.msg);
    return p;
}

static void done(tl_probe *p)
{
    tl_probe_free(p);
    tl_handshake_result_free(&full);
    tl_world_free(w);
    w = NULL;
}

static const tl_event *decrypt_event(const tl_probe_result *r)
{
    const tl_event_log *log = tl_world_events(w);

    for (size_t i = r->ev_begin; i < r->ev_end; i++)
        if (log->ev[i].kind == TL_EV_DECRYPT_CB)
            return &log->ev[i];
    return NULL;
}

static void check_common(int version)
{
    tl_probe *p = probe_for(version);
    tl_probe_result r;
    tl_error err = { "" };
    const unsigned char *t;
    size_t tlen;
    unsigned char junk[120];
    const tl_event *e;

    TL_CHECK(p != NULL);
    if (p == NULL)
        return;
    t = tl_probe_ticket(p, &tlen);
    TL_CHECK(tlen > 64);
    /* The unmodified ticket resumes, twice in a row on the same SSL. */
    for (int i = 0; i < 2; i++) {
        TL_CHECK_INT(tl_probe_run(p, t, tlen, &r, &err), 0);
        TL_CHECK_INT(r.failed, 0);
        TL_CHECK_INT(r.resumed, 1);
        e = decrypt_event(&r);
        TL_CHECK(e && e->status == SSL_TICKET_SUCCESS);
    }
    /* Junk: NO_DECRYPT, full handshake. */
    memset(junk, 0x5a, sizeof(junk));
    TL_CHECK_INT(tl_probe_run(p, junk, sizeof(junk), &r, &err), 0);
    TL_CHECK_INT(r.failed, 0);
    TL_CHECK_INT(r.resumed, 0);
    e = decrypt_event(&r);
    TL_CHECK(e && e->status == SSL_TICKET_NO_DECRYPT);
    /* Too long for one record: refused by the harness, not sent. */
    TL_CHECK_INT(tl_probe_run(p, junk, TL_PROBE_MAX_TICKET + 1, &r, &err), -1);
    done(p);
}

static void test_tls12(void)
{
    check_common(TLS1_2_VERSION);
}

static void test_tls13(void)
{
    check_common(TLS1_3_VERSION);
}

static void test_empty_ticket(void)
{
    tl_probe *p = probe_for(TLS1_2_VERSION);
    tl_probe_result r;
    tl_error err = { "" };
    const tl_event *e;

    if (p == NULL)
        return;
    TL_CHECK_INT(tl_probe_run(p, NULL, 0, &r, &err), 0);
    TL_CHECK_INT(r.failed, 0);
    e = decrypt_event(&r);
    TL_CHECK(e && e->status == SSL_TICKET_EMPTY && !e->has_session);
    done(p);

    /* TLS 1.3 before 3.0.21/3.5.7: an empty identity is EMPTY too;
     * IGNORE_RENEW keeps it a decode_error (tls_parse_ctos_psk), IGNORE
     * turns it into no ticket. From then on: decode_error, no callback. */
    p = probe_for(TLS1_3_VERSION);
    if (p == NULL)
        return;
    TL_CHECK_INT(tl_probe_run(p, NULL, 0, &r, &err), 0);
    TL_CHECK_INT(r.failed, 1);
    TL_CHECK_INT(r.alert_sent, 50);
    e = decrypt_event(&r);
    if (tl_release_has(TL_CHANGE_PSK_EMPTY_IDENTITY))
        TL_CHECK(e == NULL);
    else
        TL_CHECK(e && e->status == SSL_TICKET_EMPTY && e->ret == SSL_TICKET_RETURN_IGNORE_RENEW);
    TL_CHECK_INT(tl_policy_set_decrypt(tl_world_policy(w), SSL_TICKET_EMPTY, SSL_TICKET_RETURN_IGNORE), 0);
    TL_CHECK_INT(tl_probe_run(p, NULL, 0, &r, &err), 0);
    TL_CHECK_INT(r.failed, tl_release_has(TL_CHANGE_PSK_EMPTY_IDENTITY) ? 1 : 0);
    TL_CHECK_INT(r.resumed, 0);
    done(p);
}

int main(void)
{
    TL_RUN(test_tls12);
    TL_RUN(test_tls13);
    TL_RUN(test_empty_ticket);
    return TL_DONE();
}
