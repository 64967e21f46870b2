/*
 * fuzz_decrypt_status - a whole scripted world, checked against the
 * conformance expectation engine.
 *
 * Input: a scenario in the byte form of scenario_bytes.h: TLS version, key
 * source, the ticket presented (valid, renewable, unknown key, corrupted,
 * empty, none, ...), what the key callback returns at each call, what the
 * decrypt callback returns, the generate callback's result and app data,
 * num_tickets. The world runs it; tl_expect_predict() says what OpenSSL 3.0
 * should have done; any difference aborts with both outcomes and the
 * scenario, so a semantic bug (in OpenSSL or in ticketlab) is a crash that
 * fuzzing finds and that reproduces exactly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "expect.h"
#include "scenario_bytes.h"

/*
 * With TICKETLAB_FUZZ_TRACK=1, print a line each time a new (TLS version,
 * status, return) triple shows up in the decrypt callback's log, with the
 * execution count: how the feedback edges' worth is measured.
 */
static void track_triples(const tl_scenario *sc, const tl_cblog *log)
{
    static int enabled = -1;
    static unsigned long execs;
    static char seen[64][96];
    static int n_seen;

    if (enabled < 0)
        enabled = getenv("TICKETLAB_FUZZ_TRACK") != NULL;
    execs++;
    if (!enabled)
        return;
    for (size_t i = 0; i < log->n; i++) {
        const tl_cb_entry *e = &log->e[i];
        char key[96];
        int known = 0;

        if (e->kind != TL_CB_DCB)
            continue;
        snprintf(key, sizeof(key), "%s %s %s", sc->tls == TLS1_3_VERSION ? "1.3" : "1.2",
                 tl_ticket_status_name(e->status), tl_ticket_return_name(e->ret));
        for (int j = 0; j < n_seen; j++)
            known |= strcmp(seen[j], key) == 0;
        if (!known && n_seen < 64) {
            snprintf(seen[n_seen++], sizeof(seen[0]), "%s", key);
            fprintf(stderr, "TRIPLE %d at exec %lu: %s\n", n_seen, execs, key);
        }
    }
}

/* Feedback: each decrypt callback call, by status, key, app data and return. */
static void feedback_decrypt_calls(const tl_cblog *log)
{
    for (size_t i = 0; i < log->n; i++) {
        const tl_cb_entry *e = &log->e[i];
        unsigned h = (unsigned)e->status * 31u + (unsigned)e->ret;

        if (e->kind != TL_CB_DCB)
            continue;
        for (const char *q = e->key; *q; q++)
            h = h * 31 + (unsigned char)*q;
        for (const char *q = e->app; *q; q++)
            h = h * 31 + (unsigned char)*q;
        tl_fuzz_feedback(TL_FB_REASON, h);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tl_scenario sc;
    tl_outcome want, got;
    tl_error err = { "" };
    char why[TL_EXPECT_WHY_MAX], diff[1024], text[TL_SCENARIO_LINE_MAX];
    char want_line[TL_OUTCOME_LINE_MAX], got_line[TL_OUTCOME_LINE_MAX];

    if (size > TL_SCENARIO_BYTES_MAX)
        return 0;
    tl_fuzz_detect();   /* the engine's answers are the loaded library's */
    tl_scenario_from_bytes(data, size, &sc);
    if (tl_expect_predict(&sc, &want, why, sizeof(why)) != 0)
        return 0;   /* outside the model: nothing to compare with */
    if (tl_scenario_run(&sc, &got, &err) != 0)
        return 0;   /* the set-up could not mint a ticket: not a verdict */
    track_triples(&sc, &got.log);
    tl_fuzz_feedback(TL_FB_OUTCOME, (unsigned)tl_outcome_classify(&got));
    tl_fuzz_feedback(TL_FB_ALERT, (unsigned)(got.server_alert + 1));
    tl_fuzz_feedback(TL_FB_STATUS, (unsigned)sc.present);
    tl_fuzz_feedback(TL_FB_RETURN, (unsigned)(sc.dret == TL_NATURAL ? 9 : sc.dret + 1));
    feedback_decrypt_calls(&got.log);
    if (tl_outcome_diff(&want, &got, diff, sizeof(diff)) != 0) {
        tl_scenario_format(&sc, text, sizeof(text));
        tl_outcome_format(&want, want_line, sizeof(want_line));
        tl_outcome_format(&got, got_line, sizeof(got_line));
        tl_fuzz_die("the world disagrees with the expectation engine\n"
                    "  scenario: %s\n  predicted: %s\n  observed:  %s\n  differs:   %s\n"
                    "  because:   %s", text, want_line, got_line, diff, why);
    }
    return 0;
}
