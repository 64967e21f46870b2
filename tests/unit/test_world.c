/*
 * test_world.c - the in-process world: full and resumed handshakes in TLS
 * 1.2 and 1.3, the event log, determinism, the clock, and tickets minted
 * by a real handshake opened offline.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/clock.h"
#include "ticketlab/ticket.h"
#include "ticketlab/world.h"
#include "tl_test.h"

static tl_world *world(int version, uint64_t seed)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_world *w;

    tl_world_config_init(&cfg);
    cfg.tls_version = version;
    cfg.seed = seed;
    w = tl_world_new(&cfg, &err);
    if (w == NULL)
        fprintf(stderr, "tl_world_new: %s\n", err.msg);
    return w;
}

static const tl_event *event(const tl_world *w, const tl_handshake_result *r, size_t i)
{
    const tl_event_log *log = tl_world_events(w);

    return r->ev_begin + i < r->ev_end ? &log->ev[r->ev_begin + i] : NULL;
}

static void test_clock_reaches_openssl(void)
{
    TL_CHECK_INT(tl_clock_linked(), 1);
}

static void test_tls13_full_then_resumed(void)
{
    tl_world *w = world(TLS1_3_VERSION, 7);
    tl_handshake_result full, res;
    tl_error err = { "" };
    const tl_event *e;

    TL_CHECK(w != NULL);
    if (w == NULL)
        return;
    TL_CHECK_INT(tl_world_handshake(w, NULL, &full, &err), 0);
    TL_CHECK_INT(full.client.ok, 1);
    TL_CHECK_INT(full.server.ok, 1);
    TL_CHECK_INT(full.client.reused, 0);
    TL_CHECK_INT(full.version, TLS1_3_VERSION);
    TL_CHECK_INT(full.n_tickets, 2);          /* OpenSSL's default num_tickets */
    TL_CHECK_INT(full.n_sessions, 2);
    TL_CHECK_INT(full.data_ok, 1);
    TL_CHECK_INT(full.client.alert_received, -1);
    TL_CHECK_INT(full.tickets[0].lifetime_hint, 7200);
    TL_CHECK(full.tickets[0].ticket_len > 16 + 16 + 32);
    /* Two tickets: generate then key callback (enc) for each. */
    TL_CHECK_INT(full.ev_end - full.ev_begin, 4);
    e = event(w, &full, 0);
    TL_CHECK(e && e->kind == TL_EV_GENERATE_CB && e->ret == 1);
    e = event(w, &full, 1);
    TL_CHECK(e && e->kind == TL_EV_KEY_CB && e->enc == 1 && e->ret == 1);
    TL_CHECK(e && memcmp(e->key_name, "\0\0\0\1", 4) == 0);   /* libtls name of rev 1 */

    tl_handshake_opts o = { .session = full.sessions[0] };
    TL_CHECK_INT(tl_world_handshake(w, &o, &res, &err), 0);
    TL_CHECK_INT(res.client.ok && res.server.ok, 1);
    TL_CHECK_INT(res.client.reused, 1);
    TL_CHECK_INT(res.server.reused, 1);
    /* Key callback 1 and USE: SUCCESS, so no new ticket (tls_decrypt_ticket
     * sets ticket_expected only for NO_DECRYPT, SUCCESS_RENEW and EMPTY). */
    TL_CHECK_INT(res.n_tickets, 0);
    e = event(w, &res, 0);
    TL_CHECK(e && e->kind == TL_EV_KEY_CB && e->enc == 0 && e->ret == 1);
    e = event(w, &res, 1);
    TL_CHECK(e && e->kind == TL_EV_DECRYPT_CB && e->status == SSL_TICKET_SUCCESS
             && e->ret == SSL_TICKET_RETURN_USE && e->has_session);
    TL_CHECK_INT(tl_event_log_count(tl_world_events(w), TL_EV_GENERATE_CB, 1), 0);
    tl_handshake_result_free(&res);

    /* A newer key makes the ticket's key old: 2, SUCCESS_RENEW, one new ticket. */
    unsigned char key[48] = { 9 };
    TL_CHECK_INT(tl_keyring_add_libtls(tl_world_keyring(w), 2, key, sizeof(key)), 0);
    o.session = full.sessions[1];
    TL_CHECK_INT(tl_world_handshake(w, &o, &res, &err), 0);
    TL_CHECK_INT(res.server.reused, 1);
    TL_CHECK_INT(res.n_tickets, 1);   /* one ticket after a resumption */
    e = event(w, &res, 0);
    TL_CHECK(e && e->kind == TL_EV_KEY_CB && e->enc == 0 && e->ret == 2);
    e = event(w, &res, 1);
    TL_CHECK(e && e->kind == TL_EV_DECRYPT_CB && e->status == SSL_TICKET_SUCCESS_RENEW
             && e->ret == SSL_TICKET_RETURN_USE_RENEW);
    e = event(w, &res, 3);
    TL_CHECK(e && e->kind == TL_EV_KEY_CB && e->enc == 1 && e->key_name[3] == 2);
    tl_handshake_result_free(&res);
    tl_handshake_result_free(&full);
    tl_world_free(w);
}

static void test_tls12_full_then_resumed(void)
{
    tl_world *w = world(TLS1_2_VERSION, 7);
    tl_handshake_result full, res;
    tl_error err = { "" };
    const tl_event *e;

    TL_CHECK(w != NULL);
    if (w == NULL)
        return;
    TL_CHECK_INT(tl_world_handshake(w, NULL, &full, &err), 0);
    TL_CHECK_INT(full.client.ok && full.server.ok, 1);
    TL_CHECK_INT(full.version, TLS1_2_VERSION);
    TL_CHECK_INT(full.n_tickets, 1);
    TL_CHECK_INT(full.n_sessions, 1);
    /* The client sent an empty ticket extension: the decrypt callback saw EMPTY. */
    e = event(w, &full, 0);
    TL_CHECK(e && e->kind == TL_EV_DECRYPT_CB && e->status == SSL_TICKET_EMPTY
             && e->ret == SSL_TICKET_RETURN_IGNORE_RENEW);

    tl_handshake_opts o = { .session = full.sessions[0] };
    TL_CHECK_INT(tl_world_handshake(w, &o, &res, &err), 0);
    TL_CHECK_INT(res.client.reused, 1);
    TL_CHECK_INT(res.server.reused, 1);
    TL_CHECK_INT(res.n_tickets, 0);   /* no renewal: newest key, USE */
    e = event(w, &res, 1);
    TL_CHECK(e && e->kind == TL_EV_DECRYPT_CB && e->status == SSL_TICKET_SUCCESS);
    tl_handshake_result_free(&res);
    tl_handshake_result_free(&full);
    tl_world_free(w);
}

static int first_ticket(int version, uint64_t seed, unsigned char **out, size_t *len)
{
    tl_world *w = world(version, seed);
    tl_handshake_result r;
    tl_error err = { "" };
    int ok;

    if (w == NULL)
        return -1;
    ok = tl_world_handshake(w, NULL, &r, &err) == 0 && r.n_tickets > 0;
    if (ok) {
        *len = r.tickets[0].ticket_len;
        *out = malloc(*len);
        memcpy(*out, r.tickets[0].ticket, *len);
    }
    tl_handshake_result_free(&r);
    tl_world_free(w);
    return ok ? 0 : -1;
}

static void test_same_seed_same_ticket(void)
{
    for (int v = TLS1_2_VERSION; v <= TLS1_3_VERSION; v++) {
        unsigned char *a = NULL, *b = NULL, *c = NULL;
        size_t la = 0, lb = 0, lc = 0;

        TL_CHECK_INT(first_ticket(v, 42, &a, &la), 0);
        TL_CHECK_INT(first_ticket(v, 42, &b, &lb), 0);
        TL_CHECK_INT(first_ticket(v, 43, &c, &lc), 0);
        TL_CHECK(la == lb && a && b && memcmp(a, b, la) == 0);
        TL_CHECK(a && c && (la != lc || memcmp(a, c, la) != 0));
        free(a);
        free(b);
        free(c);
    }
}

static void test_ticket_opens_offline(void)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_world *w;
    tl_handshake_result r;
    tl_ticket_info info;
    tl_handshake_opts o = { .sni = "other.ticketlab.test" };

    tl_world_config_init(&cfg);
    cfg.alpn = "h2,http/1.1";
    w = tl_world_new(&cfg, &err);
    TL_CHECK(w != NULL);
    if (w == NULL)
        return;
    TL_CHECK_INT(tl_policy_set_appdata(tl_world_policy(w), (const unsigned char *)"app!", 4), 0);
    TL_CHECK_INT(tl_world_handshake(w, &o, &r, &err), 0);
    TL_CHECK_INT(r.client.ok, 1);
    TL_CHECK(r.n_tickets >= 1);
    memset(&info, 0, sizeof(info));
    TL_CHECK_INT(tl_ticket_open(tl_world_keyring(w), r.tickets[0].ticket,
                                r.tickets[0].ticket_len, &info, &err), 0);
    TL_CHECK_INT(info.verdict, TL_TICKET_OK);
    TL_CHECK_STR(info.sni, "other.ticketlab.test");
    TL_CHECK_INT(info.alpn_len, 2);
    TL_CHECK(memcmp(info.alpn, "h2", 2) == 0);
    TL_CHECK_INT(info.appdata_len, 4);
    TL_CHECK(info.appdata && memcmp(info.appdata, "app!", 4) == 0);
    TL_CHECK_INT(info.protocol_version, TLS1_3_VERSION);
    TL_CHECK_INT(info.time, TL_CLOCK_EPOCH);
    tl_ticket_info_clear(&info);
    tl_handshake_result_free(&r);
    tl_world_free(w);
}

static void test_key_cb_minus_one_on_decrypt_is_fatal(void)
{
    tl_world *w = world(TLS1_3_VERSION, 3);
    tl_handshake_result full, res;
    tl_error err = { "" };

    if (w == NULL)
        return;
    TL_CHECK_INT(tl_world_handshake(w, NULL, &full, &err), 0);
    TL_CHECK_INT(tl_policy_script_key(tl_world_policy(w), 0, -1), 0);
    tl_handshake_opts o = { .session = full.sessions[0] };
    TL_CHECK_INT(tl_world_handshake(w, &o, &res, &err), 0);
    TL_CHECK_INT(res.server.ok, 0);
    TL_CHECK_INT(res.client.ok, 0);
    TL_CHECK_INT(res.server.alert_sent, 80);   /* internal_error */
    TL_CHECK_INT(res.client.alert_received, 80);
    /* The decrypt callback is never called after a fatal key callback. */
    TL_CHECK_INT(tl_event_log_count(tl_world_events(w), TL_EV_DECRYPT_CB, 1), 0);
    tl_handshake_result_free(&res);
    tl_handshake_result_free(&full);
    tl_world_free(w);
}

static void test_replaced_ticket_is_offered(void)
{
    tl_world *w = world(TLS1_3_VERSION, 5);
    tl_handshake_result full, res;
    tl_error err = { "" };
    unsigned char junk[100];
    const tl_event *e;

    if (w == NULL)
        return;
    memset(junk, 0xAB, sizeof(junk));
    TL_CHECK_INT(tl_world_handshake(w, NULL, &full, &err), 0);
    tl_handshake_opts o = { .session = full.sessions[0], .replace_ticket = 1,
                            .ticket = junk, .ticket_len = sizeof(junk) };
    TL_CHECK_INT(tl_world_handshake(w, &o, &res, &err), 0);
    TL_CHECK_INT(res.client.ok && res.server.ok, 1);
    TL_CHECK_INT(res.server.reused, 0);
    e = event(w, &res, 0);
    TL_CHECK(e && e->kind == TL_EV_KEY_CB && e->enc == 0 && e->ret == 0 && e->key_name[0] == 0xAB);
    e = event(w, &res, 1);
    TL_CHECK(e && e->kind == TL_EV_DECRYPT_CB && e->status == SSL_TICKET_NO_DECRYPT);
    tl_handshake_result_free(&res);
    tl_handshake_result_free(&full);
    tl_world_free(w);
}

int main(void)
{
    TL_RUN(test_clock_reaches_openssl);
    TL_RUN(test_tls13_full_then_resumed);
    TL_RUN(test_tls12_full_then_resumed);
    TL_RUN(test_same_seed_same_ticket);
    TL_RUN(test_ticket_opens_offline);
    TL_RUN(test_key_cb_minus_one_on_decrypt_is_fatal);
    TL_RUN(test_replaced_ticket_is_offered);
    return TL_DONE();
}
