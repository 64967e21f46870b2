/* unexplained.c - failed rows that no named change explains; see unexplained.h. */
#include "unexplained.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "release.h"

/* "4.0.2.json" -> 4, 0, 2; 0 when the name is not a release's reference. */
static int ref_version(const char *name, int v[3])
{
    char tail[8];

    return sscanf(name, "%d.%d.%d%7s", &v[0], &v[1], &v[2], tail) == 4 && strcmp(tail, ".json") == 0;
}

static int version_cmp(const int a[3], const int b[3])
{
    for (int i = 0; i < 3; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* The reference file names in dir, sorted oldest release first. */
static size_t list_refs(const char *dir, char names[][64], int versions[][3])
{
    DIR *d = dir != NULL ? opendir(dir) : NULL;
    struct dirent *e;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL && n < TL_UNEXPLAINED_MAX_REFS) {
        int v[3];

        if (strlen(e->d_name) >= 64 || !ref_version(e->d_name, v))
            continue;
        /* insertion sort: a handful of files */
        size_t at = n;
        while (at > 0 && version_cmp(versions[at - 1], v) > 0) {
            memcpy(versions[at], versions[at - 1], sizeof(versions[at]));
            memcpy(names[at], names[at - 1], sizeof(names[at]));
            at--;
        }
        memcpy(versions[at], v, sizeof(versions[at]));
        snprintf(names[at], 64, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* The running release itself, else the newest older one, else the oldest newer one. */
static int nearest_ref(int versions[][3], size_t n)
{
    int run[3] = { 0, 0, 0 }, best = -1;

    if (sscanf(tl_release_name(), "%d.%d.%d", &run[0], &run[1], &run[2]) != 3)
        return n ? 0 : -1;
    for (size_t i = 0; i < n; i++)
        if (version_cmp(versions[i], run) <= 0)
            best = (int)i;
    return best >= 0 ? best : (n ? 0 : -1);
}

static const tl_compare_row *ref_row(const tl_compare_run *run, const char *name)
{
    for (size_t i = 0; i < run->n; i++)
        if (strcmp(run->rows[i].name, name) == 0)
            return &run->rows[i];
    return NULL;
}

/* Bit per field where a and b read differently. */
static unsigned differing_fields(const tl_outcome *a, const tl_outcome *b)
{
    unsigned bits = 0;

    for (int f = 0; f < TL_FIELD_COUNT; f++) {
        char x[TL_OUTCOME_LINE_MAX], y[TL_OUTCOME_LINE_MAX];

        tl_compare_field_text(a, (tl_compare_field)f, x, sizeof(x));
        tl_compare_field_text(b, (tl_compare_field)f, y, sizeof(y));
        if (strcmp(x, y) != 0)
            bits |= 1u << f;
    }
    return bits;
}

/* What the row expected on this release: its pin, or for an n/a row the
 * engine's model of the release; NULL when there is neither. */
static const tl_outcome *row_expected(const tl_row *r)
{
    if (r->res == NULL)
        return NULL;
    if (r->pinned)
        return &r->res->expected;
    return r->not_applicable && r->res->predicted_ok ? &r->res->predicted : NULL;
}

static int load_refs(tl_unexplained *u, const char *dir, tl_error *err)
{
    char names[TL_UNEXPLAINED_MAX_REFS][64];
    int versions[TL_UNEXPLAINED_MAX_REFS][3];
    size_t n = list_refs(dir, names, versions);

    for (size_t i = 0; i < n; i++) {
        char path[1200];

        int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);

        if (len < 0 || (size_t)len >= sizeof(path))
            return tl_error_set(err, "%s: the reference directory's name is too long", dir);
        if (tl_compare_load(path, &u->refs[i], err) != 0)
            return -1;
        u->n_refs++;
    }
    u->nearest = nearest_ref(versions, n);
    return 0;
}

int tl_unexplained_find(const tl_suite *s, const char *dir, tl_unexplained *u, tl_error *err)
{
    memset(u, 0, sizeof(*u));
    u->nearest = -1;
    snprintf(u->dir, sizeof(u->dir), "%s", dir != NULL ? dir : "");
    for (size_t i = 0; i < s->n; i++) {
        const tl_row *r = &s->rows[i];

        const tl_outcome *want = row_expected(r);

        if (r->status != TL_ROW_FAIL || want == NULL || differing_fields(want, &r->res->observed) == 0)
            continue;
        if (u->rows == NULL && (u->rows = calloc(s->n, sizeof(*u->rows))) == NULL)
            return tl_error_set(err, "out of memory");
        u->rows[u->n].row = r;
        u->rows[u->n].fields = differing_fields(want, &r->res->observed);
        for (int f = 0; f < TL_FIELD_COUNT; f++)
            u->n_field[f] += (u->rows[u->n].fields >> f) & 1u;
        u->n++;
    }
    if (u->n == 0 || dir == NULL)
        return 0;
    if (load_refs(u, dir, err) != 0) {
        tl_unexplained_free(u);
        return -1;
    }
    for (size_t i = 0; i < u->n; i++) {
        tl_unexplained_row *x = &u->rows[i];

        for (size_t k = 0; k < u->n_refs; k++) {
            const tl_compare_row *rr = ref_row(&u->refs[k], x->row->name);

            if ((int)k == u->nearest)
                x->nearest = rr;
            if (rr != NULL && rr->has_observed && differing_fields(&rr->observed, &x->row->res->observed) == 0)
                x->like |= 1u << k;
        }
    }
    return 0;
}

void tl_unexplained_free(tl_unexplained *u)
{
    free(u->rows);
    for (size_t i = 0; i < u->n_refs; i++)
        tl_compare_run_free(&u->refs[i]);
    memset(u, 0, sizeof(*u));
    u->nearest = -1;
}

/* "3.0.22, 3.5.7": the references whose bit is set in `like`, into buf. */
static const char *like_list(const tl_unexplained *u, unsigned like, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < u->n_refs && used < size; k++)
        if ((like >> k) & 1u)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used ? ", " : "", u->refs[k].release);
    return buf;
}

static const char *nearest_release(const tl_unexplained *u)
{
    return u->nearest >= 0 ? u->refs[u->nearest].release : NULL;
}

/* Each differing field with its row count: "hs (3), log (2)" or, as JSON members, "\"hs\": 3, ...". */
static void field_counts(FILE *f, const tl_unexplained *u, int json)
{
    int any = 0;

    for (int fld = 0; fld < TL_FIELD_COUNT; fld++)
        if (u->n_field[fld]) {
            const char *name = tl_compare_field_name((tl_compare_field)fld);

            if (json)
                fprintf(f, "%s\"%s\": %zu", any ? ", " : "", name, u->n_field[fld]);
            else
                fprintf(f, "%s %s (%zu)", any ? "," : "", name, u->n_field[fld]);
            any = 1;
        }
}

void tl_unexplained_table(FILE *f, const tl_unexplained *u)
{
    const char *near = nearest_release(u);

    if (u->n == 0)
        return;
    fprintf(f, "\nUnexplained: %zu row%s changed on OpenSSL %s and no named change explains %s; "
               "this may be a new behaviour (or a patched build):\n",
            u->n, u->n == 1 ? "" : "s", tl_release_name(), u->n == 1 ? "it" : "them");
    fputs("  fields that differ:", f);
    field_counts(f, u, 0);
    fputc('\n', f);
    if (near != NULL)
        fprintf(f, "  nearest reference: OpenSSL %s (%s/%s.json); compare the whole run with\n"
                   "    ticketlab conformance --compare %s/%s.json THIS.json\n",
                near, u->dir, near, u->dir, near);
    else
        fprintf(f, "  no reference report to compare with (looked in %s)\n", u->dir[0] ? u->dir : "(none)");
    for (size_t i = 0; i < u->n; i++) {
        const tl_unexplained_row *x = &u->rows[i];
        char like[256];

        fprintf(f, "  %s\n", x->row->name);
        for (int fld = 0; fld < TL_FIELD_COUNT; fld++) {
            char want[TL_OUTCOME_LINE_MAX], got[TL_OUTCOME_LINE_MAX], ref[TL_OUTCOME_LINE_MAX];

            if (!((x->fields >> fld) & 1u))
                continue;
            tl_compare_field_text(row_expected(x->row), (tl_compare_field)fld, want, sizeof(want));
            tl_compare_field_text(&x->row->res->observed, (tl_compare_field)fld, got, sizeof(got));
            fprintf(f, "    %-8s expected %s, observed %s", tl_compare_field_name((tl_compare_field)fld),
                    want, got);
            if (x->nearest != NULL && x->nearest->has_observed)
                fprintf(f, "; %s observed %s", near,
                        tl_compare_field_text(&x->nearest->observed, (tl_compare_field)fld, ref, sizeof(ref)));
            fputc('\n', f);
        }
        if (u->n_refs)
            fprintf(f, "    observed the same: %s\n",
                    x->like ? like_list(u, x->like, like, sizeof(like)) : "on no reference release");
    }
}

void tl_unexplained_json(FILE *f, const tl_unexplained *u)
{
    const char *near = nearest_release(u);

    fputs("\"unexplained\": {\"count\": ", f);
    fprintf(f, "%zu, \"nearest_reference\": ", u->n);
    if (near != NULL)
        tl_json_string(f, near);
    else
        fputs("null", f);
    fputs(", \"reference_dir\": ", f);
    tl_json_string(f, u->dir);
    fputs(", \"fields\": {", f);
    field_counts(f, u, 1);
    fputs("}, \"rows\": [", f);
    for (size_t i = 0; i < u->n; i++) {
        const tl_unexplained_row *x = &u->rows[i];

        fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
        tl_json_string(f, x->row->name);
        fputs(", \"fields\": {", f);
        for (int fld = 0, first = 1; fld < TL_FIELD_COUNT; fld++) {
            char v[TL_OUTCOME_LINE_MAX];

            if (!((x->fields >> fld) & 1u))
                continue;
            fprintf(f, "%s\"%s\": {\"expected\": ", first ? "" : ", ",
                    tl_compare_field_name((tl_compare_field)fld));
            tl_json_string(f, tl_compare_field_text(row_expected(x->row), (tl_compare_field)fld, v, sizeof(v)));
            fputs(", \"observed\": ", f);
            tl_json_string(f, tl_compare_field_text(&x->row->res->observed, (tl_compare_field)fld, v, sizeof(v)));
            fputs(", \"nearest\": ", f);
            if (x->nearest != NULL && x->nearest->has_observed)
                tl_json_string(f, tl_compare_field_text(&x->nearest->observed, (tl_compare_field)fld, v, sizeof(v)));
            else
                fputs("null", f);
            fputc('}', f);
            first = 0;
        }
        fputs("}, \"observed_like\": [", f);
        for (size_t k = 0, first = 1; k < u->n_refs; k++)
            if ((x->like >> k) & 1u) {
                fputs(first ? "" : ", ", f);
                tl_json_string(f, u->refs[k].release);
                first = 0;
            }
        fputs("]}", f);
    }
    fputs(u->n ? "\n ]}" : "]}", f);
}
