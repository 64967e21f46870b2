/*
 * test_scenario_memo.c - a run with the set-up memo shows exactly what a run
 * in a fresh world shows: for every input of corpus/fuzz_decrypt_status and
 * every conformance row, the return code, the error text, the outcome line
 * with its event log, and the RNG stream's state afterwards (so every random
 * byte drawn: the same handshakes, the same messages), with the memo off,
 * then on over the whole set twice (the first pass keeps the worlds, the
 * second only rewinds them).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "ticketlab/rng.h"
#include "scenario_bytes.h"
#include "memo.h"
#include "scenario_memo.h"
#include "suite.h"
#include "tl_test.h"

#define MAX_SCENARIOS 4096

typedef struct seen {
    int rc;
    char text[TL_ERROR_MAX + TL_OUTCOME_LINE_MAX];
    tl_rng_state rng;
} seen;

static tl_scenario scenarios[MAX_SCENARIOS];
static char names[MAX_SCENARIOS][96];
static size_t n_scenarios;

static void add(const tl_scenario *sc, const char *name)
{
    if (n_scenarios == MAX_SCENARIOS)
        return;
    scenarios[n_scenarios] = *sc;
    if (snprintf(names[n_scenarios], sizeof(names[0]), "%s", name) < 0)
        names[n_scenarios][0] = '\0';
    n_scenarios++;
}

static size_t load_corpus(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t before = n_scenarios;

    if (d == NULL) {
        fprintf(stderr, "cannot open %s\n", dir);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        unsigned char *data = NULL;
        size_t len = 0;
        tl_error err = { "" };
        tl_scenario sc;

        if (de->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
            continue;
        if (tl_file_read(path, TL_SCENARIO_BYTES_MAX + 1, &data, &len, &err) != 0)
            continue;
        if (len <= TL_SCENARIO_BYTES_MAX) {
            tl_scenario_from_bytes(data, len, &sc);
            add(&sc, de->d_name);
        }
        free(data);
    }
    closedir(d);
    return n_scenarios - before;
}

static size_t load_rows(const char *path)
{
    tl_suite suite;
    tl_error err = { "" };
    size_t before = n_scenarios;

    if (tl_suite_load(&suite, path, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 0;
    }
    for (size_t i = 0; i < suite.n; i++)
        add(&suite.rows[i].scenario, suite.rows[i].name);
    tl_suite_free(&suite);
    return n_scenarios - before;
}

static void run_one(const tl_scenario *sc, seen *out)
{
    tl_outcome obs;
    tl_error err = { "" };
    char line[TL_OUTCOME_LINE_MAX];

    memset(&obs, 0, sizeof(obs));
    out->rc = tl_scenario_run(sc, &obs, &err);
    if (out->rc == 0)
        tl_outcome_format(&obs, line, sizeof(line));
    else
        line[0] = '\0';
    snprintf(out->text, sizeof(out->text), "%s | %s", err.msg, line);
    tl_rng_save(&out->rng);
}

static int same(const seen *a, const seen *b)
{
    return a->rc == b->rc && strcmp(a->text, b->text) == 0
           && memcmp(a->rng.words, b->rng.words, sizeof(a->rng.words)) == 0
           && a->rng.drawn == b->rng.drawn;
}

static void test_memo_changes_nothing(void)
{
    static seen fresh[MAX_SCENARIOS], memo;
    char path[4096];
    const char *src = getenv("TICKETLAB_SOURCE_DIR");
    size_t corpus, rows, differ = 0, ran = 0;

    snprintf(path, sizeof(path), "%s/corpus/fuzz_decrypt_status", src ? src : ".");
    corpus = load_corpus(path);
    snprintf(path, sizeof(path), "%s/conformance/expectations.tl", src ? src : ".");
    rows = load_rows(path);
    printf("%zu corpus inputs, %zu conformance rows\n", corpus, rows);
    TL_CHECK(corpus > 100);
    TL_CHECK(rows > 100);

    tl_scenario_memo_set(0);
    for (size_t i = 0; i < n_scenarios; i++) {
        run_one(&scenarios[i], &fresh[i]);
        ran += fresh[i].rc == 0;
    }
    TL_CHECK(ran > n_scenarios / 2);
    tl_scenario_memo_set(1);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n_scenarios; i++) {
            run_one(&scenarios[i], &memo);
            if (!same(&fresh[i], &memo)) {
                if (differ++ < 10)
                    fprintf(stderr, "pass %d, %s:\n  fresh: rc %d drawn %llu %s\n  memo:  rc %d drawn %llu %s\n",
                            pass, names[i], fresh[i].rc, (unsigned long long)fresh[i].rng.drawn,
                            fresh[i].text, memo.rc, (unsigned long long)memo.rng.drawn, memo.text);
            }
        }
    TL_CHECK_INT(differ, 0);
    tl_scenario_memo_clear();
}

/* More configurations than the memo keeps: the least recently used worlds
 * go. All of them once (the first 16 go), the last 64 again (kept: rewound),
 * the first 16 again (built again, evicting others): each run matches a
 * fresh world. */
#define EVICT_N (TL_SCENARIO_MEMO_MAX + 16)

static void evict_scenario(int i, tl_scenario *sc)
{
    char text[128];
    tl_error err = { "" };

    snprintf(text, sizeof(text), "tls=1.%d present=%s timeout=%d", 2 + (i & 1),
             i % 3 ? "newest" : "bad-hmac", 100 + i);
    if (tl_scenario_parse(text, sc, &err) != 0)
        fprintf(stderr, "%s: %s\n", text, err.msg);
}

static void test_memo_eviction(void)
{
    static seen fresh[EVICT_N];
    seen memo;
    int order[EVICT_N + 64 + 16], n = 0;
    size_t differ = 0;
    tl_scenario sc;

    for (int i = 0; i < EVICT_N; i++)
        order[n++] = i;
    for (int i = EVICT_N - 64; i < EVICT_N; i++)
        order[n++] = i;
    for (int i = 0; i < 16; i++)
        order[n++] = i;
    tl_scenario_memo_set(0);
    for (int i = 0; i < EVICT_N; i++) {
        evict_scenario(i, &sc);
        run_one(&sc, &fresh[i]);
    }
    tl_scenario_memo_set(1);
    for (int k = 0; k < n; k++) {
        evict_scenario(order[k], &sc);
        run_one(&sc, &memo);
        if (!same(&fresh[order[k]], &memo) && differ++ < 5)
            fprintf(stderr, "run %d (configuration %d):\n  fresh: %s\n  memo:  %s\n", k,
                    order[k], fresh[order[k]].text, memo.text);
    }
    TL_CHECK_INT(differ, 0);
    TL_CHECK_INT(tl_scenario_memo_count(), TL_SCENARIO_MEMO_MAX);
    tl_scenario_memo_clear();
    TL_CHECK_INT(tl_scenario_memo_count(), 0);
}

/* Turning the memo off frees the worlds; on again, it fills up again. */
static void test_memo_switch(void)
{
    tl_scenario sc;
    tl_error err = { "" };
    seen out;

    TL_CHECK_INT(tl_scenario_parse("tls=1.3 present=newest", &sc, &err), 0);
    run_one(&sc, &out);
    TL_CHECK_INT(out.rc, 0);
    TL_CHECK_INT(tl_scenario_memo_count(), 1);
    TL_CHECK_INT(tl_scenario_memo_set(0), 1);
    TL_CHECK_INT(tl_memo_enabled(), 0);
    TL_CHECK_INT(tl_scenario_memo_count(), 0);
    run_one(&sc, &out);
    TL_CHECK_INT(tl_scenario_memo_count(), 0);
    TL_CHECK_INT(tl_scenario_memo_set(1), 0);
    TL_CHECK_INT(tl_memo_enabled(), 1);
    run_one(&sc, &out);
    TL_CHECK_INT(tl_scenario_memo_count(), 1);
    tl_scenario_memo_clear();
}

int main(void)
{
    TL_RUN(test_memo_changes_nothing);
    TL_RUN(test_memo_eviction);
    TL_RUN(test_memo_switch);
    return TL_DONE();
}
