/*
 * live_time.c - the probe's opt-in checks that wait; see live_state.h.
 *
 * --expire: take a ticket, wait until its lifetime hint has passed (plus a
 * second, for servers that count whole seconds), offer it: it must not
 * resume. --watch: take a ticket, wait, take another: a new key name means
 * the server rotates its key; then the first ticket is offered again, to
 * see whether tickets from before the rotation still resume.
 *
 * Each version gets its own tickets at the start, and one timeline serves
 * every check: the probe sleeps until the next check is due, so --expire
 * and --watch together cost the longer of the two waits, not their sum.
 *
 * A ticket offered after its hint is offered as fresh (the session's time
 * is set to now): OpenSSL's own client would not send it otherwise, and a
 * server must judge a ticket's age by what it sealed inside, not by what
 * the client claims.
 */
#include "live_state.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ossl_compat.h"

#define EXPIRE_MARGIN 1.0   /* seconds past the hint before the expired ticket is offered */

typedef struct timed {
    tl_lp_version *pv;
    int watch;              /* 0: the expiry check, 1: the rotation check */
    tl_lp_conn first;       /* the connection whose first ticket is checked */
    double taken, due;      /* tl_live_now() times */
    int done;
} timed;

static void name_of(char *buf, size_t size, const tl_lp_version *pv, const char *check)
{
    snprintf(buf, size, "%s.%s", pv->prefix, check);
}

static void sleep_until(double due)
{
    for (double now = tl_live_now(); now < due; now = tl_live_now()) {
        double left = due - now;
        struct timespec ts = { (time_t)left, (long)((left - (double)(time_t)left) * 1e9) };

        nanosleep(&ts, NULL);
    }
}

/* Offer t as a fresh session (time now), under the default name; c gets the outcome. */
static int offer_fresh(tl_lp_state *s, tl_lp_version *pv, const tl_lp_ticket *t, tl_lp_conn *c,
                       tl_error *err)
{
    SSL_SESSION *base = SSL_SESSION_dup(t->sess);
    int rc;

    if (base == NULL || !tl_session_set_time(base, (int64_t)time(NULL))) {
        SSL_SESSION_free(base);
        return tl_error_set_ssl(err, "cannot copy a session");
    }
    rc = tl_lp_offer_ticket(s, pv, base, t->bytes, t->len, s->sni, c, err);
    SSL_SESSION_free(base);
    return rc;
}

/*
 * Take the first ticket of a check, or report the check skipped. Returns
 * 0 (tm->done set when skipped), or -1 with err.
 */
static int start_one(tl_lp_state *s, tl_lp_version *pv, int watch, timed *tm, tl_error *err)
{
    const tl_live_opts *o = s->o;
    char name[TL_CHECK_NAME_MAX];
    const tl_lp_ticket *t;

    memset(tm, 0, sizeof(*tm));
    tm->pv = pv;
    tm->watch = watch;
    name_of(name, sizeof(name), pv, watch ? "watch.rotation" : "expire");
    if (tl_lp_run_conn(s, pv, s->sni, NULL, 1, &tm->first, err) != 0)
        return -1;
    tm->taken = tl_live_now();
    tm->done = 1;
    if (tm->first.io != TL_LIVE_IO_OK || tm->first.n == 0) {
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: the connection that was to "
                    "take the ticket %s", tm->first.io != TL_LIVE_IO_OK ? tm->first.why
                    : "received none");
        return 0;
    }
    t = &tm->first.t[0];
    if (tl_lp_too_big(t) != NULL) {
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "%s", tl_lp_too_big(t));
        return 0;
    }
    if (watch) {
        tm->due = tm->taken + o->watch;
    } else if (t->hint == 0) {
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: the ticket has no lifetime "
                    "hint (0: unspecified)");
        return 0;
    } else if ((double)t->hint + EXPIRE_MARGIN > o->expire) {
        char more[64] = "the longest wait is 600 s";

        if (t->hint < 600)
            snprintf(more, sizeof(more), "give --expire %u or more", t->hint + 1);
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: the lifetime hint is %u s, "
                    "longer than --expire %g allows (%s)", t->hint, o->expire, more);
        return 0;
    } else {
        tm->due = tm->taken + (double)t->hint + EXPIRE_MARGIN;
    }
    tm->done = 0;
    return 0;
}

static int finish_expire(tl_lp_state *s, timed *tm, tl_error *err)
{
    const tl_lp_ticket *t = &tm->first.t[0];
    char name[TL_CHECK_NAME_MAX];
    tl_lp_conn c;

    name_of(name, sizeof(name), tm->pv, "expire");
    if (offer_fresh(s, tm->pv, t, &c, err) != 0)
        return -1;
    tl_lp_check(s, name, tl_lp_must_not_resume(&c),
                "a ticket older than its lifetime hint does not resume (RFC 5077 3.3, RFC 8446 4.6.1)",
                "the hint is the lifetime the server promises to enforce; a server that accepts "
                "older tickets lets a stolen ticket, and the keys it carries, live longer than "
                "the operator configured",
                "the %zu-byte ticket with a %u s hint, offered %.1f s after it was issued: %s",
                t->len, t->hint, tl_live_now() - tm->taken, tl_lp_outcome(&c));
    tl_lp_conn_free(&c);
    return 0;
}

/* The key names of two tickets differ (bytes 0-15, where the usual layouts keep it). */
static int key_changed(const tl_lp_ticket *a, const tl_lp_ticket *b)
{
    return a->len < 16 || b->len < 16 || memcmp(a->bytes, b->bytes, 16) != 0;
}

static void hex16(const unsigned char *p, size_t len, char out[33])
{
    for (size_t i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", i < len ? p[i] : 0);
}

static void check_old_ticket(tl_lp_state *s, timed *tm, const tl_lp_conn *c)
{
    const tl_lp_ticket *t = &tm->first.t[0];
    char name[TL_CHECK_NAME_MAX];
    double age = tl_live_now() - tm->taken;
    tl_verdict vd;

    name_of(name, sizeof(name), tm->pv, "watch.old-ticket");
    if (c->io != TL_LIVE_IO_OK)
        vd = tl_lp_must_not_resume(c) == TL_VERDICT_WARN ? TL_VERDICT_WARN : TL_VERDICT_FAIL;
    else if (c->reused)
        vd = age > (double)t->hint + EXPIRE_MARGIN ? TL_VERDICT_WARN : TL_VERDICT_PASS;
    else
        vd = age < (double)t->hint ? TL_VERDICT_WARN : TL_VERDICT_PASS;
    tl_lp_check(s, name, vd,
                "a ticket from before the rotation resumes until its lifetime hint has passed",
                "a server that forgets its old key at once makes every client that holds a "
                "ticket pay a full handshake after each rotation",
                "the ticket from before the rotation (hint %u s), offered %.1f s after it was "
                "issued: %s", t->hint, age, tl_lp_outcome(c));
}

static int finish_watch(tl_lp_state *s, timed *tm, tl_error *err)
{
    const tl_lp_ticket *a = &tm->first.t[0];
    char name[TL_CHECK_NAME_MAX], old_name[33], new_name[33];
    double waited;
    tl_lp_conn later, c;
    int rotated;

    name_of(name, sizeof(name), tm->pv, "watch.rotation");
    if (tl_lp_run_conn(s, tm->pv, s->sni, NULL, 1, &later, err) != 0)
        return -1;
    waited = tl_live_now() - tm->taken;
    if (later.io != TL_LIVE_IO_OK || later.n == 0) {
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: after %.1f s the connection "
                    "that was to take the second ticket %s", waited,
                    later.io != TL_LIVE_IO_OK ? later.why : "received none");
        tl_lp_conn_free(&later);
        return 0;
    }
    rotated = key_changed(a, &later.t[0]);
    hex16(a->bytes, a->len, old_name);
    hex16(later.t[0].bytes, later.t[0].len, new_name);
    tl_lp_check(s, name, rotated ? TL_VERDICT_PASS : TL_VERDICT_WARN,
                "the ticket key changes over time (rotation)",
                "a key that never changes lets anyone who obtains it decrypt every ticket the "
                "server has issued, and the sessions' secrets inside (no forward secrecy)",
                "key name %s, then after %.1f s %s%s", old_name, waited, new_name,
                rotated ? ": rotated" : ": the same key (or the watch was too short)");
    tl_lp_conn_free(&later);
    if (!rotated) {
        name_of(name, sizeof(name), tm->pv, "watch.old-ticket");
        tl_lp_check(s, name, TL_VERDICT_SKIP, "", "", "not checked: the key did not change "
                    "within %.1f s", waited);
        return 0;
    }
    if (offer_fresh(s, tm->pv, a, &c, err) != 0)
        return -1;
    check_old_ticket(s, tm, &c);
    tl_lp_conn_free(&c);
    return 0;
}

int tl_lp_check_time(tl_lp_state *s, tl_error *err)
{
    const tl_live_opts *o = s->o;
    timed tm[4];
    size_t n = 0;
    int rc = -1;

    if (o->expire <= 0 && o->watch <= 0)
        return 0;
    for (size_t k = 0; k < 2; k++) {
        tl_lp_version *pv = &s->v[k];

        if (!pv->usable)
            continue;
        for (int watch = 0; watch < 2; watch++) {
            if ((watch ? o->watch : o->expire) <= 0)
                continue;
            if (start_one(s, pv, watch, &tm[n++], err) != 0)
                goto done;
        }
    }
    for (;;) {
        timed *next = NULL;

        for (size_t i = 0; i < n; i++)
            if (!tm[i].done && (next == NULL || tm[i].due < next->due))
                next = &tm[i];
        if (next == NULL)
            break;
        if (next->due > s->deadline) {   /* the wait would outlast the run */
            sleep_until(s->deadline);
            s->out_of_time = 1;
        } else {
            sleep_until(next->due);
        }
        next->done = 1;
        if ((next->watch ? finish_watch(s, next, err) : finish_expire(s, next, err)) != 0)
            goto done;
    }
    rc = 0;
done:
    for (size_t i = 0; i < n; i++)
        tl_lp_conn_free(&tm[i].first);
    return rc;
}
