/* compare.c - what changed between two conformance runs; see compare.h. */
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonread.h"
#include "xml.h"

static const char *const field_names[TL_FIELD_COUNT] = {
    "hs", "reused", "alert", "tickets", "hints", "early", "log"
};

static const char *const statuses[] = { "pass", "fail", "error", "n/a" };

const char *tl_compare_field_name(tl_compare_field f)
{
    return (unsigned)f < TL_FIELD_COUNT ? field_names[f] : "unknown";
}

const char *tl_compare_field_text(const tl_outcome *o, tl_compare_field f, char *buf, size_t size)
{
    char line[TL_OUTCOME_LINE_MAX], key[16];
    const char *v;
    size_t len;

    if (f == TL_FIELD_HINTS || f == TL_FIELD_LOG) {
        if (f == TL_FIELD_LOG)
            return tl_outcome_log_text(o, buf, size);
        snprintf(buf, size, "%s", o->hints);
        return buf;
    }
    /* The short fields read as the one-line form writes them. */
    tl_outcome_format(o, line, sizeof(line));
    snprintf(key, sizeof(key), "%s=", tl_compare_field_name(f));
    v = strstr(line, key);
    if (v == NULL || (v != line && v[-1] != ' ')) {
        snprintf(buf, size, "?");
        return buf;
    }
    v += strlen(key);
    len = strcspn(v, " ");
    snprintf(buf, size, "%.*s", (int)len, v);
    return buf;
}

/* ---- loading a report ------------------------------------------------------ */

/* Replace control characters (a hostile name could hold a newline) so
 * an error stays on one line. */
static void scrub(tl_error *err)
{
    if (err == NULL)
        return;
    for (char *p = err->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* The string member `key` of obj, or NULL. */
static const char *get_string(const tl_json_value *obj, const char *key)
{
    const tl_json_value *v = tl_json_get(obj, key);

    return v != NULL && v->type == TL_JSON_STRING ? v->string : NULL;
}

static int by_name(const void *x, const void *y)
{
    const tl_compare_row *const *a = x, *const *b = y;

    return strcmp((*a)->name, (*b)->name);
}

/* The rows of run as a malloc'd array of pointers sorted by name, or NULL. */
static const tl_compare_row **sorted_rows(const tl_compare_run *run)
{
    const tl_compare_row **v = malloc((run->n ? run->n : 1) * sizeof(*v));

    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < run->n; i++)
        v[i] = &run->rows[i];
    qsort(v, run->n, sizeof(*v), by_name);
    return v;
}

static int name_vs_row(const void *name, const void *y)
{
    const tl_compare_row *const *row = y;

    return strcmp(name, (*row)->name);
}

/* The row called name in a sorted_rows() array of n, or NULL. */
static const tl_compare_row *find_row(const tl_compare_row **sorted, size_t n, const char *name)
{
    const tl_compare_row **hit = bsearch(name, sorted, n, sizeof(*sorted), name_vs_row);

    return hit != NULL ? *hit : NULL;
}

/* Row i of the report's "rows" array into *row. */
static int load_row(const char *path, size_t i, const tl_json_value *v, tl_compare_row *row, tl_error *err)
{
    const tl_json_value *obs;
    const char *name, *status;
    tl_error perr;
    int known = 0;

    if (v->type != TL_JSON_OBJECT)
        return tl_error_set(err, "%s: byte %zu: row %zu is %s, not an object", path, v->offset, i + 1,
                            tl_json_type_name(v->type));
    name = get_string(v, "name");
    if (name == NULL || *name == '\0')
        return tl_error_set(err, "%s: byte %zu: row %zu has no \"name\" string", path, v->offset, i + 1);
    status = get_string(v, "status");
    for (size_t k = 0; status != NULL && k < sizeof(statuses) / sizeof(statuses[0]); k++)
        known |= strcmp(status, statuses[k]) == 0;
    if (!known)
        return tl_error_set(err, "%s: row %zu (%.80s): \"status\" must be \"pass\", \"fail\", \"error\" or \"n/a\"",
                            path, i + 1, name);
    obs = tl_json_get(v, "observed_text");
    if (obs == NULL)
        return tl_error_set(err, "%s: row %zu (%.80s) has no \"observed_text\": write the report again with "
                            "this ticketlab (conformance --format json)", path, i + 1, name);
    if (obs->type != TL_JSON_STRING && obs->type != TL_JSON_NULL)
        return tl_error_set(err, "%s: row %zu (%.80s): \"observed_text\" is %s, not a string or null",
                            path, i + 1, name, tl_json_type_name(obs->type));
    /* null: a harness error, or an n/a row that did not run (the TLS library
     * lacks the API: tl_scenario_lacks); a string otherwise. */
    if (obs->type == TL_JSON_NULL ? strcmp(status, "error") != 0 && strcmp(status, "n/a") != 0
                                  : strcmp(status, "error") == 0)
        return tl_error_set(err, "%s: row %zu (%.80s): \"observed_text\" is %s with status \"%s\" (it is null "
                            "for a harness error, status \"error\", or an n/a row that did not run, and a "
                            "string otherwise)", path, i + 1, name, tl_json_type_name(obs->type), status);
    if (obs->type == TL_JSON_STRING && tl_outcome_parse(obs->string, &row->observed, &perr) != 0)
        return tl_error_set(err, "%s: row %zu (%.80s): \"observed_text\": %s", path, i + 1, name, perr.msg);
    row->has_observed = obs->type == TL_JSON_STRING;
    row->name = dup_string(name);
    row->status = dup_string(status);
    if (row->name == NULL || row->status == NULL)
        return tl_error_set(err, "%s: out of memory", path);
    return 0;
}

/* Every row name once. */
static int check_unique(const tl_compare_run *run, tl_error *err)
{
    const tl_compare_row **sorted = sorted_rows(run);
    int rc = 0;

    if (sorted == NULL)
        return tl_error_set(err, "%s: out of memory", run->path);
    for (size_t i = 1; i < run->n && rc == 0; i++)
        if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
            rc = tl_error_set(err, "%s: the row name %.80s appears more than once", run->path, sorted[i]->name);
    free(sorted);
    return rc;
}

/* A release number prints on one line in every report: "3.5.7", "3.6.0-alpha1". */
static int release_ok(const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return 0;
    return n > 0 && n <= 40;
}

static int load_doc(const char *path, const tl_json_value *doc, tl_compare_run *run, tl_error *err)
{
    const tl_json_value *rows = tl_json_get(doc, "rows");
    const char *release = get_string(doc, "release"), *openssl = get_string(doc, "openssl");

    if (doc->type != TL_JSON_OBJECT || rows == NULL || rows->type != TL_JSON_ARRAY)
        return tl_error_set(err, "%s: not a conformance report (no \"rows\" array at the top level; "
                            "write one with ticketlab conformance --format json)", path);
    if (release == NULL || openssl == NULL)
        return tl_error_set(err, "%s: the report has no \"%s\" string at the top level", path,
                            release == NULL ? "release" : "openssl");
    if (!release_ok(release))
        return tl_error_set(err, "%s: \"release\" must be a release number like 3.5.7 (up to 40 printable "
                            "characters, no spaces)", path);
    if (rows->n > TL_COMPARE_MAX_ROWS)
        return tl_error_set(err, "%s: %zu rows, more than the %d a report may have", path, rows->n,
                            TL_COMPARE_MAX_ROWS);
    run->path = dup_string(path);
    run->release = dup_string(release);
    run->openssl = dup_string(openssl);
    run->rows = calloc(rows->n ? rows->n : 1, sizeof(*run->rows));
    if (run->path == NULL || run->release == NULL || run->openssl == NULL || run->rows == NULL)
        return tl_error_set(err, "%s: out of memory", path);
    for (size_t i = 0; i < rows->n; i++) {
        run->n = i + 1;  /* so that a failure frees what this row took */
        if (load_row(path, i, &rows->items[i], &run->rows[i], err) != 0)
            return -1;
    }
    run->n = rows->n;
    return check_unique(run, err);
}

int tl_compare_load(const char *path, tl_compare_run *run, tl_error *err)
{
    tl_json_value *doc;
    int rc;

    memset(run, 0, sizeof(*run));
    if (tl_json_read_file(path, NULL, &doc, err) != 0) {
        scrub(err);
        return -1;
    }
    rc = load_doc(path, doc, run, err);
    tl_json_free(doc);
    if (rc != 0) {
        scrub(err);
        tl_compare_run_free(run);
    }
    return rc;
}

void tl_compare_run_free(tl_compare_run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        free(run->rows[i].name);
        free(run->rows[i].status);
    }
    free(run->rows);
    free(run->path);
    free(run->release);
    free(run->openssl);
    memset(run, 0, sizeof(*run));
}

/* ---- the comparison ---------------------------------------------------------- */

static unsigned changed_fields(const tl_compare_row *a, const tl_compare_row *b)
{
    char x[TL_OUTCOME_LOG_MAX], y[TL_OUTCOME_LOG_MAX];
    unsigned bits = 0;

    if (!a->has_observed || !b->has_observed)
        return 0;  /* a harness error: the status says so */
    for (int f = 0; f < TL_FIELD_COUNT; f++)
        if (strcmp(tl_compare_field_text(&a->observed, (tl_compare_field)f, x, sizeof(x)),
                   tl_compare_field_text(&b->observed, (tl_compare_field)f, y, sizeof(y))) != 0)
            bits |= 1u << f;
    return bits;
}

int tl_compare_runs(const tl_compare_run *a, const tl_compare_run *b, tl_compare *out, tl_error *err)
{
    const tl_compare_row **sa, **sb;

    memset(out, 0, sizeof(*out));
    out->a = a;
    out->b = b;
    sa = sorted_rows(a);
    sb = sorted_rows(b);
    out->entries = malloc((a->n + b->n ? a->n + b->n : 1) * sizeof(*out->entries));
    if (sa == NULL || sb == NULL || out->entries == NULL) {
        free(sa);
        free(sb);
        tl_compare_free(out);
        return tl_error_set(err, "comparing %s with %s: out of memory", a->path, b->path);
    }
    for (size_t i = 0; i < a->n; i++) {
        tl_compare_entry e = { &a->rows[i], find_row(sb, b->n, a->rows[i].name), 0, 0 };

        if (e.b == NULL) {
            out->n_only_a++;
        } else {
            out->in_both++;
            e.status_changed = strcmp(e.a->status, e.b->status) != 0;
            e.fields = changed_fields(e.a, e.b);
            if (!e.status_changed && e.fields == 0)
                continue;
            out->n_status += e.status_changed != 0;
            out->n_outcome += e.fields != 0;
            for (int f = 0; f < TL_FIELD_COUNT; f++)
                out->n_field[f] += (e.fields >> f) & 1u;
        }
        out->entries[out->n++] = e;
    }
    for (size_t i = 0; i < b->n; i++)
        if (find_row(sa, a->n, b->rows[i].name) == NULL) {
            tl_compare_entry e = { NULL, &b->rows[i], 0, 0 };

            out->entries[out->n++] = e;
            out->n_only_b++;
        }
    free(sa);
    free(sb);
    return 0;
}

void tl_compare_free(tl_compare *c)
{
    free(c->entries);
    c->entries = NULL;
    c->n = 0;
}

/* ---- shared by the writers --------------------------------------------------- */

/* "OpenSSL 3.5.7": how every report names a run. */
static const char *label(const tl_compare_run *run, char *buf, size_t size)
{
    snprintf(buf, size, "OpenSSL %s", run->release);
    return buf;
}

/* s with invalid UTF-8 and control characters replaced by '?' (file names
 * come from the command line and may be any bytes). */
static const char *clean(const char *s, char *buf, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t used = 0, n = strlen(s);

    while (n > 0 && used + 5 < size) {
        size_t k = tl_json_utf8_len(p, n);

        if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f))) {
            buf[used++] = '?';
            k = k ? k : 1;
        } else {
            memcpy(buf + used, p, k);
            used += k;
        }
        p += k;
        n -= k;
    }
    buf[used] = '\0';
    return buf;
}

static void field_pair(const tl_compare_entry *e, tl_compare_field f, char *a, char *b, size_t size)
{
    tl_compare_field_text(&e->a->observed, f, a, size);
    tl_compare_field_text(&e->b->observed, f, b, size);
}

/* ---- table -------------------------------------------------------------------- */

/* s for a terminal: control characters become '?'. */
static void put_text(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void put_padded(FILE *f, const char *s, int width)
{
    int len = (int)strlen(s);

    put_text(f, s);
    for (; len < width; len++)
        fputc(' ', f);
}

/* The width of the name column for the entries selected by `field` (-1: status). */
static int name_width(const tl_compare *c, int field)
{
    int w = 0;

    for (size_t i = 0; i < c->n; i++) {
        const tl_compare_entry *e = &c->entries[i];
        int len = (int)strlen(e->a ? e->a->name : e->b->name);

        if (e->a && e->b && (field < 0 ? e->status_changed : (int)((e->fields >> field) & 1u)) && len > w)
            w = len;
    }
    return w > 60 ? 60 : w;
}

static const char *rows_word(size_t n)
{
    return n == 1 ? "row" : "rows";
}

static void table_only(FILE *f, const tl_compare *c, int in_a)
{
    size_t n = in_a ? c->n_only_a : c->n_only_b;
    char lab[80];

    if (n == 0)
        return;
    fprintf(f, "\nOnly in %s, %s (%zu %s):\n", in_a ? "A" : "B", label(in_a ? c->a : c->b, lab, sizeof(lab)),
            n, rows_word(n));
    for (size_t i = 0; i < c->n; i++) {
        const tl_compare_entry *e = &c->entries[i];

        if (in_a ? e->b == NULL : e->a == NULL) {
            fputs("  ", f);
            put_text(f, in_a ? e->a->name : e->b->name);
            fputc('\n', f);
        }
    }
}

static void write_table(FILE *f, const tl_compare *c)
{
    char la[80], lb[80], x[TL_OUTCOME_LOG_MAX], y[TL_OUTCOME_LOG_MAX];
    int w;

    fprintf(f, "%s -> %s\n", label(c->a, la, sizeof(la)), label(c->b, lb, sizeof(lb)));
    fputs("  A  ", f);
    put_text(f, c->a->path);
    fputs(": ", f);
    put_text(f, c->a->openssl);
    fprintf(f, ", %zu rows\n  B  ", c->a->n);
    put_text(f, c->b->path);
    fputs(": ", f);
    put_text(f, c->b->openssl);
    fprintf(f, ", %zu rows\n", c->b->n);
    if (c->n == 0) {
        fprintf(f, "\nNo differences: all %zu rows have the same status and observed outcome on %s and %s.\n",
                c->in_both, la, lb);
        return;
    }
    if (c->n_status) {
        fprintf(f, "\nStatus changed in %zu %s (A -> B):\n", c->n_status, rows_word(c->n_status));
        w = name_width(c, -1);
        for (size_t i = 0; i < c->n; i++) {
            const tl_compare_entry *e = &c->entries[i];

            if (e->a == NULL || e->b == NULL || !e->status_changed)
                continue;
            fputs("  ", f);
            put_padded(f, e->a->name, w);
            fprintf(f, "  %s -> %s\n", e->a->status, e->b->status);
        }
    }
    for (int fld = 0; fld < TL_FIELD_COUNT; fld++) {
        if (c->n_field[fld] == 0)
            continue;
        fprintf(f, "\n%s changed in %zu %s (A -> B):\n", field_names[fld], c->n_field[fld],
                rows_word(c->n_field[fld]));
        w = name_width(c, fld);
        for (size_t i = 0; i < c->n; i++) {
            const tl_compare_entry *e = &c->entries[i];

            if (e->a == NULL || e->b == NULL || !((e->fields >> fld) & 1u))
                continue;
            field_pair(e, (tl_compare_field)fld, x, y, sizeof(x));
            fputs("  ", f);
            put_padded(f, e->a->name, w);
            fputs("  ", f);
            put_text(f, x);
            fputs(" -> ", f);
            put_text(f, y);
            fputc('\n', f);
        }
    }
    table_only(f, c, 1);
    table_only(f, c, 0);
    fprintf(f, "\n%zu rows in both: %zu differ (%zu in status, %zu in outcome", c->in_both,
            c->n - c->n_only_a - c->n_only_b, c->n_status, c->n_outcome);
    for (int fld = 0, first = 1; fld < TL_FIELD_COUNT; fld++)
        if (c->n_field[fld]) {
            fprintf(f, "%s%s %zu", first ? ": " : ", ", field_names[fld], c->n_field[fld]);
            first = 0;
        }
    fprintf(f, "); %zu only in A, %zu only in B; %s -> %s\n", c->n_only_a, c->n_only_b, la, lb);
}

/* ---- JSON --------------------------------------------------------------------- */

static void json_run(FILE *f, const char *key, const tl_compare_run *run)
{
    char buf[4096];

    fprintf(f, "\"%s\": {\"file\": ", key);
    tl_json_string(f, clean(run->path, buf, sizeof(buf)));
    fputs(", \"release\": ", f);
    tl_json_string(f, run->release);
    fputs(", \"openssl\": ", f);
    tl_json_string(f, run->openssl);
    fprintf(f, ", \"rows\": %zu}", run->n);
}

static void json_pair(FILE *f, const char *a, const char *b)
{
    fputs("{\"a\": ", f);
    if (a != NULL)
        tl_json_string(f, a);
    else
        fputs("null", f);
    fputs(", \"b\": ", f);
    if (b != NULL)
        tl_json_string(f, b);
    else
        fputs("null", f);
    fputc('}', f);
}

static void json_entry(FILE *f, const tl_compare_entry *e)
{
    char x[TL_OUTCOME_LINE_MAX], y[TL_OUTCOME_LINE_MAX];
    int first = 1;

    fputs("{\"name\": ", f);
    tl_json_string(f, e->a->name);
    fprintf(f, ", \"status_changed\": %s, \"status\": ", e->status_changed ? "true" : "false");
    json_pair(f, e->a->status, e->b->status);
    fputs(", \"fields\": {", f);
    for (int fld = 0; fld < TL_FIELD_COUNT; fld++) {
        if (!((e->fields >> fld) & 1u))
            continue;
        field_pair(e, (tl_compare_field)fld, x, y, sizeof(x));
        fprintf(f, "%s\"%s\": ", first ? "" : ", ", field_names[fld]);
        json_pair(f, x, y);
        first = 0;
    }
    fputs("}, \"observed\": ", f);
    if (e->a->has_observed)
        tl_outcome_format(&e->a->observed, x, sizeof(x));
    if (e->b->has_observed)
        tl_outcome_format(&e->b->observed, y, sizeof(y));
    json_pair(f, e->a->has_observed ? x : NULL, e->b->has_observed ? y : NULL);
    fputc('}', f);
}

static void json_only(FILE *f, const tl_compare *c, int in_a)
{
    int first = 1;

    fprintf(f, ",\n \"only_%s\": [", in_a ? "a" : "b");
    for (size_t i = 0; i < c->n; i++) {
        const tl_compare_entry *e = &c->entries[i];

        if (in_a ? e->b != NULL : e->a != NULL)
            continue;
        fputs(first ? "" : ", ", f);
        tl_json_string(f, in_a ? e->a->name : e->b->name);
        first = 0;
    }
    fputc(']', f);
}

static void write_json(FILE *f, const tl_compare *c)
{
    int first = 1;

    fputc('{', f);
    json_run(f, "a", c->a);
    fputs(",\n ", f);
    json_run(f, "b", c->b);
    fprintf(f, ",\n \"same\": %s,\n \"changed\": [", c->n == 0 ? "true" : "false");
    for (size_t i = 0; i < c->n; i++) {
        if (c->entries[i].a == NULL || c->entries[i].b == NULL)
            continue;
        fputs(first ? "\n  " : ",\n  ", f);
        json_entry(f, &c->entries[i]);
        first = 0;
    }
    fputs(first ? "]" : "\n ]", f);
    json_only(f, c, 1);
    json_only(f, c, 0);
    fprintf(f, ",\n \"summary\": {\"in_both\": %zu, \"differ\": %zu, \"status_changed\": %zu, "
               "\"outcome_changed\": %zu, \"only_a\": %zu, \"only_b\": %zu, \"fields\": {",
            c->in_both, c->n - c->n_only_a - c->n_only_b, c->n_status, c->n_outcome, c->n_only_a, c->n_only_b);
    for (int fld = 0; fld < TL_FIELD_COUNT; fld++)
        fprintf(f, "%s\"%s\": %zu", fld ? ", " : "", field_names[fld], c->n_field[fld]);
    fputs("}}}\n", f);
}

/* ---- SVG ---------------------------------------------------------------------- */

#define MARGIN 24
#define HEAD_H 92
#define COLHEAD_H 26
#define CELL_H 26
#define LEGEND_H 44
#define CHAR_W 7   /* a rough average glyph width at 12px */

/* The columns: status, then the outcome fields. */
static const int col_w[1 + TL_FIELD_COUNT] = { 120, 110, 90, 200, 80, 130, 160, 320 };

/* s cut to at most `chars` characters, the last one "…" when cut. */
static const char *clip(const char *s, size_t chars, char *buf, size_t size)
{
    size_t total = 0, keep, count = 0, used = 0;

    if (chars > (size - 4) / 4)
        chars = (size - 4) / 4;  /* room for 4-byte characters, "…" and the NUL */
    for (const char *p = s; *p; p++)
        total += ((unsigned char)*p & 0xc0) != 0x80;
    keep = total <= chars ? total : chars > 0 ? chars - 1 : 0;
    for (; s[used] && used < size - 4; used++)
        if (((unsigned char)s[used] & 0xc0) != 0x80 && count++ == keep)
            break;
    memcpy(buf, s, used);
    strcpy(buf + used, s[used] ? "\xe2\x80\xa6" : "");
    return buf;
}

static size_t chars_of(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* "A → B" in at most `room` characters: the longer side is cut first, both
 * in half when both are long. */
static void arrow_text(const char *a, const char *b, size_t room, char *buf, size_t size)
{
    char ca[200], cb[200];
    size_t na = chars_of(a), nb = chars_of(b), half = room > 3 ? (room - 3) / 2 : 1;

    if (na + nb + 3 > room) {
        if (nb <= half)
            na = room > nb + 3 ? room - 3 - nb : 1;
        else if (na <= half)
            nb = room > na + 3 ? room - 3 - na : 1;
        else
            na = nb = half;
    }
    snprintf(buf, size, "%s \xe2\x86\x92 %s", clip(a, na, ca, sizeof(ca)), clip(b, nb, cb, sizeof(cb)));
}

static void svg_cell(FILE *f, const char *row, const char *col, const char *a, const char *b,
                     int changed, const char *fill, int x, int y, int w)
{
    char text[512];

    fputs("<g><title>", f);
    tl_xml_text(f, row);
    fputs(": ", f);
    tl_xml_text(f, col);
    if (changed) {
        fputs(": ", f);
        tl_xml_text(f, a);
        fputs(" \xe2\x86\x92 ", f);
        tl_xml_text(f, b);
    } else {
        fputs(" unchanged", f);
    }
    fprintf(f, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#ffffff\" "
               "stroke-width=\"2\"/>", x, y, w, CELL_H, changed ? fill : "#f3f3f3");
    if (changed) {
        arrow_text(a, b, (size_t)(w - 12) / CHAR_W, text, sizeof(text));
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"cell\">", x + 6, y + CELL_H / 2 + 4);
        tl_xml_text(f, text);
        fputs("</text>", f);
    }
    fputs("</g>\n", f);
}

static void svg_row(FILE *f, const tl_compare *c, const tl_compare_entry *e, int x, int y, int label_w)
{
    const char *name = e->a ? e->a->name : e->b->name;
    char cut[256], x1[TL_OUTCOME_LOG_MAX], y1[TL_OUTCOME_LOG_MAX], lab[80];
    int cx = x + label_w, total = 0;

    fputs("<g><title>", f);
    tl_xml_text(f, name);
    fprintf(f, "</title><text x=\"%d\" y=\"%d\" class=\"row\">", x + label_w - 8, y + CELL_H / 2 + 4);
    tl_xml_text(f, clip(name, (size_t)(label_w - 16) / CHAR_W, cut, sizeof(cut)));
    fputs("</text></g>\n", f);
    for (int i = 0; i <= TL_FIELD_COUNT; i++)
        total += col_w[i];
    if (e->a == NULL || e->b == NULL) {
        snprintf(x1, sizeof(x1), "only in %s, %s", e->a ? "A" : "B", label(e->a ? c->a : c->b, lab, sizeof(lab)));
        fputs("<g><title>", f);
        tl_xml_text(f, name);
        fputs(": ", f);
        tl_xml_text(f, x1);
        fprintf(f, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#only)\" stroke=\"#ffffff\" "
                   "stroke-width=\"2\"/><text x=\"%d\" y=\"%d\" class=\"cell\">", cx, y, total, CELL_H, cx + 6,
                y + CELL_H / 2 + 4);
        tl_xml_text(f, x1);
        fputs("</text></g>\n", f);
        return;
    }
    svg_cell(f, name, "status", e->a->status, e->b->status, e->status_changed, "#f6a25b", cx, y, col_w[0]);
    cx += col_w[0];
    for (int fld = 0; fld < TL_FIELD_COUNT; fld++) {
        int changed = (e->fields >> fld) & 1u;

        if (changed)
            field_pair(e, (tl_compare_field)fld, x1, y1, sizeof(x1));
        svg_cell(f, name, field_names[fld], changed ? x1 : "", changed ? y1 : "", changed, "#ffd966", cx, y,
                 col_w[fld + 1]);
        cx += col_w[fld + 1];
    }
}

static void write_svg(FILE *f, const tl_compare *c)
{
    char la[80], lb[80], buf[4096];
    int label_w = 120, width, height, y;

    for (size_t i = 0; i < c->n; i++) {
        const char *name = c->entries[i].a ? c->entries[i].a->name : c->entries[i].b->name;
        int w = (int)strlen(name) * CHAR_W + 16;

        if (w > label_w)
            label_w = w > 440 ? 440 : w;
    }
    width = 2 * MARGIN + label_w;
    for (int i = 0; i <= TL_FIELD_COUNT; i++)
        width += col_w[i];
    height = 2 * MARGIN + HEAD_H + COLHEAD_H + (c->n ? (int)c->n : 1) * CELL_H + LEGEND_H;
    label(c->a, la, sizeof(la));
    label(c->b, lb, sizeof(lb));
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\">\n", width, height, width, height);
    fputs("<defs><pattern id=\"only\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
          "<rect width=\"8\" height=\"8\" fill=\"#eeeeee\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#d6d6d6\" stroke-width=\"4\"/>"
          "</pattern>\n<style>\n"
          ".h1{font-size:20px;font-weight:700;fill:#111}\n"
          ".sub{font-size:12px;fill:#555}\n"
          ".head{font-size:12px;fill:#444;font-weight:600}\n"
          ".row{font-size:12px;fill:#333;text-anchor:end}\n"
          ".cell{font-size:12px;fill:#222}\n"
          ".none{font-size:14px;fill:#2f8f46}\n"
          ".legend{font-size:12px;fill:#333}\n"
          "</style></defs>\n", f);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height);
    fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"h1\">ticketlab conformance: ", MARGIN, MARGIN + 20);
    tl_xml_text(f, la);
    fputs(" \xe2\x86\x92 ", f);
    tl_xml_text(f, lb);
    fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" class=\"sub\">A: ", MARGIN, MARGIN + 44);
    tl_xml_text(f, clean(c->a->path, buf, sizeof(buf)));
    fputs(" &#183; ", f);
    tl_xml_text(f, c->a->openssl);
    fprintf(f, " &#183; %zu rows</text>\n<text x=\"%d\" y=\"%d\" class=\"sub\">B: ", c->a->n, MARGIN, MARGIN + 62);
    tl_xml_text(f, clean(c->b->path, buf, sizeof(buf)));
    fputs(" &#183; ", f);
    tl_xml_text(f, c->b->openssl);
    fprintf(f, " &#183; %zu rows</text>\n<text x=\"%d\" y=\"%d\" class=\"sub\">%zu rows in both, %zu differ "
               "(%zu in status, %zu in outcome), %zu only in A, %zu only in B</text>\n",
            c->b->n, MARGIN, MARGIN + 80, c->in_both, c->n - c->n_only_a - c->n_only_b, c->n_status, c->n_outcome,
            c->n_only_a, c->n_only_b);
    y = MARGIN + HEAD_H;
    {
        int x = MARGIN + label_w;

        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"head\">status</text>\n", x + 6, y + 17);
        x += col_w[0];
        for (int fld = 0; fld < TL_FIELD_COUNT; fld++) {
            fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"head\">%s</text>\n", x + 6, y + 17, field_names[fld]);
            x += col_w[fld + 1];
        }
    }
    y += COLHEAD_H;
    if (c->n == 0)
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"none\">No differences: all %zu rows agree.</text>\n",
                MARGIN + label_w + 6, y + CELL_H / 2 + 5, c->in_both);
    for (size_t i = 0; i < c->n; i++, y += CELL_H)
        svg_row(f, c, &c->entries[i], MARGIN, y, label_w);
    y = height - MARGIN - 16;
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" fill=\"#f6a25b\"/>"
               "<text x=\"%d\" y=\"%d\" class=\"legend\">status changed</text>\n", MARGIN, y, MARGIN + 22, y + 13);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" fill=\"#ffd966\"/>"
               "<text x=\"%d\" y=\"%d\" class=\"legend\">outcome field changed (A &#8594; B; hover for the full values)</text>\n",
            MARGIN + 160, y, MARGIN + 182, y + 13);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" fill=\"url(#only)\"/>"
               "<text x=\"%d\" y=\"%d\" class=\"legend\">row in one run only</text>\n", MARGIN + 560, y, MARGIN + 582,
            y + 13);
    fputs("</svg>\n", f);
}

int tl_compare_write(FILE *f, const tl_compare *c, tl_report_format fmt, tl_error *err)
{
    switch (fmt) {
    case TL_REPORT_TABLE: write_table(f, c); break;
    case TL_REPORT_JSON: write_json(f, c); break;
    case TL_REPORT_SVG: write_svg(f, c); break;
    default:
        return tl_error_set(err, "a comparison has no %s form: use table, json or svg", tl_report_format_name(fmt));
    }
    if (fflush(f) != 0 || ferror(f))
        return tl_error_set(err, "cannot write the comparison");
    return 0;
}
