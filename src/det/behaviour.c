/* behaviour.c - the answers about ticket behaviour changes: asserted, detected, history; see behaviour.h. */
#include "behaviour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What this process knows of each change beyond history. */
static struct {
    int detected;           /* 1, 0, -1 */
    int asserted;           /* 1, 0, -1 */
    char why[160];          /* why detected is -1 */
} known[TL_CHANGE_COUNT];
static int known_init;

static void init_known(void)
{
    if (known_init)
        return;
    for (int i = 0; i < TL_CHANGE_COUNT; i++) {
        known[i].detected = -1;
        known[i].asserted = -1;
        known[i].why[0] = '\0';
    }
    known_init = 1;
}

static int valid(tl_change c)
{
    return (int)c >= 0 && c < TL_CHANGE_COUNT;
}

void tl_behaviour_get(tl_change c, tl_behaviour *b)
{
    memset(b, 0, sizeof(*b));
    b->change = c;
    b->name = tl_change_name(c);
    b->source = "history";
    b->why_undetected = "";
    if (!valid(c))
        return;
    init_known();
    b->history = tl_history_has(c);
    b->detected = known[c].detected;
    b->asserted = known[c].asserted;
    b->why_undetected = known[c].why;
    if (b->asserted >= 0) {
        b->used = b->asserted;
        b->source = "asserted";
    } else if (b->detected >= 0) {
        b->used = b->detected;
        b->source = "detected";
    } else {
        b->used = b->history;
    }
}

int tl_behaviour_has(tl_change c)
{
    tl_behaviour b;

    tl_behaviour_get(c, &b);
    return b.used;
}

int tl_behaviour_disagrees(const tl_behaviour *b)
{
    int observed = b->detected >= 0 ? b->detected : b->history;

    if (b->detected >= 0 && b->detected != b->history)
        return 1;
    return b->asserted >= 0 && b->asserted != observed;
}

int tl_behaviour_notable(const tl_behaviour *b)
{
    return tl_behaviour_disagrees(b) || b->detected < 0;
}

/* How many changes `pred` holds for now. */
static int count(int (*pred)(const tl_behaviour *b))
{
    int n = 0;

    for (int i = 0; i < TL_CHANGE_COUNT; i++) {
        tl_behaviour b;

        tl_behaviour_get((tl_change)i, &b);
        n += pred(&b);
    }
    return n;
}

int tl_behaviour_disagreements(void)
{
    return count(tl_behaviour_disagrees);
}

int tl_behaviour_notable_count(void)
{
    return count(tl_behaviour_notable);
}

int tl_behaviour_next_notable(int from, tl_behaviour *b, char *note, size_t size)
{
    for (int i = from < 0 ? 0 : from; i < TL_CHANGE_COUNT; i++) {
        tl_behaviour_get((tl_change)i, b);
        if (tl_behaviour_notable(b)) {
            tl_behaviour_note(b, note, size);
            return i;
        }
    }
    return -1;
}

static const char *presence(int yes)
{
    return yes ? "present" : "absent";
}

void tl_behaviour_note(const tl_behaviour *b, char *buf, size_t size)
{
    char hist[160];
    size_t n = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    tl_history_describe(b->change, hist, sizeof(hist));
    if (b->asserted >= 0)
        n = (size_t)snprintf(buf, size, "asserted %s, ", presence(b->asserted));
    if (n >= size)
        return;
    if (b->detected < 0) {
        snprintf(buf + n, size - n, "not detected%s%s; history says %s (%s; this is %s)",
                 b->why_undetected[0] ? ": " : "", b->why_undetected, presence(b->history), hist,
                 tl_release_name());
        return;
    }
    snprintf(buf + n, size - n, "%s%s (%s; this is %s%s)", b->asserted >= 0 ? "detected " : "",
             presence(b->detected), hist, tl_release_name(),
             b->detected == b->history ? "" : b->detected ? ": backported?" : ": reverted?");
}

void tl_behaviour_record(tl_change c, int detected, const char *why)
{
    if (!valid(c))
        return;
    init_known();
    known[c].detected = detected > 0 ? 1 : detected == 0 ? 0 : -1;
    snprintf(known[c].why, sizeof(known[c].why), "%s", detected < 0 && why != NULL ? why : "");
}

int tl_behaviour_assert(tl_change c, int yes)
{
    if (!valid(c) || yes < -1 || yes > 1)
        return -1;
    init_known();
    known[c].asserted = yes;
    return 0;
}

/* "yes"/"no" and their synonyms: 1, 0, or -1. */
static int parse_yes_no(const char *v)
{
    static const char *const yes[] = { "yes", "1", "present", "true" };
    static const char *const no[] = { "no", "0", "absent", "false" };

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcmp(v, yes[i]) == 0)
            return 1;
        if (strcmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* Items are at most this long; a longer one cannot name a change. */
#define ITEM_MAX 96

int tl_behaviour_assert_text(const char *text, tl_error *err)
{
    int want[TL_CHANGE_COUNT];
    const char *p = text;

    for (int i = 0; i < TL_CHANGE_COUNT; i++)
        want[i] = -2;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[ITEM_MAX], *eq;
        tl_change c;
        int yes;

        if (len == 0) {
            p = end ? end + 1 : NULL;
            continue;
        }
        if (len >= sizeof(item))
            return tl_error_set(err, "'%.40s...' is not NAME=yes|no (too long)", p);
        memcpy(item, p, len);
        item[len] = '\0';
        eq = strchr(item, '=');
        if (eq == NULL)
            return tl_error_set(err, "'%s' is not NAME=yes|no", item);
        *eq = '\0';
        if (tl_change_parse(item, &c) != 0)
            return tl_error_set(err, "unknown change '%s' (ticketlab conformance --changes lists them)", item);
        yes = parse_yes_no(eq + 1);
        if (yes < 0)
            return tl_error_set(err, "change %s: '%s' is not yes or no", item, eq + 1);
        want[c] = yes;
        p = end ? end + 1 : NULL;
    }
    for (int i = 0; i < TL_CHANGE_COUNT; i++)
        if (want[i] != -2)
            tl_behaviour_assert((tl_change)i, want[i]);
    return 0;
}

int tl_behaviour_assert_env(tl_error *err)
{
    static int done, result;
    static tl_error saved;
    const char *v;

    if (!done) {
        done = 1;
        v = getenv(TL_EXPECT_CHANGES_ENV);
        if (v != NULL && tl_behaviour_assert_text(v, &saved) != 0) {
            char first[TL_ERROR_MAX];

            memcpy(first, saved.msg, sizeof(first));
            tl_error_set(&saved, "%s: %s", TL_EXPECT_CHANGES_ENV, first);
            result = -1;
        }
    }
    if (result != 0 && err != NULL)
        *err = saved;
    return result;
}
