/*
 * scenario_text.c - a scenario's text form, driven by one field table.
 *
 * Every field of the `key=value` form is one entry of `fields` below: its
 * name, kind, range, default and documentation. The parser, the formatter,
 * tl_scenario_init's defaults and `ticketlab conformance --fields` (which
 * conformance/gen_rows.py reads) all walk that table, so adding a field is
 * one entry here plus a member of tl_scenario and its meaning in the runner
 * (scenario.c) and the expectation engine (expect.c).
 */
#include "scenario.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/policy.h"

typedef enum field_kind {
    FK_VERSION,    /* int: 1.2 or 1.3 */
    FK_KEYS,       /* tl_key_source, by name */
    FK_PRESENT,    /* tl_present, by name */
    FK_RETURN,     /* int: a decrypt callback return, by name or number */
    FK_INT,        /* int in [lo, hi] */
    FK_LONG,       /* long in [lo, hi] */
    FK_U32,        /* uint32_t in [lo, hi] */
    FK_WORD,       /* int set to 1 by the one word the field takes */
    FK_STRING,     /* char[size], not empty */
    FK_SCRIPT      /* int[TL_SCENARIO_SCRIPT_MAX] and a size_t count */
} field_kind;

#define OMIT_SAME_AS_TLS 1   /* not written when equal to tls= (from=) */
#define ALWAYS 2             /* always written, even at its default */

typedef struct field {
    const char *name;
    field_kind kind;
    size_t offset;           /* of the member in tl_scenario */
    size_t extra;            /* FK_STRING: the array's size; FK_SCRIPT: offset of the count */
    long lo, hi;             /* numeric kinds: the accepted range */
    long dflt;               /* numeric kinds: the value tl_scenario_init sets */
    const char *word;        /* FK_WORD: the word */
    int flags;
    const char *syntax;      /* for --fields */
    const char *doc;
} field;

#define AT(m) offsetof(tl_scenario, m)
#define NUM(name, kind, m, lo, hi, dflt, syntax, doc) \
    { name, kind, AT(m), 0, lo, hi, dflt, NULL, 0, syntax, doc }
#define STR(name, m, doc) { name, FK_STRING, AT(m), sizeof(((tl_scenario *)0)->m), 0, 0, 0, NULL, 0, "LIST", doc }

/* In the order the formatter writes them. */
static const field fields[] = {
    { "tls", FK_VERSION, AT(tls), 0, 0, 0, TLS1_3_VERSION, NULL, ALWAYS, "1.2|1.3",
      "version of the checked handshake" },
    { "from", FK_VERSION, AT(from), 0, 0, 0, 0, NULL, OMIT_SAME_AS_TLS, "1.2|1.3",
      "version of the set-up handshake that minted the ticket (default: as tls)" },
    { "keys", FK_KEYS, AT(keys), 0, 0, 0, TL_KEYS_EVP_CB, NULL, ALWAYS, "evp-cb|legacy-cb|builtin|set-keys|aead",
      "where the ticket keys come from" },
    NUM("cb", FK_INT, ticket_cb, 0, 1, 1, "0|1", "install the generate/decrypt callbacks"),
    { "present", FK_PRESENT, AT(present), 0, 0, 0, TL_PRESENT_NONE, NULL, ALWAYS,
      "none|empty|newest|older|retired|unknown-key|bad-hmac|bad-padding|truncated|short|trailing|bad-session",
      "what the client offers in the checked handshake: none (a full handshake); empty (in TLS 1.2 as "
      "none, in TLS 1.3 an empty PSK identity sent by the probe); newest (the ticket, under the newest "
      "key); older (after a newer key was added to the ring); retired (after its key outlived the "
      "ring's lifetime, 3600 s); unknown-key (first key name byte flipped); bad-hmac (last MAC byte "
      "flipped); bad-padding (resealed: MAC right, CBC padding wrong); truncated (cut to name + IV + "
      "MAC, 64 bytes); short (cut to 31 bytes, no key callback); trailing (resealed: the session's "
      "DER and 2 stray bytes); bad-session (resealed: 40 bytes that are not a DER SSL_SESSION)" },
    { "kdec", FK_SCRIPT, AT(kdec), AT(n_kdec), -1000, 1000, 0, NULL, 0, "R[,R...]",
      "key callback returns while decrypting, in the checked handshake (n: decide naturally)" },
    { "kenc", FK_SCRIPT, AT(kenc), AT(n_kenc), -1000, 1000, 0, NULL, 0, "R[,R...]",
      "key callback returns while encrypting, in the checked handshake" },
    { "dret", FK_RETURN, AT(dret), 0, -1000000, 1000000, TL_NATURAL, NULL, 0,
      "ABORT|IGNORE|IGNORE_RENEW|USE|USE_RENEW|N", "decrypt callback return for every status (default: natural)" },
    NUM("gen", FK_INT, gen, 0, 1, TL_NATURAL, "0|1", "generate callback return in the checked handshake"),
    NUM("app", FK_LONG, app, 0, 65535, -1, "N", "the generate callback attaches N bytes of app data from the start"),
    NUM("app2", FK_LONG, app2, 0, 65535, -1, "N", "... and N other bytes in the checked handshake"),
    NUM("nt", FK_INT, num_tickets, 0, 8, -1, "N", "SSL_CTX_set_num_tickets (default: OpenSSL's, 2)"),
    NUM("newt", FK_INT, new_tickets, 0, 8, 0, "N", "extra SSL_new_session_ticket() calls after the checked handshake"),
    NUM("noticket", FK_INT, no_ticket, 0, 1, 0, "0|1", "SSL_OP_NO_TICKET on the server"),
    NUM("early", FK_U32, early, 0, 1L << 20, 0, "N", "max_early_data on both sides"),
    NUM("early2", FK_LONG, early2, 0, 1L << 20, -1, "N",
        "the server's max_early_data from the checked handshake on (default: as early); "
        "early=16384 early2=0: the ticket allows 0-RTT, the server no longer takes it"),
    NUM("send0rtt", FK_INT, send_early, 0, 1, 0, "0|1",
        "send 0-RTT data when the offered session allows it (SSL_SESSION_get_max_early_data > 0)"),
    NUM("noreplay", FK_INT, no_anti_replay, 0, 1, 0, "0|1", "SSL_OP_NO_ANTI_REPLAY on the server"),
    NUM("replay", FK_INT, replay, 0, 1, 0, "0|1", "offer the same ticket in two handshakes; the second is checked"),
    NUM("hrr", FK_INT, hrr, 0, 1, 0, "0|1", "the server only takes P-256 key shares: a HelloRetryRequest"),
    { "sni", FK_WORD, AT(sni_switch), 0, 0, 0, 0, "switch", 0, "switch",
      "the servername callback moves the server to a second SSL_CTX (other keys, other session id context)" },
    { "sidctx", FK_WORD, AT(sid_other), 0, 0, 0, 0, "other", 0, "other",
      "change the server's session id context before the checked handshake" },
    STR("cipher", cipher, "server ciphers (1.3 suites, or a 1.2 cipher list) for the checked handshake"),
    NUM("advance", FK_LONG, advance, 0, 100000000, 0, "S", "move the clock S seconds before the checked handshake"),
    NUM("timeout", FK_LONG, timeout, 1, 100000000, 0, "S", "server session timeout (default: OpenSSL's, 7200)"),
    NUM("klife", FK_LONG, key_lifetime, 1, 100000000, 0, "S", "key ring lifetime (default 7200)"),
    NUM("skew", FK_LONG, skew, -100000, 100000, 0, "S", "the client believes the ticket is S seconds older than it is"),
    NUM("walpn", FK_INT, world_alpn, 0, 1, 0, "0|1", "the world speaks ALPN \"h2,http/1.1\""),
    STR("alpn", alpn, "the client's ALPN list in the checked handshake (default: the world's)"),
    NUM("overhead", FK_INT, aead_overhead, 0, 1000, TL_NATURAL, "N",
        "keys=aead: what the ticket AEAD method's max_overhead reports (default: the real 44 bytes)"),
    STR("groups", groups, "both sides' key groups (default X25519:P-256: pinned, so no row depends "
                          "on a release's default key shares)"),
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* The member a field describes. */
static void *member(tl_scenario *sc, size_t offset)
{
    return (unsigned char *)sc + offset;
}

static const void *cmember(const tl_scenario *sc, size_t offset)
{
    return (const unsigned char *)sc + offset;
}

/* A numeric field's value as a long (FK_STRING and FK_SCRIPT have none). */
static long value_of(const tl_scenario *sc, const field *f)
{
    const void *m = cmember(sc, f->offset);

    switch (f->kind) {
    case FK_KEYS: return (long)*(const tl_key_source *)m;
    case FK_PRESENT: return (long)*(const tl_present *)m;
    case FK_LONG: return *(const long *)m;
    case FK_U32: return (long)*(const uint32_t *)m;
    default: return (long)*(const int *)m;
    }
}

static void set_value(tl_scenario *sc, const field *f, long v)
{
    void *m = member(sc, f->offset);

    switch (f->kind) {
    case FK_KEYS: *(tl_key_source *)m = (tl_key_source)v; break;
    case FK_PRESENT: *(tl_present *)m = (tl_present)v; break;
    case FK_LONG: *(long *)m = v; break;
    case FK_U32: *(uint32_t *)m = (uint32_t)v; break;
    case FK_STRING: case FK_SCRIPT: break;
    default: *(int *)m = (int)v; break;
    }
}

void tl_scenario_init(tl_scenario *sc)
{
    memset(sc, 0, sizeof(*sc));
    for (size_t i = 0; i < N_FIELDS; i++)
        set_value(sc, &fields[i], fields[i].dflt);
}

/* ---- parsing --------------------------------------------------------------- */

static int parse_long(const char *v, long lo, long hi, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);

    if (*v == '\0' || *end != '\0' || n < lo || n > hi)
        return -1;
    *out = n;
    return 0;
}

static int parse_script(const char *v, const field *f, int *script, size_t *n)
{
    char buf[64];
    char *save = NULL, *tok;

    if (strlen(v) >= sizeof(buf))
        return -1;
    strcpy(buf, v);
    *n = 0;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long x;

        if (*n >= TL_SCENARIO_SCRIPT_MAX)
            return -1;
        if (strcmp(tok, "n") == 0)
            script[*n] = TL_NATURAL;   /* this call decides naturally */
        else if (parse_long(tok, f->lo, f->hi, &x) == 0)
            script[*n] = (int)x;
        else
            return -1;
        (*n)++;
    }
    return *n ? 0 : -1;
}

/* Parse v into sc's member for f. Returns 0, or -1 for a bad value. */
static int parse_field(tl_scenario *sc, const field *f, const char *v)
{
    long x = 0;

    switch (f->kind) {
    case FK_VERSION:
        if (strcmp(v, "1.2") != 0 && strcmp(v, "1.3") != 0)
            return -1;
        x = strcmp(v, "1.2") == 0 ? TLS1_2_VERSION : TLS1_3_VERSION;
        break;
    case FK_KEYS: {
        tl_key_source src;

        if (tl_key_source_parse(v, &src) != 0)
            return -1;
        x = (long)src;
        break;
    }
    case FK_PRESENT: {
        tl_present p;

        if (tl_present_parse(v, &p) != 0)
            return -1;
        x = (long)p;
        break;
    }
    case FK_RETURN: {
        int r;

        if (tl_ticket_return_parse(v, &r) != 0)
            return -1;
        x = r;
        break;
    }
    case FK_INT: case FK_LONG: case FK_U32:
        if (parse_long(v, f->lo, f->hi, &x) != 0)
            return -1;
        break;
    case FK_WORD:
        if (strcmp(v, f->word) != 0)
            return -1;
        x = 1;
        break;
    case FK_STRING:
        if (v[0] == '\0' || strlen(v) >= f->extra)
            return -1;
        strcpy((char *)member(sc, f->offset), v);
        return 0;
    case FK_SCRIPT:
        return parse_script(v, f, (int *)member(sc, f->offset), (size_t *)member(sc, f->extra));
    }
    set_value(sc, f, x);
    return 0;
}

static const field *find_field(const char *name)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

int tl_scenario_parse(const char *text, tl_scenario *sc, tl_error *err)
{
    char buf[TL_SCENARIO_LINE_MAX];
    char *save = NULL, *tok;
    unsigned char seen[N_FIELDS] = { 0 };

    tl_scenario_init(sc);
    if (strlen(text) >= sizeof(buf))
        return tl_error_set(err, "scenario is longer than %d characters", TL_SCENARIO_LINE_MAX - 1);
    strcpy(buf, text);
    for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        const field *f;

        if (eq == NULL)
            return tl_error_set(err, "scenario field '%s' has no '=' (fields are key=value)", tok);
        *eq = '\0';
        if ((f = find_field(tok)) == NULL)
            return tl_error_set(err, "unknown scenario field '%s' (ticketlab conformance --fields lists them)", tok);
        /* A field given twice is a mistake, not "the last one wins". */
        if (seen[f - fields]++)
            return tl_error_set(err, "scenario field %s is given twice", tok);
        if (parse_field(sc, f, eq + 1) != 0) {
            if (f->kind == FK_INT || f->kind == FK_LONG || f->kind == FK_U32)
                return tl_error_set(err, "scenario field %s: bad value '%s' (takes a number from %ld to %ld)",
                                    tok, eq + 1, f->lo, f->hi);
            return tl_error_set(err, "scenario field %s: bad value '%s' (takes %s)", tok, eq + 1, f->syntax);
        }
    }
    if (sc->from == 0)
        sc->from = sc->tls;
    if (sc->present == TL_PRESENT_NONE && sc->from != sc->tls)
        return tl_error_set(err, "from= needs a presented ticket");
    if (sc->replay && (sc->present == TL_PRESENT_NONE || sc->present == TL_PRESENT_EMPTY))
        return tl_error_set(err, "replay=1 needs a presented ticket (present=newest, say)");
    if (sc->keys == TL_KEYS_LEGACY_CB && !tl_legacy_cb_available())
        return tl_error_set(err, "keys=legacy-cb: this OpenSSL has no legacy ticket key callback");
    return 0;
}

/* ---- formatting ------------------------------------------------------------ */

/* One field's value as text; "" when the field is at its default. */
static void field_text(const tl_scenario *sc, const field *f, char *out, size_t size)
{
    long v = 0;

    out[0] = '\0';
    if (f->kind == FK_STRING) {
        snprintf(out, size, "%s", (const char *)cmember(sc, f->offset));
        return;
    }
    if (f->kind == FK_SCRIPT) {
        const int *s = cmember(sc, f->offset);
        size_t n = *(const size_t *)cmember(sc, f->extra), o = 0;

        for (size_t i = 0; i < n && o < size; i++)
            o += (size_t)(s[i] == TL_NATURAL ? snprintf(out + o, size - o, "%sn", i ? "," : "")
                                             : snprintf(out + o, size - o, "%s%d", i ? "," : "", s[i]));
        return;
    }
    v = value_of(sc, f);
    if (!(f->flags & ALWAYS) && v == f->dflt)
        return;
    if ((f->flags & OMIT_SAME_AS_TLS) && v == sc->tls)
        return;
    switch (f->kind) {
    case FK_VERSION: snprintf(out, size, "%s", v == TLS1_2_VERSION ? "1.2" : "1.3"); break;
    case FK_KEYS: snprintf(out, size, "%s", tl_key_source_name((tl_key_source)v)); break;
    case FK_PRESENT: snprintf(out, size, "%s", tl_present_name((tl_present)v)); break;
    case FK_RETURN: {
        const char *name = tl_ticket_return_name((int)v);

        if (strncmp(name, "RETURN_", 7) == 0)
            snprintf(out, size, "%ld", v);
        else
            snprintf(out, size, "%s", name);
        break;
    }
    case FK_WORD: snprintf(out, size, "%s", f->word); break;
    default: snprintf(out, size, "%ld", v); break;
    }
}

void tl_scenario_format(const tl_scenario *sc, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < N_FIELDS; i++) {
        char value[96], tok[128];
        size_t len;

        field_text(sc, &fields[i], value, sizeof(value));
        if (value[0] == '\0')
            continue;
        snprintf(tok, sizeof(tok), "%s%s=%s", used ? " " : "", fields[i].name, value);
        len = strlen(tok);
        if (used + len >= size)
            break;   /* TL_SCENARIO_LINE_MAX holds every field at once */
        memcpy(buf + used, tok, len + 1);
        used += len;
    }
}

/* ---- documentation ------------------------------------------------------- */

/* The default as a person reads it; "" when the default means "none" or
 * "OpenSSL's own" (the doc says which). */
static void default_text(const field *f, char *out, size_t size)
{
    tl_scenario sc;
    field always = *f;
    int numeric = f->kind == FK_INT || f->kind == FK_LONG || f->kind == FK_U32;

    out[0] = '\0';
    if (!(f->flags & ALWAYS) && !(numeric && f->dflt >= f->lo && f->dflt <= f->hi))
        return;
    tl_scenario_init(&sc);
    always.flags = ALWAYS;
    field_text(&sc, &always, out, size);
}

/* Write text from column `indent` on, wrapped at `width` columns, then a newline. */
static void print_wrapped(FILE *f, const char *text, int indent, int width)
{
    int col = indent;

    while (*text) {
        size_t word = strcspn(text, " ");

        if (col > indent && col + 1 + (int)word > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", (int)word, text);
        col += (int)word;
        text += word;
        text += strspn(text, " ");
    }
    fputc('\n', f);
}

void tl_scenario_fields_print(FILE *f, int json)
{
    if (json)
        fputs("[\n", f);
    for (size_t i = 0; i < N_FIELDS; i++) {
        const field *d = &fields[i];
        char dflt[64];

        default_text(d, dflt, sizeof(dflt));
        if (json) {
            /* Names, syntax and defaults are plain ASCII; the doc has quotes escaped. */
            fprintf(f, "  {\"name\": \"%s\", \"syntax\": \"%s\", \"default\": \"%s\", \"doc\": \"", d->name,
                    d->syntax, dflt);
            for (const char *p = d->doc; *p; p++)
                fprintf(f, *p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
            fprintf(f, "\"}%s\n", i + 1 < N_FIELDS ? "," : "");
        } else {
            fprintf(f, "  %-9s %-14s %-9s ", d->name, strlen(d->syntax) > 14 ? "..." : d->syntax,
                    dflt[0] ? dflt : "-");
            print_wrapped(f, d->doc, 37, 100);
            if (strlen(d->syntax) > 14)
                fprintf(f, "  %-9s (%s)\n", "", d->syntax);
        }
    }
    if (json)
        fputs("]\n", f);
}
