/*
 * test_detect.c - the behaviour self-tests (src/detect/) and the answers
 * kept for them (src/det/behaviour.c).
 *
 * Each self-test must agree with the upstream history table on the release
 * it runs on: this runs in the release matrix on every upstream release, so
 * a self-test that misreads its change fails here on the release where it
 * does. A patched build (a backport, a revert) says what its patch does in
 * TICKETLAB_EXPECT_CHANGES, as a maintainer would: a change asserted there
 * must be detected as asserted instead.
 */
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"
#include "tl_test.h"

static void check_agrees(tl_change c)
{
    tl_error err = { "" };
    tl_behaviour b;
    int got = tl_detect_run(c, &err), want;

    tl_behaviour_get(c, &b);
    want = b.asserted >= 0 ? b.asserted : b.history;
    if (got < 0)
        fprintf(stderr, "%s: the self-test could not decide: %s\n", tl_change_name(c), err.msg);
    else if (got != want)
        fprintf(stderr, "%s: detected %s on OpenSSL %s, %s says %s\n", tl_change_name(c),
                got ? "present" : "absent", tl_release_name(),
                b.asserted >= 0 ? TL_EXPECT_CHANGES_ENV : "upstream history", want ? "present" : "absent");
    TL_CHECK_INT(got, want);
    /* Once per process, cached: the kept answer is the same one. */
    TL_CHECK_INT(b.detected, got);
}

static void test_psk_empty_identity(void) { check_agrees(TL_CHANGE_PSK_EMPTY_IDENTITY); }
static void test_ticket_after_suite_mismatch(void) { check_agrees(TL_CHANGE_TICKET_AFTER_SUITE_MISMATCH); }
static void test_psk_abort_frees_session(void) { check_agrees(TL_CHANGE_PSK_ABORT_FREES_SESSION); }
static void test_client_age_no_wrap(void) { check_agrees(TL_CHANGE_CLIENT_AGE_NO_WRAP); }
static void test_clear_drops_session(void) { check_agrees(TL_CHANGE_CLEAR_DROPS_SESSION); }
static void test_wall_clock_gettimeofday(void) { check_agrees(TL_CHANGE_WALL_CLOCK_GETTIMEOFDAY); }
static void test_get_error_ignores_queue(void) { check_agrees(TL_CHANGE_GET_ERROR_IGNORES_QUEUE); }

/* A self-test leaves the RNG and the clock as it found them, so detecting
 * between two worlds changes nothing they do. */
static void test_selftests_leave_rng_and_clock_alone(void)
{
    tl_rng_state before, after;
    tl_error err = { "" };
    unsigned char a[16], b[16];

    tl_rng_seed(42);
    tl_rng_bytes(a, sizeof(a));
    tl_clock_freeze(INT64_C(1900000000));
    tl_rng_save(&before);
    for (int i = 0; i < TL_CHANGE_COUNT; i++)
        TL_CHECK(tl_detect_run((tl_change)i, &err) >= 0);
    tl_rng_save(&after);
    TL_CHECK(memcmp(before.words, after.words, sizeof(before.words)) == 0);
    TL_CHECK_INT(after.drawn, before.drawn);
    TL_CHECK_INT(tl_clock_is_frozen(), 1);
    TL_CHECK_INT(tl_clock_now(), INT64_C(1900000000));
    tl_rng_bytes(a, sizeof(a));
    tl_rng_restore(&before);
    tl_rng_bytes(b, sizeof(b));
    TL_CHECK(memcmp(a, b, sizeof(a)) == 0);
}

static void test_assertions_win_and_are_reported(void)
{
    tl_error err = { "" };
    tl_behaviour b;
    char note[400];
    int detected, was_asserted, disagreements;
    char text[96];
    tl_change c = TL_CHANGE_PSK_EMPTY_IDENTITY;

    /* A change whose detection agrees with history: on a patched build
     * (a backport of psk-empty-identity, say) that change already
     * disagrees, whatever is asserted. */
    for (int i = 0; i < TL_CHANGE_COUNT; i++) {
        tl_behaviour_get((tl_change)i, &b);
        if (b.detected == b.history) {
            c = (tl_change)i;
            break;
        }
    }
    tl_behaviour_get(c, &b);
    detected = b.detected;
    was_asserted = b.asserted;
    TL_CHECK_INT(tl_behaviour_assert(c, -1), 0);
    disagreements = tl_behaviour_disagreements();

    snprintf(text, sizeof(text), "%s=%s", tl_change_name(c), detected ? "no" : "yes");
    TL_CHECK_INT(tl_behaviour_assert_text(text, &err), 0);
    TL_CHECK_INT(tl_behaviour_has(c), !detected);
    tl_behaviour_get(c, &b);
    TL_CHECK_STR(b.source, "asserted");
    TL_CHECK_INT(tl_behaviour_disagrees(&b), 1);
    tl_behaviour_note(&b, note, sizeof(note));
    TL_CHECK(strstr(note, detected ? "asserted absent, detected present (" : "asserted present, detected absent (")
             == note);
    TL_CHECK(strstr(note, tl_release_name()) != NULL);
    TL_CHECK_INT(tl_behaviour_disagreements(), disagreements + 1);

    /* An assertion that agrees with detection is not a disagreement. */
    TL_CHECK_INT(tl_behaviour_assert(c, detected), 0);
    tl_behaviour_get(c, &b);
    TL_CHECK_INT(tl_behaviour_disagrees(&b), 0);
    TL_CHECK_INT(tl_behaviour_assert(c, -1), 0);
    TL_CHECK_STR((tl_behaviour_get(c, &b), b.source), "detected");
    tl_behaviour_assert(c, was_asserted);
}

static void test_bad_assertions_assert_nothing(void)
{
    static const struct { const char *text, *msg; } bad[] = {
        { "psk-empty-identity=yes,nope=no", "unknown change 'nope' (ticketlab conformance --changes lists them)" },
        { "psk-empty-identity", "'psk-empty-identity' is not NAME=yes|no" },
        { "psk-empty-identity=maybe", "change psk-empty-identity: 'maybe' is not yes or no" },
    };
    tl_error err = { "" };
    tl_behaviour b;
    int was_asserted = (tl_behaviour_get(TL_CHANGE_PSK_EMPTY_IDENTITY, &b), b.asserted);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        TL_CHECK_INT(tl_behaviour_assert_text(bad[i].text, &err), -1);
        TL_CHECK_STR(err.msg, bad[i].msg);
        tl_behaviour_get(TL_CHANGE_PSK_EMPTY_IDENTITY, &b);
        TL_CHECK_INT(b.asserted, was_asserted);
    }
    TL_CHECK_INT(tl_behaviour_assert_text("", &err), 0);
    TL_CHECK_INT(tl_behaviour_assert((tl_change)TL_CHANGE_COUNT, 1), -1);
}

/* A build that differs from its version's upstream release: the note
 * says which way. */
static void test_notes_name_backports_and_reverts(void)
{
    tl_change c = TL_CHANGE_TICKET_AFTER_SUITE_MISMATCH;
    int hist = tl_history_has(c);
    tl_behaviour b;
    char note[400], hist_text[160];
    int was_detected = (tl_behaviour_get(c, &b), b.detected), was_asserted = b.asserted;

    tl_behaviour_assert(c, -1);
    tl_behaviour_record(c, !hist, NULL);
    tl_behaviour_get(c, &b);
    tl_behaviour_note(&b, note, sizeof(note));
    tl_history_describe(c, hist_text, sizeof(hist_text));
    TL_CHECK(strstr(note, hist ? ": reverted?)" : ": backported?)") != NULL);
    TL_CHECK(strstr(note, hist ? "absent (" : "present (") == note);
    TL_CHECK(strstr(note, hist_text) != NULL);
    TL_CHECK_INT(tl_behaviour_disagrees(&b), 1);
    tl_behaviour_record(c, -1, "the world failed");
    tl_behaviour_get(c, &b);
    TL_CHECK_INT(b.used, hist);
    TL_CHECK_STR(b.source, "history");
    tl_behaviour_note(&b, note, sizeof(note));
    TL_CHECK(strstr(note, "not detected: the world failed; history says ") == note);
    tl_behaviour_record(c, was_detected, NULL);
    tl_behaviour_assert(c, was_asserted);
}

int main(void)
{
    tl_error err = { "" };

    /* History must be the real release's, whatever the environment says;
     * TICKETLAB_EXPECT_CHANGES says what a patched build's patch does. */
    unsetenv("TICKETLAB_OPENSSL_VERSION");
    if (tl_detect_install(&err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    printf("OpenSSL %s: the self-tests took %.1f ms\n", tl_release_name(), tl_detect_cost_ms());
    TL_RUN(test_psk_empty_identity);
    TL_RUN(test_ticket_after_suite_mismatch);
    TL_RUN(test_psk_abort_frees_session);
    TL_RUN(test_client_age_no_wrap);
    TL_RUN(test_clear_drops_session);
    TL_RUN(test_wall_clock_gettimeofday);
    TL_RUN(test_get_error_ignores_queue);
    TL_RUN(test_selftests_leave_rng_and_clock_alone);
    TL_RUN(test_assertions_win_and_are_reported);
    TL_RUN(test_bad_assertions_assert_nothing);
    TL_RUN(test_notes_name_backports_and_reverts);
    return TL_DONE();
}
