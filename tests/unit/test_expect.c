/*
 * test_expect.c - the expectation engine on its own (no handshakes): the
 * OpenSSL 3.0 rules it encodes, and the text forms of scenarios and
 * outcomes it is compared through.
 */
#include <string.h>

#include <openssl/ssl.h>

#include "expect.h"
#include "detect.h"
#include "scenario_bytes.h"
#include "tl_test.h"

/* o's callback log as text (a static buffer: one call per check). */
static const char *log_text(const tl_outcome *o)
{
    static char buf[TL_OUTCOME_LOG_MAX];

    return tl_outcome_log_text(o, buf, sizeof(buf));
}

static tl_outcome predict(const char *text)
{
    tl_scenario sc;
    tl_outcome o;
    tl_error err = { "" };
    char why[TL_EXPECT_WHY_MAX];

    tl_outcome_init(&o);
    if (tl_scenario_parse(text, &sc, &err) != 0) {
        fprintf(stderr, "%s: %s\n", text, err.msg);
        o.client_ok = -2;
        return o;
    }
    if (tl_expect_predict(&sc, &o, why, sizeof(why)) != 0)
        o.client_ok = -3;
    return o;
}

static void test_tls13_resumption_rules(void)
{
    tl_outcome o = predict("tls=1.3 present=newest");

    TL_CHECK_INT(o.client_reused && o.server_reused, 1);
    TL_CHECK_INT(o.n_tickets, 0);   /* SUCCESS + USE: no ticket_expected */
    TL_CHECK_STR(log_text(&o), "kdec:r1=1,dcb:SUCCESS:r1:a-=USE");
    o = predict("tls=1.3 present=older");
    TL_CHECK_INT(o.n_tickets, 1);   /* at most one ticket after a resumption */
    TL_CHECK_STR(log_text(&o), "kdec:r1=2,dcb:SUCCESS_RENEW:r1:a-=USE_RENEW,gen:a-=1,kenc:r2=1");
    o = predict("tls=1.3 keys=builtin present=newest");
    TL_CHECK_STR(log_text(&o), "dcb:SUCCESS_RENEW:b:a-=USE_RENEW,gen:a-=1");
    o = predict("tls=1.3 present=newest dret=IGNORE");
    TL_CHECK_INT(o.server_reused, 0);
    TL_CHECK_INT(o.n_tickets, 0);   /* NONE never sets ticket_expected */
    o = predict("tls=1.3 present=none nt=3");
    TL_CHECK_INT(o.n_tickets, 3);
    TL_CHECK_STR(o.hints, "7200,7200,7200");
}

static void test_fatal_paths(void)
{
    tl_outcome o = predict("tls=1.3 present=newest kdec=-1");

    TL_CHECK_INT(o.server_ok, 0);
    TL_CHECK_INT(o.client_ok, 0);
    TL_CHECK_INT(o.server_alert, 80);
    TL_CHECK_STR(log_text(&o), "kdec:r1=-1");   /* the decrypt callback is never called */
    o = predict("tls=1.2 present=unknown-key dret=USE");
    TL_CHECK_INT(o.server_ok, 0);
    o = predict("tls=1.2 present=newest dret=99");
    TL_CHECK_INT(o.server_alert, 80);
    o = predict("tls=1.3 present=empty");
    TL_CHECK_INT(o.server_alert, 50);   /* decode_error */
    TL_CHECK_INT(o.client_ok, -1);      /* the probe runs the server alone */
    o = predict("tls=1.3 present=empty dret=IGNORE");
    /* 3.0.21+/3.5.7+: decode_error before any callback; earlier, IGNORE skips it. */
    TL_CHECK_INT(o.server_ok, tl_behaviour_has(TL_CHANGE_PSK_EMPTY_IDENTITY) ? 0 : 1);
    TL_CHECK_STR(log_text(&o), tl_behaviour_has(TL_CHANGE_PSK_EMPTY_IDENTITY) ? "-" : "dcb:EMPTY:-:a-=IGNORE");
    o = predict("tls=1.3 present=none gen=0");
    TL_CHECK_INT(o.client_ok, 1);       /* TLS 1.3 tickets follow the client's Finished */
    TL_CHECK_INT(o.server_ok, 0);
}

static void test_tls12_rules(void)
{
    tl_outcome o = predict("tls=1.2 present=none");

    TL_CHECK_STR(log_text(&o), "dcb:EMPTY:-:a-=IGNORE_RENEW,gen:a-=1,kenc:r1=1");
    TL_CHECK_STR(o.hints, "7200");
    o = predict("tls=1.2 present=older");
    TL_CHECK_STR(o.hints, "0");         /* a resumed session's hint is 0 */
    o = predict("tls=1.2 present=none kenc=0");
    TL_CHECK_STR(o.hints, "0e");        /* the empty NewSessionTicket */
    o = predict("tls=1.2 present=newest noticket=1");
    TL_CHECK_INT(o.server_reused, 1);   /* session id cache, no callbacks */
    TL_CHECK_STR(log_text(&o), "-");
    o = predict("tls=1.2 present=short");
    TL_CHECK_STR(log_text(&o), "dcb:NO_DECRYPT:r1:a-=IGNORE_RENEW,gen:a-=1,kenc:r1=1");
}

static void test_text_forms(void)
{
    const char *line = "hs=ok/fail reused=1/0 alert=-/internal_error tickets=2 hints=7200,0e "
                       "early=rejected log=kdec:r1=2,gen:a5=1";
    tl_outcome a, b;
    tl_scenario sc;
    tl_error err = { "" };
    char buf[TL_OUTCOME_LINE_MAX], diff[512];

    TL_CHECK_INT(tl_outcome_parse(line, &a, &err), 0);
    tl_outcome_format(&a, buf, sizeof(buf));
    TL_CHECK_STR(buf, line);
    TL_CHECK_INT(tl_outcome_parse(buf, &b, &err), 0);
    TL_CHECK_INT(tl_outcome_diff(&a, &b, diff, sizeof(diff)), 0);
    b.n_tickets = 1;
    TL_CHECK_INT(tl_outcome_diff(&a, &b, diff, sizeof(diff)), 1);
    TL_CHECK(strstr(diff, "tickets: want 2, got 1") != NULL);
    TL_CHECK_INT(tl_outcome_parse("hs=ok/ok", &a, &err), -1);   /* fields missing */
    TL_CHECK_INT(tl_scenario_parse("tls=1.2 present=older dret=USE_RENEW kdec=2,0 app=5", &sc, &err), 0);
    tl_scenario_format(&sc, buf, sizeof(buf));
    TL_CHECK_STR(buf, "tls=1.2 keys=evp-cb present=older kdec=2,0 dret=USE_RENEW app=5");
    TL_CHECK_INT(tl_scenario_parse("tls=1.4", &sc, &err), -1);
    TL_CHECK_INT(tl_scenario_parse("bogus=1", &sc, &err), -1);
    TL_CHECK(strstr(err.msg, "bogus") != NULL);
}

/* Every fuzz input's scenario prints as text that parses back to itself,
 * so a crash file can be pasted into a conformance row. */
static void test_fuzz_scenarios_print_and_parse_back(void)
{
    unsigned seed = 12345;

    for (int i = 0; i < 2000; i++) {
        unsigned char bytes[TL_SCENARIO_BYTES_MAX];
        tl_scenario a, b;
        tl_error err = { "" };
        char ta[TL_SCENARIO_LINE_MAX], tb[TL_SCENARIO_LINE_MAX];

        for (size_t k = 0; k < sizeof(bytes); k++) {
            seed = seed * 1103515245u + 12345u;
            bytes[k] = (unsigned char)(seed >> 16);
        }
        tl_scenario_from_bytes(bytes, sizeof(bytes), &a);
        tl_scenario_format(&a, ta, sizeof(ta));
        if (tl_scenario_parse(ta, &b, &err) != 0) {
            fprintf(stderr, "does not parse back: %s (%s)\n", ta, err.msg);
            TL_CHECK(0);
            return;
        }
        tl_scenario_format(&b, tb, sizeof(tb));
        TL_CHECK_STR(tb, ta);
    }
}

/* The callback log: structured entries, one text form, read back exactly. */
static void test_callback_log(void)
{
    static const char *const logs[] = {
        "-",
        "kdec:r1=1,dcb:SUCCESS:r1:a-=USE",
        "kdec:?=0,dcb:NO_DECRYPT:?:a-=RETURN_99,gen:a16!=1,kenc:-=-1",
        "dcb:EMPTY:-:a-=IGNORE_RENEW,gen:a-=1,kenc:r2=1",
        "kdec=2,dcb:SUCCESS_RENEW=USE_RENEW,gen=1",   /* stripped, as validate compares */
        "kdec:r1=1,gen:a-=1...",                      /* a cut log */
    };
    static const char *const bad[] = {
        "kdec:r1", "dcb:SUCCESS:r1=USE", "dcb:NOPE:r1:a-=USE", "gen:a-=x", "hello=1", "kdec:r1=1,,",
        "dcb:SUCCESS:r1:a-=HOPE",
    };
    char buf[TL_OUTCOME_LOG_MAX];
    tl_cblog log;
    tl_error err = { "" };

    for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
        TL_CHECK_INT(tl_cblog_parse(logs[i], &log, &err), 0);
        TL_CHECK_STR(tl_cblog_format(&log, buf, sizeof(buf)), logs[i]);
    }
    TL_CHECK_INT(tl_cblog_parse(logs[1], &log, &err), 0);
    TL_CHECK_INT((long long)log.n, 2);
    TL_CHECK_INT(log.e[1].kind, TL_CB_DCB);
    TL_CHECK_INT(log.e[1].status, SSL_TICKET_SUCCESS);
    TL_CHECK_INT(log.e[1].ret, SSL_TICKET_RETURN_USE);
    tl_cblog_strip(&log);
    TL_CHECK_STR(tl_cblog_format(&log, buf, sizeof(buf)), "kdec=1,dcb:SUCCESS=USE");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = tl_cblog_parse(bad[i], &log, &err);

        if (strcmp(bad[i], "kdec:r1=1,,") == 0) {
            TL_CHECK_INT(rc, 0);   /* empty entries between commas are skipped, as strtok does */
            continue;
        }
        TL_CHECK_INT(rc, -1);
        TL_CHECK(strstr(err.msg, "callback log entry") != NULL);
    }
    /* A log longer than its room is cut at an entry, and says so. */
    memset(&log, 0, sizeof(log));
    for (int i = 0; i < TL_CBLOG_MAX + 5; i++) {
        tl_cb_entry e = { .kind = TL_CB_GEN, .app = "a-", .ret = 1 };

        tl_cblog_add(&log, &e);
    }
    TL_CHECK_INT((long long)log.n, TL_CBLOG_MAX);
    tl_cblog_format(&log, buf, sizeof(buf));
    TL_CHECK(strlen(buf) > 3 && strcmp(buf + strlen(buf) - 3, "...") == 0);
}

int main(void)
{
    tl_detect_ensure();
    TL_RUN(test_tls13_resumption_rules);
    TL_RUN(test_fatal_paths);
    TL_RUN(test_tls12_rules);
    TL_RUN(test_text_forms);
    TL_RUN(test_fuzz_scenarios_print_and_parse_back);
    TL_RUN(test_callback_log);
    return TL_DONE();
}
