/* detect.c - run each change's self-test once per process; see detect.h. */
#include "detect.h"

#include <time.h>

#include <openssl/err.h>

#include "selftest.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"
#include "ticketlab/tlslib.h"

/* The self-test of each change (release.h), in tl_change order. None on
 * BoringSSL and AWS-LC: tl_detect_ensure records "absent" there. */
#if !TL_TLSLIB_OPENSSL
static int (*const selftests[TL_CHANGE_COUNT])(tl_error *err);
#else
static int (*const selftests[TL_CHANGE_COUNT])(tl_error *err) = {
    [TL_CHANGE_PSK_EMPTY_IDENTITY] = tl_selftest_psk_empty_identity,
    [TL_CHANGE_TICKET_AFTER_SUITE_MISMATCH] = tl_selftest_ticket_after_suite_mismatch,
    [TL_CHANGE_PSK_ABORT_FREES_SESSION] = tl_selftest_psk_abort_frees_session,
    [TL_CHANGE_CLIENT_AGE_NO_WRAP] = tl_selftest_client_age_no_wrap,
    [TL_CHANGE_CLEAR_DROPS_SESSION] = tl_selftest_clear_drops_session,
    [TL_CHANGE_WALL_CLOCK_GETTIMEOFDAY] = tl_selftest_wall_clock_gettimeofday,
    [TL_CHANGE_GET_ERROR_IGNORES_QUEUE] = tl_selftest_get_error_ignores_queue,
};
#endif

static int ran;
static double cost_ms, cost_cpu_ms, each_ms[TL_CHANGE_COUNT];

int tl_detect_run(tl_change c, tl_error *err)
{
    tl_rng_state rng;
    int was_frozen = tl_clock_is_frozen();
    int64_t was_now = tl_clock_now();
    int answer;

    if ((int)c < 0 || c >= TL_CHANGE_COUNT || selftests[c] == NULL)
        return tl_error_set(err, "no self-test for change %d", (int)c);
    tl_rng_save(&rng);
    answer = selftests[c](err);
    /* Put back what the self-test moved: the next world must not notice. */
    tl_rng_restore(&rng);
    tl_clock_split(0);
    if (was_frozen)
        tl_clock_freeze(was_now);
    else
        tl_clock_thaw();
    ERR_clear_error();
    return answer;
}

/* A clock in milliseconds: CLOCK_MONOTONIC (wall) or CLOCK_PROCESS_CPUTIME_ID. */
static double now_ms(clockid_t id)
{
    struct timespec ts;

    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void tl_detect_ensure(void)
{
    double start, start_cpu;

    if (ran)
        return;
    ran = 1;
    if (tl_tlslib_which() != TL_TLSLIB_KIND_OPENSSL) {
        /* BoringSSL, AWS-LC: these are OpenSSL release changes; none
         * applies, and their self-tests need OpenSSL's decrypt callback. */
        for (int i = 0; i < TL_CHANGE_COUNT; i++)
            tl_behaviour_record((tl_change)i, 0, "");
        return;
    }
    start = now_ms(CLOCK_MONOTONIC);
    start_cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < TL_CHANGE_COUNT; i++) {
        tl_error err = { "" };
        double t = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        int answer = tl_detect_run((tl_change)i, &err);

        each_ms[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - t;
        tl_behaviour_record((tl_change)i, answer, err.msg);
    }
    cost_ms = now_ms(CLOCK_MONOTONIC) - start;
    cost_cpu_ms = now_ms(CLOCK_PROCESS_CPUTIME_ID) - start_cpu;
    (void)tl_behaviour_assert_env(NULL);   /* tl_detect_install reports a bad one */
}

int tl_detect_install(tl_error *err)
{
    tl_detect_ensure();
    return tl_behaviour_assert_env(err);
}

double tl_detect_cost_ms(void)
{
    return cost_ms;
}

double tl_detect_cost_cpu_ms(int c)
{
    if (c < 0)
        return cost_cpu_ms;
    return c < TL_CHANGE_COUNT ? each_ms[c] : 0;
}
