/* outcome.c - one handshake's observable outcome as a line; see outcome.h. */
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticketlab/world.h"

void tl_outcome_init(tl_outcome *o)
{
    memset(o, 0, sizeof(*o));
    o->client_ok = o->server_ok = 1;
    o->client_alert = o->server_alert = -1;
    o->early = TL_EARLY_NOT_SENT;
    strcpy(o->hints, "-");
}

const char *tl_outcome_log_text(const tl_outcome *o, char *buf, size_t size)
{
    return tl_cblog_format(&o->log, buf, size);
}

void tl_outcome_hint_add(tl_outcome *o, unsigned long hint, int empty)
{
    size_t used = strcmp(o->hints, "-") == 0 ? 0 : strlen(o->hints);

    snprintf(o->hints + used, sizeof(o->hints) - used, "%s%lu%s",
             used ? "," : "", hint, empty ? "e" : "");
}

void tl_outcome_observe(tl_outcome *o, const tl_handshake_result *r)
{
    size_t kept = r->n_tickets < TL_MAX_TICKETS ? r->n_tickets : TL_MAX_TICKETS;

    tl_outcome_init(o);
    o->client_ok = r->client.ok;
    o->server_ok = r->server.ok;
    o->client_reused = r->client.reused;
    o->server_reused = r->server.reused;
    o->client_alert = r->client.alert_sent;
    o->server_alert = r->server.alert_sent;
    o->n_tickets = (int)r->n_tickets;
    for (size_t i = 0; i < kept; i++)
        tl_outcome_hint_add(o, r->tickets[i].lifetime_hint, r->tickets[i].ticket_len == 0);
    o->early = r->early_data;
}

static const char *side_ok(int v)
{
    return v < 0 ? "-" : v ? "ok" : "fail";
}

static const char *flag(int v)
{
    return v < 0 ? "-" : v ? "1" : "0";
}

static const char *alert_text(int a, char buf[16])
{
    const char *name = tl_alert_name(a);

    if (a < 0)
        return "-";
    if (strcmp(name, "unknown_alert") != 0)
        return name;
    snprintf(buf, 16, "%d", a);
    return buf;
}

static const char *early_name(int e)
{
    return e == TL_EARLY_ACCEPTED ? "accepted" : e == TL_EARLY_REJECTED ? "rejected" : "none";
}

void tl_outcome_format(const tl_outcome *o, char *buf, size_t size)
{
    char a1[16], a2[16], log[TL_OUTCOME_LOG_MAX];

    snprintf(buf, size, "hs=%s/%s reused=%s/%s alert=%s/%s tickets=%d hints=%s early=%s log=%s",
             side_ok(o->client_ok), side_ok(o->server_ok), flag(o->client_reused),
             flag(o->server_reused), alert_text(o->client_alert, a1),
             alert_text(o->server_alert, a2), o->n_tickets, o->hints,
             early_name(o->early), tl_cblog_format(&o->log, log, sizeof(log)));
}

int tl_alert_parse(const char *name, int *alert)
{
    char *end;
    long v;

    if (strcmp(name, "-") == 0 || strcmp(name, "none") == 0) {
        *alert = -1;
        return 0;
    }
    for (int a = 0; a < 256; a++)
        if (strcmp(tl_alert_name(a), name) == 0) {
            *alert = a;
            return 0;
        }
    v = strtol(name, &end, 10);
    if (*name == '\0' || *end != '\0' || v < 0 || v > 255)
        return -1;
    *alert = (int)v;
    return 0;
}

/* "a/b" -> two halves, each through `one`. Returns 0 or -1. */
static int parse_pair(const char *v, int (*one)(const char *, int *), int *x, int *y)
{
    char left[64];
    const char *slash = strchr(v, '/');

    if (slash == NULL || (size_t)(slash - v) >= sizeof(left))
        return -1;
    memcpy(left, v, (size_t)(slash - v));
    left[slash - v] = '\0';
    return one(left, x) == 0 && one(slash + 1, y) == 0 ? 0 : -1;
}

static int parse_ok(const char *s, int *v)
{
    if (strcmp(s, "ok") == 0)
        *v = 1;
    else if (strcmp(s, "fail") == 0)
        *v = 0;
    else if (strcmp(s, "-") == 0)
        *v = -1;
    else
        return -1;
    return 0;
}

static int parse_flag(const char *s, int *v)
{
    if (strcmp(s, "1") == 0)
        *v = 1;
    else if (strcmp(s, "0") == 0)
        *v = 0;
    else if (strcmp(s, "-") == 0)
        *v = -1;
    else
        return -1;
    return 0;
}

static int copy_field(char *dst, size_t size, const char *v)
{
    if (strlen(v) >= size || *v == '\0')
        return -1;
    strcpy(dst, v);
    return 0;
}

/* Parse one "key=value" into o; seen gets the field's bit. Returns 0 or -1. */
static int parse_field(const char *key, const char *v, tl_outcome *o, unsigned *seen)
{
    static const char *const keys[] = { "hs", "reused", "alert", "tickets", "hints", "early", "log" };
    unsigned bit = 0;
    int rc = -1;

    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(key, keys[i]) == 0)
            bit = 1u << i;
    switch (bit) {
    case 1: rc = parse_pair(v, parse_ok, &o->client_ok, &o->server_ok); break;
    case 2: rc = parse_pair(v, parse_flag, &o->client_reused, &o->server_reused); break;
    case 4: rc = parse_pair(v, tl_alert_parse, &o->client_alert, &o->server_alert); break;
    case 8: {
        char *end;
        long n = strtol(v, &end, 10);

        rc = (*v && *end == '\0' && n >= 0 && n < 1000) ? 0 : -1;
        o->n_tickets = (int)n;
        break;
    }
    case 16: rc = copy_field(o->hints, sizeof(o->hints), v); break;
    case 32:
        rc = 0;
        if (strcmp(v, "none") == 0)
            o->early = TL_EARLY_NOT_SENT;
        else if (strcmp(v, "accepted") == 0)
            o->early = TL_EARLY_ACCEPTED;
        else if (strcmp(v, "rejected") == 0)
            o->early = TL_EARLY_REJECTED;
        else
            rc = -1;
        break;
    case 64: {
        tl_error ignored;

        rc = tl_cblog_parse(v, &o->log, &ignored);
        break;
    }
    default: return -1;
    }
    *seen |= bit;
    return rc;
}

int tl_outcome_parse(const char *text, tl_outcome *o, tl_error *err)
{
    char field[TL_OUTCOME_LOG_MAX + 16];
    const char *p = text;
    unsigned seen = 0;

    tl_outcome_init(o);
    while (*p) {
        const char *end;
        size_t len;
        char *eq;

        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        end = p + strcspn(p, " \t");
        len = (size_t)(end - p);
        if (len >= sizeof(field))
            return tl_error_set(err, "outcome field '%.20s...' is too long", p);
        memcpy(field, p, len);
        field[len] = '\0';
        p = end;
        eq = strchr(field, '=');
        if (eq == NULL)
            return tl_error_set(err, "outcome field '%s' has no '='", field);
        *eq = '\0';
        if (strcmp(field, "log") == 0 && tl_cblog_parse(eq + 1, &o->log, err) != 0)
            return -1;   /* err names the entry */
        if (parse_field(field, eq + 1, o, &seen) != 0)
            return tl_error_set(err, "outcome field %s=%s: unknown field or bad value", field, eq + 1);
    }
    if (seen != 0x7f)
        return tl_error_set(err, "outcome '%.60s' lacks a field (all of hs reused alert tickets hints early log are needed)",
                            text);
    return 0;
}

static void diff_add(char *buf, size_t size, int *n, const char *field,
                     const char *want, const char *got)
{
    size_t used = strlen(buf);

    snprintf(buf + used, size - used, "%s%s: want %s, got %s", *n ? "; " : "", field, want, got);
    (*n)++;
}

int tl_outcome_diff(const tl_outcome *want, const tl_outcome *got, char *buf, size_t size)
{
    char w[64], g[64], a1[16], a2[16], a3[16], a4[16];
    int n = 0;

    buf[0] = '\0';
    if (want->client_ok != got->client_ok || want->server_ok != got->server_ok) {
        snprintf(w, sizeof(w), "%s/%s", side_ok(want->client_ok), side_ok(want->server_ok));
        snprintf(g, sizeof(g), "%s/%s", side_ok(got->client_ok), side_ok(got->server_ok));
        diff_add(buf, size, &n, "hs", w, g);
    }
    if (want->client_reused != got->client_reused || want->server_reused != got->server_reused) {
        snprintf(w, sizeof(w), "%s/%s", flag(want->client_reused), flag(want->server_reused));
        snprintf(g, sizeof(g), "%s/%s", flag(got->client_reused), flag(got->server_reused));
        diff_add(buf, size, &n, "reused", w, g);
    }
    if (want->client_alert != got->client_alert || want->server_alert != got->server_alert) {
        snprintf(w, sizeof(w), "%s/%s", alert_text(want->client_alert, a1), alert_text(want->server_alert, a2));
        snprintf(g, sizeof(g), "%s/%s", alert_text(got->client_alert, a3), alert_text(got->server_alert, a4));
        diff_add(buf, size, &n, "alert", w, g);
    }
    if (want->n_tickets != got->n_tickets) {
        snprintf(w, sizeof(w), "%d", want->n_tickets);
        snprintf(g, sizeof(g), "%d", got->n_tickets);
        diff_add(buf, size, &n, "tickets", w, g);
    }
    if (strcmp(want->hints, got->hints) != 0)
        diff_add(buf, size, &n, "hints", want->hints, got->hints);
    if (want->early != got->early)
        diff_add(buf, size, &n, "early", early_name(want->early), early_name(got->early));
    {
        char wl[TL_OUTCOME_LOG_MAX], gl[TL_OUTCOME_LOG_MAX];

        /* Compared as text: what the table pins is the text form. */
        tl_cblog_format(&want->log, wl, sizeof(wl));
        tl_cblog_format(&got->log, gl, sizeof(gl));
        if (strcmp(wl, gl) != 0)
            diff_add(buf, size, &n, "log", wl, gl);
    }
    return n;
}

tl_outcome_class tl_outcome_classify(const tl_outcome *o)
{
    if (o->client_ok == 0 || o->server_ok == 0)
        return TL_CLASS_FAILED;
    if (o->server_reused != 1)
        return TL_CLASS_FULL;
    return o->n_tickets > 0 ? TL_CLASS_RESUMED_TICKET : TL_CLASS_RESUMED;
}

const char *tl_outcome_class_name(tl_outcome_class c)
{
    switch (c) {
    case TL_CLASS_FAILED: return "failed";
    case TL_CLASS_FULL: return "full";
    case TL_CLASS_RESUMED: return "resumed";
    case TL_CLASS_RESUMED_TICKET: return "resumed+ticket";
    }
    return "unknown";
}
