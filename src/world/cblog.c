/* cblog.c - an outcome's callback log; see cblog.h. */
#include "cblog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticketlab/events.h"

static const char *const kind_names[] = { "kdec", "kenc", "dcb", "gen", "open", "seal" };
#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

void tl_cblog_add(tl_cblog *log, const tl_cb_entry *e)
{
    if (log->n == TL_CBLOG_MAX) {
        log->cut = 1;
        return;
    }
    log->e[log->n++] = *e;
}

void tl_cblog_strip(tl_cblog *log)
{
    for (size_t i = 0; i < log->n; i++) {
        log->e[i].key[0] = '\0';
        log->e[i].app[0] = '\0';
    }
}

/* One entry's text into buf. */
static void entry_format(const tl_cb_entry *e, char *buf, size_t size)
{
    const char *key = e->key[0] ? ":" : "", *app = e->app[0] ? ":" : "";

    switch (e->kind) {
    case TL_CB_DCB:
        snprintf(buf, size, "dcb:%s%s%s%s%s=%s", tl_ticket_status_name(e->status), key, e->key, app,
                 e->app, tl_ticket_return_name(e->ret));
        break;
    case TL_CB_GEN:
        snprintf(buf, size, "gen%s%s=%d", app, e->app, e->ret);
        break;
    case TL_CB_OPEN:
        snprintf(buf, size, "open%s%s=%s", key, e->key, tl_aead_result_name(e->ret));
        break;
    default:
        snprintf(buf, size, "%s%s%s=%d", kind_names[e->kind], key, e->key, e->ret);
        break;
    }
}

const char *tl_cblog_format(const tl_cblog *log, char *buf, size_t size)
{
    size_t limit = size < TL_CBLOG_TEXT_MAX ? size : TL_CBLOG_TEXT_MAX, used = 0;
    int cut = log->cut;

    buf[0] = '\0';
    for (size_t i = 0; i < log->n; i++) {
        char tok[96];
        size_t need;

        entry_format(&log->e[i], tok, sizeof(tok));
        need = strlen(tok) + (used ? 1 : 0);
        if (used + need + 4 >= limit) {   /* room for ",..." and the NUL */
            cut = 1;
            break;
        }
        snprintf(buf + used, size - used, "%s%s", used ? "," : "", tok);
        used += need;
    }
    if (cut && used + 4 <= size)
        snprintf(buf + used, size - used, "...");
    else if (used == 0 && size > 1)
        snprintf(buf, size, "-");
    return buf;
}

/* ---- parsing ---------------------------------------------------------------- */

static int parse_int(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < -1000000 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

/* A decrypt callback's return: a name, RETURN_<n> (how the formatter writes
 * other values), or a number. */
static int parse_return(const char *s, int *out)
{
    if (strncmp(s, "RETURN_", 7) == 0)
        return s[7] == '-' || (s[7] >= '0' && s[7] <= '9') ? tl_ticket_return_parse(s + 7, out) : -1;
    return tl_ticket_return_parse(s, out);
}

static int copy_token(char *dst, size_t size, const char *s)
{
    if (*s == '\0' || strlen(s) >= size)
        return -1;
    strcpy(dst, s);
    return 0;
}

/* One entry, "kind[:fields]=ret" (tok is modified). Returns 0 or -1. */
static int entry_parse(char *tok, tl_cb_entry *e)
{
    char *eq = strrchr(tok, '='), *part[4];
    size_t n = 0;
    int kind = -1;

    memset(e, 0, sizeof(*e));
    if (eq == NULL)
        return -1;
    *eq = '\0';
    for (char *p = tok; p != NULL && n < 4; n++) {
        part[n] = p;
        p = strchr(p, ':');
        if (p != NULL)
            *p++ = '\0';
    }
    for (size_t k = 0; k < N_KINDS; k++)
        if (strcmp(part[0], kind_names[k]) == 0)
            kind = (int)k;
    if (kind < 0)
        return -1;
    e->kind = (tl_cb_kind)kind;
    switch (e->kind) {
    case TL_CB_DCB:
        if ((n != 2 && n != 4) || tl_ticket_status_parse(part[1], &e->status) != 0
            || (n == 4 && (copy_token(e->key, sizeof(e->key), part[2]) != 0
                           || copy_token(e->app, sizeof(e->app), part[3]) != 0)))
            return -1;
        return parse_return(eq + 1, &e->ret);
    case TL_CB_GEN:
        if (n > 2 || (n == 2 && copy_token(e->app, sizeof(e->app), part[1]) != 0))
            return -1;
        return parse_int(eq + 1, &e->ret);
    case TL_CB_OPEN:
        if (n > 2 || (n == 2 && copy_token(e->key, sizeof(e->key), part[1]) != 0))
            return -1;
        return tl_aead_result_parse(eq + 1, &e->ret);
    default:
        if (n > 2 || (n == 2 && copy_token(e->key, sizeof(e->key), part[1]) != 0))
            return -1;
        return parse_int(eq + 1, &e->ret);
    }
}

int tl_cblog_parse(const char *text, tl_cblog *log, tl_error *err)
{
    char buf[TL_CBLOG_TEXT_MAX + 16];
    char *save = NULL, *tok;
    size_t len = strlen(text);

    memset(log, 0, sizeof(*log));
    if (strcmp(text, "-") == 0)
        return 0;
    if (len >= sizeof(buf))
        return tl_error_set(err, "callback log is longer than %d characters", TL_CBLOG_TEXT_MAX);
    strcpy(buf, text);
    /* A cut log ends in "..." right after its last entry. */
    if (len >= 3 && strcmp(buf + len - 3, "...") == 0) {
        buf[len - 3] = '\0';
        log->cut = 1;
    }
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tl_cb_entry e;
        char copy[96];

        snprintf(copy, sizeof(copy), "%s", tok);
        if (entry_parse(tok, &e) != 0)
            return tl_error_set(err, "callback log entry '%s' is not kdec:KEY=N, kenc:KEY=N, "
                                "dcb:STATUS:KEY:APP=RETURN or gen:APP=N", copy);
        tl_cblog_add(log, &e);
    }
    return 0;
}
