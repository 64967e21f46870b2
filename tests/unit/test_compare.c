/*
 * test_compare.c - the JSON reader (good input, escapes, truncated input,
 * deep nesting, bad tokens, limits) and the comparison of two conformance
 * reports: loading, matching rows by name, changed fields, and the three
 * writers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "fileio.h"
#include "jsonread.h"
#include "tl_test.h"

static char dir[256];

/* name inside the scratch directory (tl_test_path: four calls may be alive at once). */
static const char *path_in(const char *name)
{
    return tl_test_path(dir, name);
}

/* Parse text (NUL-terminated); returns the tree or NULL with err set. */
static tl_json_value *parse(const char *text, tl_error *err)
{
    tl_json_value *v = NULL;

    err->msg[0] = '\0';
    if (tl_json_parse(text, strlen(text), "t.json", NULL, &v, err) != 0) {
        TL_CHECK(v == NULL);
        TL_CHECK(err->msg[0] != '\0');
        return NULL;
    }
    return v;
}

/* The text must be refused with exactly this message. */
static void expect_error(const char *text, const char *want)
{
    tl_error err;
    tl_json_value *v = parse(text, &err);

    TL_CHECK(v == NULL);
    if (strcmp(err.msg, want) != 0)
        fprintf(stderr, "  input: %s\n", text);
    TL_CHECK_STR(err.msg, want);
    tl_json_free(v);
}

/* ---- the JSON reader ------------------------------------------------------- */

static void test_json_good(void)
{
    tl_error err;
    tl_json_value *v = parse(" {\"a\": [1, -2.5, 3e2, 0, -0, 1E-2], \"b\": {\"c\": true, \"d\": false},"
                             "\n \"e\": null, \"s\": \"hi\", \"empty\": [], \"eo\": {}, \"f\": 7} ", &err);
    const tl_json_value *a, *b;

    TL_CHECK(v != NULL);
    if (v == NULL)
        return;
    TL_CHECK_INT(v->type, TL_JSON_OBJECT);
    TL_CHECK_INT(v->n, 7);
    TL_CHECK_INT(v->offset, 1);
    a = tl_json_get(v, "a");
    TL_CHECK(a != NULL && a->type == TL_JSON_ARRAY && a->n == 6);
    if (a != NULL && a->n == 6) {
        TL_CHECK(a->items[0].number == 1.0);
        TL_CHECK(a->items[1].number == -2.5);
        TL_CHECK(a->items[2].number == 300.0);
        TL_CHECK(a->items[3].number == 0.0);
        TL_CHECK(a->items[5].number == 0.01);
        TL_CHECK_INT(a->items[1].offset, 11);
    }
    b = tl_json_get(v, "b");
    TL_CHECK(b != NULL && tl_json_get(b, "c")->type == TL_JSON_BOOL && tl_json_get(b, "c")->boolean == 1);
    TL_CHECK(b != NULL && tl_json_get(b, "d")->boolean == 0);
    TL_CHECK_INT(tl_json_get(v, "e")->type, TL_JSON_NULL);
    TL_CHECK_STR(tl_json_get(v, "s")->string, "hi");
    TL_CHECK_INT(tl_json_get(v, "empty")->n, 0);
    TL_CHECK_INT(tl_json_get(v, "eo")->type, TL_JSON_OBJECT);
    TL_CHECK(tl_json_get(v, "missing") == NULL);
    TL_CHECK(tl_json_get(a, "x") == NULL);  /* not an object */
    TL_CHECK(tl_json_get(NULL, "x") == NULL);
    tl_json_free(v);

    v = parse("\"just a string\"", &err);
    TL_CHECK(v != NULL && v->type == TL_JSON_STRING);
    tl_json_free(v);
    v = parse("42", &err);
    TL_CHECK(v != NULL && v->type == TL_JSON_NUMBER && v->number == 42.0);
    tl_json_free(v);
    TL_CHECK_STR(tl_json_type_name(TL_JSON_ARRAY), "an array");
}

static void test_json_escapes(void)
{
    tl_error err;
    tl_json_value *v = parse("[\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\\ud83d\\ude00\", "
                             "\"raw \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\", \"\\u0041\\u007f\", \"\"]", &err);

    TL_CHECK(v != NULL && v->n == 5);
    if (v == NULL || v->n != 5)
        return;
    TL_CHECK_STR(v->items[0].string, "q\" b\\ s/ \b\f\n\r\t");
    TL_CHECK_STR(v->items[1].string, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    TL_CHECK_STR(v->items[2].string, "raw \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    TL_CHECK_STR(v->items[3].string, "A\x7f");
    TL_CHECK_STR(v->items[4].string, "");
    tl_json_free(v);

    expect_error("\"a\\x\"", "t.json: byte 2 (line 1): unknown escape in a string "
                             "(use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)");
    expect_error("\"\\u12\"", "t.json: byte 1 (line 1): \\u must be followed by four hex digits");
    expect_error("\"\\u12g4\"", "t.json: byte 1 (line 1): \\u must be followed by four hex digits");
    expect_error("\"\\ud800\"", "t.json: byte 1 (line 1): \\ud800 is a high surrogate without a "
                                "\\uDC00-\\uDFFF after it");
    expect_error("\"\\ud800\\u0041\"", "t.json: byte 1 (line 1): \\ud800 is a high surrogate without a "
                                       "\\uDC00-\\uDFFF after it");
    expect_error("\"\\udc00\"", "t.json: byte 1 (line 1): \\udc00 is a low surrogate without a high one before it");
    expect_error("\"a\\u0000b\"", "t.json: byte 2 (line 1): \\u0000 (NUL) is not allowed in strings here");
    expect_error("[\"a\nb\"]", "t.json: byte 3 (line 1): control character 0x0a in a string (write it as \\u000a)");
    expect_error("\"\xc0\x80\"", "t.json: byte 1 (line 1): invalid UTF-8 in a string");      /* overlong */
    expect_error("\"\xed\xa0\x80\"", "t.json: byte 1 (line 1): invalid UTF-8 in a string");  /* surrogate */
    expect_error("\"\xf5\x80\x80\x80\"", "t.json: byte 1 (line 1): invalid UTF-8 in a string");
    expect_error("\"\xe2\x82\"", "t.json: byte 1 (line 1): invalid UTF-8 in a string");      /* cut short */
}

static void test_json_truncated(void)
{
    static const char doc[] = "{\"openssl\": \"OpenSSL 3.5.7\", \"rows\": [{\"name\": \"a\\u00e9\", "
                              "\"n\": -1.5e+3, \"t\": true, \"f\": false, \"z\": null}, []]}";
    size_t len = strlen(doc);
    tl_json_value *v = NULL;
    tl_error err;

    TL_CHECK_INT(tl_json_parse(doc, len, "t.json", NULL, &v, &err), 0);
    tl_json_free(v);
    /* Every proper prefix is refused, cleanly, with the input named. */
    for (size_t n = 0; n < len; n++) {
        v = NULL;
        err.msg[0] = '\0';
        TL_CHECK_INT(tl_json_parse(doc, n, "t.json", NULL, &v, &err), -1);
        TL_CHECK(v == NULL);
        TL_CHECK(strncmp(err.msg, "t.json: byte ", 13) == 0);
    }
    expect_error("", "t.json: byte 0 (line 1): the input is empty, expected a JSON value");
    expect_error(" \n ", "t.json: byte 3 (line 2): the input is empty, expected a JSON value");
    expect_error("[1, 2", "t.json: byte 5 (line 1): the input ends inside the array opened at byte 0");
    expect_error("{\"a\": 1", "t.json: byte 7 (line 1): the input ends inside the object opened at byte 0");
    expect_error("{\"a\"", "t.json: byte 4 (line 1): the input ends inside the object opened at byte 0");
    expect_error("{\"a\":", "t.json: byte 5 (line 1): the input ends where a value should be");
    expect_error("[\"abc", "t.json: byte 1 (line 1): the string that starts here is never closed "
                           "(the input ends first)");
    expect_error("\"abc\\", "t.json: byte 0 (line 1): the string that starts here is never closed "
                            "(the input ends first)");
    expect_error("tr", "t.json: byte 0 (line 1): expected a value (object, array, string, number, true, false "
                       "or null), found 't'");
}

static void test_json_depth(void)
{
    char deep[2 * 70 + 1];
    size_t big = 200000;
    char *huge = malloc(big + 1);
    tl_json_value *v = NULL;
    tl_error err;

    /* 64 levels are fine, 65 are not. */
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    deep[128] = '\0';
    v = parse(deep, &err);
    TL_CHECK(v != NULL);
    tl_json_free(v);
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    deep[130] = '\0';
    expect_error(deep, "t.json: byte 64 (line 1): arrays and objects nested deeper than 64 levels");
    /* A hostile depth does not reach the stack. */
    TL_CHECK(huge != NULL);
    if (huge == NULL)
        return;
    memset(huge, '[', big);
    huge[big] = '\0';
    TL_CHECK_INT(tl_json_parse(huge, big, "deep.json", NULL, &v, &err), -1);
    TL_CHECK(strstr(err.msg, "nested deeper than 64 levels") != NULL);
    for (size_t i = 0; i < big; i += 2)
        memcpy(huge + i, "{\"", 2);
    TL_CHECK_INT(tl_json_parse(huge, big, "deep.json", NULL, &v, &err), -1);
    free(huge);
}

static void test_json_bad_tokens(void)
{
    expect_error("nul", "t.json: byte 0 (line 1): expected a value (object, array, string, number, true, false "
                        "or null), found 'n'");
    expect_error("[True]", "t.json: byte 1 (line 1): expected a value (object, array, string, number, true, false "
                           "or null), found 'T'");
    expect_error("NaN", "t.json: byte 0 (line 1): expected a value (object, array, string, number, true, false "
                        "or null), found 'N'");
    expect_error("'x'", "t.json: byte 0 (line 1): expected a value (object, array, string, number, true, false "
                        "or null), found '''");
    expect_error("+1", "t.json: byte 0 (line 1): expected a value (object, array, string, number, true, false "
                       "or null), found '+'");
    expect_error("\xef\xbb\xbf{}", "t.json: byte 0 (line 1): expected a value (object, array, string, number, "
                                   "true, false or null), found byte 0xef");
    expect_error("01", "t.json: byte 0 (line 1): numbers may not have leading zeros");
    expect_error("-", "t.json: byte 0 (line 1): a number needs a digit after '-'");
    expect_error("1.", "t.json: byte 0 (line 1): a number needs a digit after '.'");
    expect_error("[1.e5]", "t.json: byte 1 (line 1): a number needs a digit after '.'");
    expect_error("1e", "t.json: byte 0 (line 1): a number needs a digit in its exponent");
    expect_error("1e999", "t.json: byte 0 (line 1): the number 1e999 is out of range");
    expect_error("[1,]", "t.json: byte 3 (line 1): expected a value (object, array, string, number, true, false "
                         "or null), found ']'");
    expect_error("[1 2]", "t.json: byte 3 (line 1): expected ',' or ']' after an array element, found '2'");
    expect_error("{\"a\" 1}", "t.json: byte 5 (line 1): expected ':' after a member name, found '1'");
    expect_error("{a: 1}", "t.json: byte 1 (line 1): expected a member name in double quotes, found 'a'");
    expect_error("{\"a\": 1,}", "t.json: byte 8 (line 1): expected a member name in double quotes, found '}'");
    expect_error("{\"a\": 1 \"b\": 2}", "t.json: byte 8 (line 1): expected ',' or '}' after an object member, "
                                        "found '\"'");
    expect_error("{} x", "t.json: byte 3 (line 1): 'x' after the end of the JSON value");
    expect_error("1 2", "t.json: byte 2 (line 1): '2' after the end of the JSON value");
    expect_error("[1]\n\n/* c */", "t.json: byte 5 (line 3): '/' after the end of the JSON value");
    expect_error("[\x01]", "t.json: byte 1 (line 1): expected a value (object, array, string, number, true, false "
                           "or null), found byte 0x01");
}

static void test_json_limits(void)
{
    tl_json_limits lim = { 16, 0, 0 }, few = { 0, 0, 3 };
    tl_json_value *v = NULL;
    tl_error err;
    const char *text = "[1, 2, 3, 4, 5, 6, 7]";

    TL_CHECK_INT(tl_json_parse(text, strlen(text), "big.json", &lim, &v, &err), -1);
    TL_CHECK_STR(err.msg, "big.json: larger than 16 bytes");
    TL_CHECK_INT(tl_json_parse(text, strlen(text), "many.json", &few, &v, &err), -1);
    TL_CHECK_STR(err.msg, "many.json: byte 7 (line 1): more than 3 values");
    TL_CHECK_INT(tl_json_parse(text, strlen(text), NULL, NULL, &v, &err), 0);
    TL_CHECK_INT(v->n, 7);
    tl_json_free(v);
    TL_CHECK_INT(tl_json_parse("[", 1, NULL, NULL, &v, &err), -1);
    TL_CHECK_STR(err.msg, "<input>: byte 1 (line 1): the input ends where a value should be");
    /* Files: missing, too large. */
    TL_CHECK_INT(tl_json_read_file(path_in("missing.json"), NULL, &v, &err), -1);
    TL_CHECK(strstr(err.msg, "missing.json: cannot open") != NULL);
    TL_CHECK_INT(tl_file_write_atomic(path_in("big.json"), text, strlen(text), 0644, &err), 0);
    TL_CHECK_INT(tl_json_read_file(path_in("big.json"), &lim, &v, &err), -1);
    TL_CHECK(strstr(err.msg, "big.json: larger than 16 bytes") != NULL);
    TL_CHECK_INT(tl_json_read_file(path_in("big.json"), NULL, &v, &err), 0);
    tl_json_free(v);
    unlink(path_in("big.json"));
}

/*
 * Issue 24: a member name given twice is an error naming the input, the
 * byte where the second one starts and the name, wherever it is (first
 * members, last members, nested), however many members the object has.
 * Before, the first one silently won (Python's json takes the last).
 */
static void test_json_duplicate_keys(void)
{
    tl_json_value *v = NULL;
    tl_error err;
    char *big;
    size_t len = 0, cap = 10000 * 24 + 64;

    expect_error("{\"a\": 1, \"a\": 2}",
                 "t.json: byte 9 (line 1): the member name \"a\" is given twice (first at byte 1)");
    expect_error("{\"rows\": [], \"release\": \"3.5.7\", \"rows\": [1]}",
                 "t.json: byte 33 (line 1): the member name \"rows\" is given twice (first at byte 1)");
    expect_error("{\"x\": 1, \"y\": 2, \"z\": 3,\n \"z\": 4}",
                 "t.json: byte 26 (line 2): the member name \"z\" is given twice (first at byte 17)");
    expect_error("{\"rows\": [{\"name\": \"a\", \"status\": \"pass\", \"name\": \"b\"}]}",
                 "t.json: byte 42 (line 1): the member name \"name\" is given twice (first at byte 11)");
    /* Equal once decoded: \u0061 is "a". Different objects may share names. */
    expect_error("{\"a\": 1, \"\\u0061\": 2}",
                 "t.json: byte 9 (line 1): the member name \"a\" is given twice (first at byte 1)");
    v = parse("{\"a\": {\"a\": 1, \"b\": 2}, \"b\": [{\"a\": 1}, {\"a\": 2}], \"ab\": 0, \"ba\": 0}", &err);
    TL_CHECK(v != NULL);
    tl_json_free(v);
    /* 10,000 members, all "release" after the first; then 10,000 distinct ones. */
    big = malloc(cap);
    TL_CHECK(big != NULL);
    if (big == NULL)
        return;
    len += (size_t)snprintf(big + len, cap - len, "{");
    for (int i = 0; i < 10000; i++)
        len += (size_t)snprintf(big + len, cap - len, "%s\"release\":1", i ? "," : "");
    len += (size_t)snprintf(big + len, cap - len, "}");
    TL_CHECK_INT(tl_json_parse(big, len, "many.json", NULL, &v, &err), -1);
    TL_CHECK_STR(err.msg, "many.json: byte 13 (line 1): the member name \"release\" is given twice "
                          "(first at byte 1)");
    len = (size_t)snprintf(big, cap, "{");
    for (int i = 0; i < 10000; i++)
        len += (size_t)snprintf(big + len, cap - len, "%s\"k%d\":%d", i ? "," : "", i, i);
    len += (size_t)snprintf(big + len, cap - len, "}");
    TL_CHECK_INT(tl_json_parse(big, len, "distinct.json", NULL, &v, &err), 0);
    TL_CHECK(v != NULL && v->n == 10000 && tl_json_get(v, "k9999")->number == 9999.0);
    tl_json_free(v);
    free(big);
}

/* ---- the comparison ------------------------------------------------------ */

#define OUT_T2 "hs=ok/ok reused=0/0 alert=-/- tickets=2 hints=7200,7200 early=none " \
               "log=kdec:r1=1,dcb:SUCCESS:r1:a-=IGNORE_RENEW,gen:a-=1,kenc:r1=1,gen:a-=1,kenc:r1=1"
#define OUT_T0 "hs=ok/ok reused=0/0 alert=-/- tickets=0 hints=- early=none " \
               "log=kdec:r1=1,dcb:SUCCESS:r1:a-=IGNORE_RENEW,gen:a-=1,kenc:r1=1,gen:a-=1,kenc:r1=1"
#define OUT_USE "hs=ok/ok reused=1/1 alert=-/- tickets=0 hints=- early=none log=kdec:r1=1,dcb:SUCCESS:r1:a-=USE"
#define OUT_FAIL "hs=fail/fail reused=0/0 alert=-/internal_error tickets=0 hints=- early=none " \
                 "log=kdec:r1=1,dcb:SUCCESS:r1:a-=ABORT"

/* Write a report with the given release and rows (each "name|status|observed", observed "null" for null). */
static const char *write_report(const char *file, const char *release, const char *const *rows, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_error err;
    const char *path = path_in(file);

    fprintf(f, "{\"openssl\": \"OpenSSL %s 1 Jan 2026\", \"release\": \"%s\", \"engine\": \"3.x\",\n \"rows\": [",
            release, release);
    for (size_t i = 0; i < n; i++) {
        char name[128], status[16];
        const char *obs = strchr(strchr(rows[i], '|') + 1, '|') + 1;

        sscanf(rows[i], "%127[^|]|%15[^|]", name, status);
        fprintf(f, "%s\n  {\"name\": \"%s\", \"status\": \"%s\", \"observed_text\": ", i ? "," : "", name, status);
        if (strcmp(obs, "null") == 0)
            fputs("null", f);
        else
            fprintf(f, "\"%s\"", obs);
        fputs(", \"observed\": {\"line\": \"ignored\"}}", f);
    }
    fputs("\n ],\n \"summary\": {}}\n", f);
    fclose(f);
    TL_CHECK_INT(tl_file_write_atomic(path, text, len, 0644, &err), 0);
    free(text);
    return path;
}

static const char *const rows_a[] = {
    "m.ignore_renew|pass|" OUT_T2,
    "m.use|pass|" OUT_USE,
    "m.abort|pass|" OUT_FAIL,
    "m.gone|pass|" OUT_USE,
    "m.broken|error|null",
};

static const char *const rows_b[] = {
    "m.new|pass|" OUT_USE,
    "m.abort|pass|" OUT_FAIL,
    "m.use|n/a|" OUT_USE,
    "m.ignore_renew|fail|" OUT_T0,
    "m.broken|pass|" OUT_USE,
};

/* The comparison written in fmt, as a malloc'd string. */
static char *written(const tl_compare *c, tl_report_format fmt)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    tl_error err;

    TL_CHECK_INT(tl_compare_write(f, c, fmt, &err), 0);
    fclose(f);
    return text;
}

static void test_field_text(void)
{
    tl_outcome o;
    tl_error err;
    char buf[TL_OUTCOME_LOG_MAX];
    static const char *const want[TL_FIELD_COUNT] = {
        "fail/fail", "0/0", "-/internal_error", "0", "-", "none", "kdec:r1=1,dcb:SUCCESS:r1:a-=ABORT"
    };

    TL_CHECK_INT(tl_outcome_parse(OUT_FAIL, &o, &err), 0);
    for (int f = 0; f < TL_FIELD_COUNT; f++)
        TL_CHECK_STR(tl_compare_field_text(&o, (tl_compare_field)f, buf, sizeof(buf)), want[f]);
    TL_CHECK_STR(tl_compare_field_name(TL_FIELD_TICKETS), "tickets");
    TL_CHECK_STR(tl_compare_field_name(TL_FIELD_LOG), "log");
}

/* Two reports read back: their headers and rows. */
static void check_loaded(const tl_compare_run *a, const tl_compare_run *b)
{
    TL_CHECK_STR(a->release, "3.0.19");
    TL_CHECK_STR(b->openssl, "OpenSSL 3.5.7 1 Jan 2026");
    TL_CHECK_INT(a->n, 5);
    TL_CHECK_INT(a->rows[4].has_observed, 0);
    TL_CHECK_INT(a->rows[0].observed.n_tickets, 2);
}

/* A's order first, then the rows only in B: the counts. */
static void check_counts(const tl_compare *c)
{
    TL_CHECK_INT(c->n, 5);
    TL_CHECK_INT(c->in_both, 4);
    TL_CHECK_INT(c->n_status, 3);
    TL_CHECK_INT(c->n_outcome, 1);
    TL_CHECK_INT(c->n_only_a, 1);
    TL_CHECK_INT(c->n_only_b, 1);
    TL_CHECK_INT(c->n_field[TL_FIELD_TICKETS], 1);
    TL_CHECK_INT(c->n_field[TL_FIELD_HINTS], 1);
    TL_CHECK_INT(c->n_field[TL_FIELD_LOG], 0);
}

/* The entries, in order, and what changed in each. */
static void check_entries(const tl_compare *c)
{
    char diff[TL_OUTCOME_LINE_MAX * 2];

    if (c->n != 5)
        return;   /* check_counts said so */
    TL_CHECK_STR(c->entries[0].a->name, "m.ignore_renew");
    TL_CHECK_INT(c->entries[0].fields, (1u << TL_FIELD_TICKETS) | (1u << TL_FIELD_HINTS));
    TL_CHECK_INT(c->entries[0].status_changed, 1);
    /* The changed fields are the ones tl_outcome_diff counts. */
    TL_CHECK_INT(tl_outcome_diff(&c->entries[0].a->observed, &c->entries[0].b->observed, diff,
                                 sizeof(diff)), 2);
    TL_CHECK_STR(diff, "tickets: want 2, got 0; hints: want 7200,7200, got -");
    TL_CHECK_STR(c->entries[1].a->name, "m.use");
    TL_CHECK_INT(c->entries[1].fields, 0);
    TL_CHECK_STR(c->entries[1].b->status, "n/a");
    TL_CHECK_STR(c->entries[2].a->name, "m.gone");
    TL_CHECK(c->entries[2].b == NULL);
    TL_CHECK_STR(c->entries[3].a->name, "m.broken");  /* error -> pass: a status change */
    TL_CHECK_INT(c->entries[3].fields, 0);
    TL_CHECK(c->entries[4].a == NULL);
    TL_CHECK_STR(c->entries[4].b->name, "m.new");
}

/* The table names every change, by kind. */
static void check_table(const tl_compare *c)
{
    char *text = written(c, TL_REPORT_TABLE);

    TL_CHECK(strncmp(text, "OpenSSL 3.0.19 -> OpenSSL 3.5.7\n", 32) == 0);
    TL_CHECK(strstr(text, "Status changed in 3 rows (A -> B):\n  m.ignore_renew  pass -> fail\n"
                          "  m.use           pass -> n/a\n  m.broken        error -> pass\n") != NULL);
    TL_CHECK(strstr(text, "tickets changed in 1 row (A -> B):\n  m.ignore_renew  2 -> 0\n") != NULL);
    TL_CHECK(strstr(text, "hints changed in 1 row (A -> B):\n  m.ignore_renew  7200,7200 -> -\n") != NULL);
    TL_CHECK(strstr(text, "Only in A, OpenSSL 3.0.19 (1 row):\n  m.gone\n") != NULL);
    TL_CHECK(strstr(text, "Only in B, OpenSSL 3.5.7 (1 row):\n  m.new\n") != NULL);
    TL_CHECK(strstr(text, "4 rows in both: 3 differ (3 in status, 1 in outcome: tickets 1, hints 1); "
                          "1 only in A, 1 only in B") != NULL);
    TL_CHECK(strstr(text, "log changed") == NULL);
    free(text);
}

/* The JSON reads back with our own reader. */
static void check_json(const tl_compare *c)
{
    char *text;
    tl_json_value *doc = NULL;
    tl_error err;

    text = written(c, TL_REPORT_JSON);
    TL_CHECK_INT(tl_json_parse(text, strlen(text), "cmp.json", NULL, &doc, &err), 0);
    if (doc != NULL) {
        const tl_json_value *changed = tl_json_get(doc, "changed"), *f0;

        TL_CHECK_STR(tl_json_get(tl_json_get(doc, "a"), "release")->string, "3.0.19");
        TL_CHECK_STR(tl_json_get(tl_json_get(doc, "b"), "release")->string, "3.5.7");
        TL_CHECK_INT(tl_json_get(doc, "same")->boolean, 0);
        TL_CHECK(changed != NULL && changed->n == 3);
        f0 = changed && changed->n ? tl_json_get(tl_json_get(&changed->items[0], "fields"), "tickets") : NULL;
        TL_CHECK(f0 != NULL && strcmp(tl_json_get(f0, "a")->string, "2") == 0
                 && strcmp(tl_json_get(f0, "b")->string, "0") == 0);
        TL_CHECK_STR(tl_json_get(doc, "only_a")->items[0].string, "m.gone");
        TL_CHECK_STR(tl_json_get(doc, "only_b")->items[0].string, "m.new");
        TL_CHECK(tl_json_get(tl_json_get(doc, "summary"), "differ")->number == 3.0);
        /* m.broken had no observed outcome in A */
        TL_CHECK(changed && changed->n == 3
                 && tl_json_get(tl_json_get(&changed->items[2], "observed"), "a")->type == TL_JSON_NULL);
    }
    tl_json_free(doc);
    free(text);
}

/* The SVG shows the change; a comparison has no JUnit form. */
static void check_svg_and_junit(const tl_compare *c)
{
    char *text;
    tl_error err;

    text = written(c, TL_REPORT_SVG);
    TL_CHECK(strstr(text, "OpenSSL 3.0.19 \xe2\x86\x92 OpenSSL 3.5.7") != NULL);
    TL_CHECK(strstr(text, "<title>m.ignore_renew: tickets: 2 \xe2\x86\x92 0</title>") != NULL);
    TL_CHECK(strstr(text, "</svg>\n") != NULL);
    free(text);

    TL_CHECK_INT(tl_compare_write(stdout, c, TL_REPORT_JUNIT, &err), -1);
    TL_CHECK_STR(err.msg, "a comparison has no junit form: use table, json or svg");
}

/* A run against itself: no differences. */
static void check_self_compare(const tl_compare_run *a)
{
    tl_compare c;
    tl_error err;
    char *text;

    TL_CHECK_INT(tl_compare_runs(a, a, &c, &err), 0);
    TL_CHECK_INT(c.n, 0);
    TL_CHECK_INT(c.in_both, 5);
    text = written(&c, TL_REPORT_TABLE);
    TL_CHECK(strstr(text, "No differences: all 5 rows have the same status and observed outcome on "
                          "OpenSSL 3.0.19 and OpenSSL 3.0.19.") != NULL);
    free(text);
    text = written(&c, TL_REPORT_SVG);
    TL_CHECK(strstr(text, "No differences") != NULL);
    free(text);
    tl_compare_free(&c);
}

static void test_compare_runs(void)
{
    tl_compare_run a, b;
    tl_compare c;
    tl_error err;

    TL_CHECK_INT(tl_compare_load(write_report("a.json", "3.0.19", rows_a, 5), &a, &err), 0);
    TL_CHECK_INT(tl_compare_load(write_report("b.json", "3.5.7", rows_b, 5), &b, &err), 0);
    check_loaded(&a, &b);
    TL_CHECK_INT(tl_compare_runs(&a, &b, &c, &err), 0);
    check_counts(&c);
    check_entries(&c);
    check_table(&c);
    check_json(&c);
    check_svg_and_junit(&c);
    tl_compare_free(&c);
    check_self_compare(&a);
    tl_compare_run_free(&a);
    tl_compare_run_free(&b);
    unlink(path_in("a.json"));
    unlink(path_in("b.json"));
}

/* Loading must fail with this message (the file's directory stripped). */
static void expect_load_error(const char *text, const char *want)
{
    tl_compare_run run;
    tl_error err;
    const char *path = path_in("bad.json");
    size_t dlen = strlen(dir) + 1;

    TL_CHECK_INT(tl_file_write_atomic(path, text, strlen(text), 0644, &err), 0);
    err.msg[0] = '\0';
    TL_CHECK_INT(tl_compare_load(path, &run, &err), -1);
    TL_CHECK(run.rows == NULL && run.n == 0);
    TL_CHECK(strncmp(err.msg, path, dlen) == 0);
    TL_CHECK_STR(err.msg + dlen, want);
    unlink(path);
}

#define HEAD "{\"openssl\": \"OpenSSL 3.0.19\", \"release\": \"3.0.19\", \"rows\": "

static void test_load_errors(void)
{
    expect_load_error("[]", "bad.json: not a conformance report (no \"rows\" array at the top level; "
                            "write one with ticketlab conformance --format json)");
    expect_load_error("{\"rows\": []}", "bad.json: the report has no \"release\" string at the top level");
    expect_load_error(HEAD "[{\"name\": \"x\", \"status\": \"pass\", \"observed_text\": \"hs=ok/ok\"",
                      "bad.json: byte 119 (line 1): the input ends inside the object opened at byte 60");
    expect_load_error("{\"openssl\": \"x\", \"release\": \"3.5\\n\", \"rows\": []}",
                      "bad.json: \"release\" must be a release number like 3.5.7 (up to 40 printable "
                      "characters, no spaces)");
    expect_load_error(HEAD "[7]}", "bad.json: byte 60: row 1 is a number, not an object");
    expect_load_error(HEAD "[{\"status\": \"pass\"}]}", "bad.json: byte 60: row 1 has no \"name\" string");
    expect_load_error(HEAD "[{\"name\": \"x\", \"status\": \"maybe\"}]}",
                      "bad.json: row 1 (x): \"status\" must be \"pass\", \"fail\", \"error\" or \"n/a\"");
    expect_load_error(HEAD "[{\"name\": \"x\", \"status\": \"pass\"}]}",
                      "bad.json: row 1 (x) has no \"observed_text\": write the report again with this ticketlab "
                      "(conformance --format json)");
    expect_load_error(HEAD "[{\"name\": \"x\", \"status\": \"pass\", \"observed_text\": null}]}",
                      "bad.json: row 1 (x): \"observed_text\" is null with status \"pass\" (it is null for a "
                      "harness error, status \"error\", or an n/a row that did not run, and a string otherwise)");
    expect_load_error(HEAD "[{\"name\": \"x\", \"status\": \"pass\", \"observed_text\": \"hs=ok/ok\"}]}",
                      "bad.json: row 1 (x): \"observed_text\": outcome 'hs=ok/ok' lacks a field (all of hs "
                      "reused alert tickets hints early log are needed)");
    expect_load_error(HEAD "[{\"name\": \"x\\n\", \"status\": \"pass\", \"observed_text\": \"" OUT_USE "\"}, "
                      "{\"name\": \"x\\n\", \"status\": \"pass\", \"observed_text\": \"" OUT_USE "\"}]}",
                      "bad.json: the row name x? appears more than once");
}

int main(void)
{
    if (tl_test_tmpdir(dir, sizeof(dir), "compare") != 0)
        return 2;
    TL_RUN(test_json_good);
    TL_RUN(test_json_escapes);
    TL_RUN(test_json_truncated);
    TL_RUN(test_json_depth);
    TL_RUN(test_json_bad_tokens);
    TL_RUN(test_json_limits);
    TL_RUN(test_json_duplicate_keys);
    TL_RUN(test_field_text);
    TL_RUN(test_compare_runs);
    TL_RUN(test_load_errors);
    if (rmdir(dir) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TL_DONE();
}
