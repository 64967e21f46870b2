/* jsonread.c - a small, strict, bounded JSON reader; see jsonread.h. */
#include "jsonread.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

#define NUMBER_MAX 128  /* characters in one number */

typedef struct parser {
    const unsigned char *start, *p, *end;
    const char *name;
    tl_json_limits lim;
    size_t values;
    tl_error *err;
} parser;

/* "NAME: byte N (line L): message" for the byte at `at`. Returns -1. */
static int fail_at(parser *ps, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(parser *ps, const unsigned char *at, const char *fmt, ...)
{
    char msg[TL_ERROR_MAX];
    size_t line = 1;
    va_list ap;

    for (const unsigned char *q = ps->start; q < at; q++)
        line += *q == '\n';
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return tl_error_set(ps->err, "%s: byte %zu (line %zu): %s", ps->name,
                        (size_t)(at - ps->start), line, msg);
}

/* What is at ps->p, for messages: "'x'", "byte 0xNN" or "the end of the input". */
static const char *found(const parser *ps, char buf[24])
{
    if (ps->p >= ps->end)
        return "the end of the input";
    if (*ps->p > 0x20 && *ps->p < 0x7f)
        snprintf(buf, 24, "'%c'", *ps->p);
    else
        snprintf(buf, 24, "byte 0x%02x", *ps->p);
    return buf;
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static void value_clear(tl_json_value *v)
{
    if (v->type == TL_JSON_STRING)
        free(v->string);
    if (v->type == TL_JSON_ARRAY || v->type == TL_JSON_OBJECT) {
        for (size_t i = 0; i < v->n; i++) {
            value_clear(&v->items[i]);
            if (v->keys != NULL)
                free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
    }
    memset(v, 0, sizeof(*v));
}

/* ---- strings ------------------------------------------------------------- */

size_t tl_json_utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t n;

    if (avail == 0)
        return 0;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        n = 2;
    else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3;
        lo = p[0] == 0xe0 ? 0xa0 : 0x80;  /* no overlong forms */
        hi = p[0] == 0xed ? 0x9f : 0xbf;  /* no UTF-16 surrogates */
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4;
        lo = p[0] == 0xf0 ? 0x90 : 0x80;
        hi = p[0] == 0xf4 ? 0x8f : 0xbf;  /* nothing above U+10FFFF */
    } else
        return 0;
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

static size_t utf8_put(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Four hex digits at p (the caller checked they are in the input). Returns 0 or -1. */
static int hex4(const unsigned char *p, unsigned long *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d;

        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        *out = *out << 4 | (unsigned long)d;
    }
    return 0;
}

/* The \uXXXX escape at ps->p (at the backslash), and its low surrogate if any. */
static int unicode_escape(parser *ps, unsigned long *cp)
{
    const unsigned char *at = ps->p;
    unsigned long lo;

    if (ps->end - ps->p < 6 || hex4(ps->p + 2, cp) != 0)
        return fail_at(ps, at, "\\u must be followed by four hex digits");
    ps->p += 6;
    if (*cp >= 0xdc00 && *cp <= 0xdfff)
        return fail_at(ps, at, "\\u%04lx is a low surrogate without a high one before it", *cp);
    if (*cp >= 0xd800 && *cp <= 0xdbff) {
        if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &lo) != 0
            || lo < 0xdc00 || lo > 0xdfff)
            return fail_at(ps, at, "\\u%04lx is a high surrogate without a \\uDC00-\\uDFFF after it", *cp);
        ps->p += 6;
        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (*cp == 0)
        return fail_at(ps, at, "\\u0000 (NUL) is not allowed in strings here");
    return 0;
}

/* The string starting at ps->p (the opening quote) into a malloc'd C string. */
static int parse_string(parser *ps, char **out)
{
    const unsigned char *open = ps->p, *q = ps->p + 1;
    char *buf, *w;

    /* Find the closing quote first: the decoded string is never longer. */
    while (q < ps->end && *q != '"')
        q += *q == '\\' ? 2 : 1;
    if (q >= ps->end)
        return fail_at(ps, open, "the string that starts here is never closed (the input ends first)");
    buf = malloc((size_t)(q - open));
    if (buf == NULL)
        return fail_at(ps, open, "out of memory");
    w = buf;
    ps->p++;
    while (*ps->p != '"') {
        unsigned char c = *ps->p;
        unsigned long cp = 0;
        size_t n;

        if (c < 0x20) {
            free(buf);
            return fail_at(ps, ps->p, "control character 0x%02x in a string (write it as \\u%04x)", c, c);
        }
        if (c >= 0x80) {
            if ((n = tl_json_utf8_len(ps->p, (size_t)(ps->end - ps->p))) == 0) {
                free(buf);
                return fail_at(ps, ps->p, "invalid UTF-8 in a string");
            }
            memcpy(w, ps->p, n);
            w += n;
            ps->p += n;
            continue;
        }
        if (c != '\\') {
            *w++ = (char)c;
            ps->p++;
            continue;
        }
        switch (ps->p[1]) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u':
            if (unicode_escape(ps, &cp) != 0) {
                free(buf);
                return -1;
            }
            w += utf8_put(cp, w);
            continue;
        default:
            free(buf);
            return fail_at(ps, ps->p, "unknown escape in a string (use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)");
        }
        ps->p += 2;
    }
    ps->p++;
    *w = '\0';
    *out = buf;
    return 0;
}

/* ---- numbers and literals ------------------------------------------------ */

static int is_digit(const parser *ps)
{
    return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(parser *ps, double *out)
{
    const unsigned char *at = ps->p;
    char text[NUMBER_MAX + 1];
    size_t len;

    if (*ps->p == '-')
        ps->p++;
    if (!is_digit(ps))
        return fail_at(ps, at, "a number needs a digit after '-'");
    if (*ps->p == '0') {
        ps->p++;
        if (is_digit(ps))
            return fail_at(ps, at, "numbers may not have leading zeros");
    } else
        while (is_digit(ps))
            ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!is_digit(ps))
            return fail_at(ps, at, "a number needs a digit after '.'");
        while (is_digit(ps))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!is_digit(ps))
            return fail_at(ps, at, "a number needs a digit in its exponent");
        while (is_digit(ps))
            ps->p++;
    }
    len = (size_t)(ps->p - at);
    if (len > NUMBER_MAX)
        return fail_at(ps, at, "a number longer than %d characters", NUMBER_MAX);
    memcpy(text, at, len);
    text[len] = '\0';
    *out = strtod(text, NULL);
    if (isinf(*out))
        return fail_at(ps, at, "the number %s is out of range", text);
    return 0;
}

static int parse_literal(parser *ps, tl_json_value *v)
{
    static const struct { const char *word; tl_json_type type; int boolean; } words[] = {
        { "true", TL_JSON_BOOL, 1 }, { "false", TL_JSON_BOOL, 0 }, { "null", TL_JSON_NULL, 0 },
    };
    char buf[24];

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        size_t n = strlen(words[i].word);

        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i].word, n) == 0) {
            v->type = words[i].type;
            v->boolean = words[i].boolean;
            ps->p += n;
            return 0;
        }
    }
    return fail_at(ps, ps->p, "expected a value (object, array, string, number, true, false or null), found %s",
                   found(ps, buf));
}

/* ---- arrays and objects -------------------------------------------------- */

static int parse_value(parser *ps, tl_json_value *v, int depth);

/* Make room for one more item in v (and its key when keyed). Returns 0 or -1. */
static int grow(parser *ps, tl_json_value *v, size_t *cap, int keyed)
{
    tl_json_value *items;
    size_t want = *cap ? *cap * 2 : 4;

    if (v->n < *cap)
        return 0;
    items = realloc(v->items, want * sizeof(*items));
    if (items == NULL)
        return fail_at(ps, ps->p, "out of memory");
    v->items = items;
    if (keyed) {
        char **keys = realloc(v->keys, want * sizeof(*keys));

        if (keys == NULL)
            return fail_at(ps, ps->p, "out of memory");
        v->keys = keys;
    }
    *cap = want;
    return 0;
}

/* After an item: ',' (returns 1), the closing bracket (returns 0), or an error. */
static int next_item(parser *ps, const tl_json_value *v, char close, const char *what)
{
    char buf[24];

    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        return 1;
    }
    if (ps->p < ps->end && *ps->p == (unsigned char)close) {
        ps->p++;
        return 0;
    }
    if (ps->p >= ps->end)
        return fail_at(ps, ps->p, "the input ends inside the %s opened at byte %zu", what, v->offset);
    return fail_at(ps, ps->p, "expected ',' or '%c' after an %s %s, found %s", close, what,
                   close == ']' ? "element" : "member", found(ps, buf));
}

/* Past the opening bracket at ps->p: 1 (and past it too) when the closing one follows, else 0. */
static int open_empty(parser *ps, char close)
{
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == (unsigned char)close) {
        ps->p++;
        return 1;
    }
    return 0;
}

static int parse_array(parser *ps, tl_json_value *v, int depth)
{
    size_t cap = 0;
    int more;

    v->type = TL_JSON_ARRAY;
    if (open_empty(ps, ']'))
        return 0;
    do {
        if (grow(ps, v, &cap, 0) != 0)
            return -1;
        memset(&v->items[v->n], 0, sizeof(v->items[0]));
        if (parse_value(ps, &v->items[v->n], depth + 1) != 0) {
            value_clear(&v->items[v->n]);
            return -1;
        }
        v->n++;
        if ((more = next_item(ps, v, ']', "array")) < 0)
            return -1;
    } while (more);
    return 0;
}

/*
 * The member names of one object so far, to refuse a name given twice (the
 * first one would win here and the last one in Python: two readers, two
 * meanings). A few names are compared one by one, without allocating;
 * from NAMES_FEW on, an open-addressing hash set of member indexes finds
 * them, so an object of a million members costs a million lookups.
 */
#define NAMES_FEW 8

typedef struct name_slot {
    size_t hash;
    size_t member;      /* member index + 1; 0 is an empty slot */
} name_slot;

typedef struct name_set {
    size_t few[NAMES_FEW];  /* where each name starts, while there are few */
    size_t *at;             /* few, or a malloc'd array past NAMES_FEW */
    size_t at_cap;
    name_slot *slot;        /* NULL while there are few */
    size_t cap;             /* a power of two, more than twice the members */
} name_set;

/* FNV-1a. */
static size_t name_hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    h ^= h >> 29;   /* the low bits pick the slot: mix the high ones in */
    return (size_t)h;
}

static void names_free(name_set *ns)
{
    if (ns->at != ns->few)
        free(ns->at);
    free(ns->slot);
}

/* Put member i (hash h) in the first free slot of its chain. */
static void slot_put(name_slot *slot, size_t cap, size_t h, size_t i)
{
    size_t k = h & (cap - 1);

    while (slot[k].member != 0)
        k = (k + 1) & (cap - 1);
    slot[k].hash = h;
    slot[k].member = i + 1;
}

/* Make room for member n in ns (v->keys[0..n) are the names so far). Returns 0 or -1. */
static int names_grow(parser *ps, name_set *ns, const tl_json_value *v, size_t n)
{
    if (n >= ns->at_cap) {
        size_t want = ns->at_cap * 2;
        size_t *at = malloc(want * sizeof(*at));

        if (at == NULL)
            return fail_at(ps, ps->p, "out of memory");
        memcpy(at, ns->at, n * sizeof(*at));
        if (ns->at != ns->few)
            free(ns->at);
        ns->at = at;
        ns->at_cap = want;
    }
    if (n >= NAMES_FEW && 2 * (n + 1) > ns->cap) {
        size_t want = ns->cap ? ns->cap * 2 : 4 * NAMES_FEW;
        name_slot *slot = calloc(want, sizeof(*slot));

        if (slot == NULL)
            return fail_at(ps, ps->p, "out of memory");
        if (ns->slot == NULL) {
            for (size_t i = 0; i < n; i++)
                slot_put(slot, want, name_hash(v->keys[i]), i);
        } else {
            for (size_t k = 0; k < ns->cap; k++)
                if (ns->slot[k].member != 0)
                    slot_put(slot, want, ns->slot[k].hash, ns->slot[k].member - 1);
        }
        free(ns->slot);
        ns->slot = slot;
        ns->cap = want;
    }
    return 0;
}

/*
 * Add member v->n, named key (its name starts at key_at), to ns; the caller
 * stores key in v->keys[v->n] after. Returns 0, or -1 with "byte N: the
 * member name "K" is given twice (first at byte M)".
 */
static int names_add(parser *ps, name_set *ns, const tl_json_value *v, const char *key,
                     const unsigned char *key_at)
{
    size_t first = 0, h, k;

    if (names_grow(ps, ns, v, v->n) != 0)
        return -1;
    if (ns->slot == NULL) {
        for (size_t i = 0; i < v->n && first == 0; i++)
            if (strcmp(v->keys[i], key) == 0)
                first = i + 1;
    } else {
        h = name_hash(key);
        for (k = h & (ns->cap - 1); ns->slot[k].member != 0 && first == 0; k = (k + 1) & (ns->cap - 1))
            if (ns->slot[k].hash == h && strcmp(v->keys[ns->slot[k].member - 1], key) == 0)
                first = ns->slot[k].member;
        if (first == 0)
            slot_put(ns->slot, ns->cap, h, v->n);
    }
    if (first != 0)
        return fail_at(ps, key_at, "the member name \"%.80s\" is given twice (first at byte %zu)",
                       key, ns->at[first - 1]);
    ns->at[v->n] = (size_t)(key_at - ps->start);
    return 0;
}

/* The members of the object whose '{' ps->p has passed, into v. */
static int parse_members(parser *ps, tl_json_value *v, int depth, name_set *ns)
{
    size_t cap = 0;
    char buf[24];
    int more;

    do {
        const unsigned char *key_at;
        char *key;

        skip_space(ps);
        if (ps->p >= ps->end)
            return fail_at(ps, ps->p, "the input ends inside the object opened at byte %zu", v->offset);
        if (*ps->p != '"')
            return fail_at(ps, ps->p, "expected a member name in double quotes, found %s", found(ps, buf));
        key_at = ps->p;
        if (grow(ps, v, &cap, 1) != 0 || parse_string(ps, &key) != 0)
            return -1;
        if (names_add(ps, ns, v, key, key_at) != 0) {
            free(key);
            return -1;
        }
        skip_space(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            free(key);
            if (ps->p >= ps->end)
                return fail_at(ps, ps->p, "the input ends inside the object opened at byte %zu", v->offset);
            return fail_at(ps, ps->p, "expected ':' after a member name, found %s", found(ps, buf));
        }
        ps->p++;
        memset(&v->items[v->n], 0, sizeof(v->items[0]));
        /* The value may fail: until then member v->n has no name to compare. */
        v->keys[v->n] = key;
        if (parse_value(ps, &v->items[v->n], depth + 1) != 0) {
            value_clear(&v->items[v->n]);
            free(key);
            return -1;
        }
        v->n++;
        if ((more = next_item(ps, v, '}', "object")) < 0)
            return -1;
    } while (more);
    return 0;
}

static int parse_object(parser *ps, tl_json_value *v, int depth)
{
    name_set ns;
    int rc;

    v->type = TL_JSON_OBJECT;
    if (open_empty(ps, '}'))
        return 0;
    ns.at = ns.few;
    ns.at_cap = NAMES_FEW;
    ns.slot = NULL;
    ns.cap = 0;
    rc = parse_members(ps, v, depth, &ns);
    names_free(&ns);
    return rc;
}

/* One value at ps->p into v (zeroed by the caller); on failure v can still be cleared. */
static int parse_value(parser *ps, tl_json_value *v, int depth)
{
    skip_space(ps);
    v->offset = (size_t)(ps->p - ps->start);
    if (ps->p >= ps->end)
        return fail_at(ps, ps->p, depth == 0 ? "the input is empty, expected a JSON value"
                                                                    : "the input ends where a value should be");
    if (++ps->values > ps->lim.max_values)
        return fail_at(ps, ps->p, "more than %zu values", ps->lim.max_values);
    switch (*ps->p) {
    case '{':
    case '[':
        if (depth >= ps->lim.max_depth)
            return fail_at(ps, ps->p, "arrays and objects nested deeper than %d levels", ps->lim.max_depth);
        return *ps->p == '{' ? parse_object(ps, v, depth) : parse_array(ps, v, depth);
    case '"':
        v->type = TL_JSON_STRING;
        return parse_string(ps, &v->string);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        v->type = TL_JSON_NUMBER;
        return parse_number(ps, &v->number);
    default:
        return parse_literal(ps, v);
    }
}

/* ---- the public functions ------------------------------------------------ */

static tl_json_limits effective_limits(const tl_json_limits *limits)
{
    tl_json_limits lim = { TL_JSON_MAX_BYTES, TL_JSON_MAX_DEPTH, TL_JSON_MAX_VALUES };

    if (limits != NULL) {
        if (limits->max_bytes)
            lim.max_bytes = limits->max_bytes;
        if (limits->max_depth > 0)
            lim.max_depth = limits->max_depth;
        if (limits->max_values)
            lim.max_values = limits->max_values;
    }
    return lim;
}

int tl_json_parse(const char *text, size_t len, const char *name,
                  const tl_json_limits *limits, tl_json_value **out, tl_error *err)
{
    parser ps;
    tl_json_value *root;
    char buf[24];

    *out = NULL;
    ps.start = ps.p = (const unsigned char *)text;
    ps.end = ps.start + len;
    ps.name = name != NULL ? name : "<input>";
    ps.lim = effective_limits(limits);
    ps.values = 0;
    ps.err = err;
    if (len > ps.lim.max_bytes)
        return tl_error_set(err, "%s: larger than %zu bytes", ps.name, ps.lim.max_bytes);
    root = calloc(1, sizeof(*root));
    if (root == NULL)
        return tl_error_set(err, "%s: out of memory", ps.name);
    if (parse_value(&ps, root, 0) != 0) {
        tl_json_free(root);
        return -1;
    }
    skip_space(&ps);
    if (ps.p < ps.end) {
        fail_at(&ps, ps.p, "%s after the end of the JSON value", found(&ps, buf));
        tl_json_free(root);
        return -1;
    }
    *out = root;
    return 0;
}

int tl_json_read_file(const char *path, const tl_json_limits *limits,
                      tl_json_value **out, tl_error *err)
{
    tl_json_limits lim = effective_limits(limits);
    unsigned char *data;
    size_t len;
    int rc;

    *out = NULL;
    if (tl_file_read(path, lim.max_bytes, &data, &len, err) != 0)
        return -1;
    rc = tl_json_parse((const char *)data, len, strcmp(path, "-") == 0 ? "<stdin>" : path, &lim, out, err);
    free(data);
    return rc;
}

void tl_json_free(tl_json_value *v)
{
    if (v == NULL)
        return;
    value_clear(v);
    free(v);
}

const tl_json_value *tl_json_get(const tl_json_value *obj, const char *key)
{
    if (obj == NULL || obj->type != TL_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

const char *tl_json_type_name(tl_json_type t)
{
    switch (t) {
    case TL_JSON_NULL: return "null";
    case TL_JSON_BOOL: return "a boolean";
    case TL_JSON_NUMBER: return "a number";
    case TL_JSON_STRING: return "a string";
    case TL_JSON_ARRAY: return "an array";
    case TL_JSON_OBJECT: return "an object";
    }
    return "unknown";
}
