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
static void track_triples(const tl_scenario *sc, const char *log)
{
    static int enabled = -1;
    static unsigned long execs;
    static char seen[64][96];
    static int n_seen;
    const char *p = log;

    if (enabled < 0)
        enabled = getenv("TICKETLAB_FUZZ_TRACK") != NULL;
    execs++;
    if (!enabled)
        return;
    while ((p = strstr(p, "dcb:")) != NULL) {
        char status[32] = "", ret[32] = "", key[96];
        const char *eq = strchr(p, '=');

        if (sscanf(p, "dcb:%31[^:]", status) == 1 && eq != NULL && sscanf(eq + 1, "%31[^,]", ret) == 1) {
            int known = 0;

            snprintf(key, sizeof(key), "%s %s %s", sc->tls == TLS1_3_VERSION ? "1.3" : "1.2",
                     status, ret);
            for (int i = 0; i < n_seen; i++)
                known |= strcmp(seen[i], key) == 0;
            if (!known && n_seen < 64) {
                snprintf(seen[n_seen++], sizeof(seen[0]), "%s", key);
                fprintf(stderr, "TRIPLE %d at exec %lu: %s\n", n_seen, execs, key);
            }
        }
        p += 4;
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
    tl_scenario_from_bytes(data, size, &sc);
    if (tl_expect_predict(&sc, &want, why, sizeof(why)) != 0)
        return 0;   /* outside the model: nothing to compare with */
    if (tl_scenario_run(&sc, &got, &err) != 0)
        return 0;   /* the set-up could not mint a ticket: not a verdict */
    track_triples(&sc, got.log);
    tl_fuzz_feedback(TL_FB_OUTCOME, (unsigned)tl_outcome_classify(&got));
    tl_fuzz_feedback(TL_FB_ALERT, (unsigned)(got.server_alert + 1));
    tl_fuzz_feedback(TL_FB_STATUS, (unsigned)sc.present);
    tl_fuzz_feedback(TL_FB_RETURN, (unsigned)(sc.dret == TL_NATURAL ? 9 : sc.dret + 1));
    {
        /* each decrypt-callback token of the log is a (status, return) pair */
        const char *p = got.log;
        while ((p = strstr(p, "dcb:")) != NULL) {
            unsigned h = 0;
            for (const char *q = p; *q && *q != ','; q++)
                h = h * 31 + (unsigned char)*q;
            tl_fuzz_feedback(TL_FB_REASON, h);
            p += 4;
        }
    }
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
