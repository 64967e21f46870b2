/*
 * test_live_wire.c - serve's reading of ClientHellos and NewSessionTickets
 * (live_wire.c): the fields it keeps, every truncation refused, the
 * identity bound; and the audit (live_audit.c) over made-up connections:
 * reuse, cross-name, expiry, early data, ignored tickets.
 */
#include <stdint.h>
#include <string.h>

#include "live_serve.h"
#include "tl_test.h"

typedef struct msg {
    unsigned char b[1024];
    size_t n;
} msg;

static void u8(msg *m, unsigned v) { m->b[m->n++] = (unsigned char)v; }
static void u16(msg *m, unsigned v) { u8(m, v >> 8); u8(m, v & 0xff); }
static void u32(msg *m, uint32_t v) { u16(m, v >> 16); u16(m, v & 0xffff); }
static void bytes(msg *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }

/* Write a 2-byte length at `at` for what follows it. */
static void len16(msg *m, size_t at) { m->b[at] = (unsigned char)((m->n - at - 2) >> 8); m->b[at + 1] = (unsigned char)(m->n - at - 2); }

static void header(msg *m, int type) { u8(m, type); u8(m, 0); u16(m, 0); }
static void finish(msg *m) { size_t n = m->n - 4; m->b[1] = (unsigned char)(n >> 16); m->b[2] = (unsigned char)(n >> 8); m->b[3] = (unsigned char)n; }

/* A ClientHello with SNI `name`, n_ids PSK identities "id0", "id1", ... and early_data. */
static void hello(msg *m, const char *name, int n_ids)
{
    size_t exts, list, at;

    memset(m, 0, sizeof(*m));
    header(m, 1);
    u16(m, 0x0303);
    m->n += 32;                                   /* random */
    u8(m, 0);                                     /* session id */
    u16(m, 2); u16(m, 0x1301);                    /* cipher suites */
    u8(m, 1); u8(m, 0);                           /* compression */
    exts = m->n; u16(m, 0);
    u16(m, 0); at = m->n; u16(m, 0);              /* server_name */
    list = m->n; u16(m, 0); u8(m, 0); u16(m, (unsigned)strlen(name)); bytes(m, name, strlen(name));
    len16(m, list); len16(m, at);
    u16(m, 42); u16(m, 0);                        /* early_data */
    u16(m, 41); at = m->n; u16(m, 0);             /* pre_shared_key */
    list = m->n; u16(m, 0);
    for (int i = 0; i < n_ids; i++) {
        char id[8];

        snprintf(id, sizeof(id), "id%d", i);
        u16(m, (unsigned)strlen(id)); bytes(m, id, strlen(id)); u32(m, 1000u + (unsigned)i);
    }
    len16(m, list);
    u16(m, 33); u8(m, 32); m->n += 32;            /* one binder */
    len16(m, at);
    len16(m, exts);
    finish(m);
}

static void test_hello_fields(void)
{
    msg m;
    tl_wire_hello h;

    hello(&m, "a.test", 2);
    TL_CHECK_INT(tl_wire_hello_parse(m.b, m.n, &h), 0);
    TL_CHECK_STR(h.sni, "a.test");
    TL_CHECK_INT(h.sni_len, 6);
    TL_CHECK_INT(h.psk, 1);
    TL_CHECK_INT(h.n_ids, 2);
    TL_CHECK(h.ids[1].hash == tl_wire_hash((const unsigned char *)"id1", 3));
    TL_CHECK_INT(h.ids[1].age, 1001);
    TL_CHECK_INT(h.early_data, 1);
    TL_CHECK_INT(h.ticket_ext, 0);
}

static void test_hello_identities_are_bounded(void)
{
    msg m;
    tl_wire_hello h;

    hello(&m, "a.test", 20);
    TL_CHECK_INT(tl_wire_hello_parse(m.b, m.n, &h), 0);
    TL_CHECK_INT(h.n_ids, 20);   /* all counted ... */
    TL_CHECK(h.ids[TL_WIRE_IDS_MAX - 1].hash == tl_wire_hash((const unsigned char *)"id7", 3));
}

static void test_hello_truncations_are_refused(void)
{
    msg m;
    tl_wire_hello h;

    hello(&m, "a.test", 3);
    for (size_t n = 0; n < m.n; n++)
        TL_CHECK_INT(tl_wire_hello_parse(m.b, n, &h), -1);
    /* an identity list that claims more than its extension holds: not read past, not kept */
    for (size_t i = 0; i + 1 < m.n; i++)
        if (m.b[i] == 0 && m.b[i + 1] == 41) {
            m.b[i + 4] = 0xff;
            break;
        }
    TL_CHECK_INT(tl_wire_hello_parse(m.b, m.n, &h), 0);
    TL_CHECK_INT(h.psk, 0);
    TL_CHECK_INT(h.n_ids, 0);
    TL_CHECK_STR(h.sni, "a.test");
    m.b[0] = 2;   /* a ServerHello */
    TL_CHECK_INT(tl_wire_hello_parse(m.b, m.n, &h), -1);
}

static void nst13(msg *m, uint32_t lifetime, size_t ticket_len)
{
    size_t exts;

    memset(m, 0, sizeof(*m));
    header(m, 4);
    u32(m, lifetime);
    u32(m, 7);                                    /* age_add */
    u8(m, 1); u8(m, 0);                           /* nonce */
    u16(m, (unsigned)ticket_len);
    for (size_t i = 0; i < ticket_len; i++)
        u8(m, (unsigned)i);
    exts = m->n; u16(m, 0);
    u16(m, 42); u16(m, 4); u32(m, 16384);         /* early_data */
    u16(m, 0x7a7b); u16(m, 0);                    /* unknown */
    len16(m, exts);
    finish(m);
}

static void test_nst_fields(void)
{
    msg m;
    tl_wire_nst t;
    unsigned char ticket[100];

    for (int i = 0; i < 100; i++)
        ticket[i] = (unsigned char)i;
    nst13(&m, 7200, 100);
    TL_CHECK_INT(tl_wire_nst_parse(m.b, m.n, 1, &t), 0);
    TL_CHECK_INT(t.lifetime, 7200);
    TL_CHECK_INT(t.len, 100);
    TL_CHECK(t.hash == tl_wire_hash(ticket, 100));
    TL_CHECK_INT(t.early, 1);
    TL_CHECK_INT(t.max_early, 16384);
    TL_CHECK_INT(t.n_ext, 2);
    for (size_t n = 0; n < m.n; n++)
        TL_CHECK_INT(tl_wire_nst_parse(m.b, n, 1, &t), -1);
    nst13(&m, 0, 0);   /* the zero-length ticket of --nst empty still reads */
    TL_CHECK_INT(tl_wire_nst_parse(m.b, m.n, 1, &t), 0);
    TL_CHECK_INT(t.len, 0);
    TL_CHECK_INT(t.lifetime, 0);
    /* TLS 1.2: lifetime_hint and the ticket only */
    memset(&m, 0, sizeof(m));
    header(&m, 4); u32(&m, 300); u16(&m, 3); bytes(&m, "abc", 3); finish(&m);
    TL_CHECK_INT(tl_wire_nst_parse(m.b, m.n, 0, &t), 0);
    TL_CHECK_INT(t.lifetime, 300);
    TL_CHECK(t.hash == tl_wire_hash((const unsigned char *)"abc", 3));
}

/* ---- the audit ------------------------------------------------------------------ */

static tl_serve_conn conns[4];

/* Connection i under `sni` at time `at`, offering ticket `offer` (NULL: none), issuing `issue`. */
static tl_serve_conn *conn(int i, const char *sni, double at, const char *offer, const char *issue,
                           uint32_t lifetime)
{
    tl_serve_conn *c = &conns[i];

    memset(c, 0, sizeof(*c));
    c->index = i;
    c->io = TL_LIVE_IO_OK;
    snprintf(c->version, sizeof(c->version), "TLSv1.3");
    snprintf(c->sni, sizeof(c->sni), "%s", sni);
    c->start = at;
    c->end = at + 0.1;
    c->hello_seen = 1;
    snprintf(c->hello.sni, sizeof(c->hello.sni), "%s", sni);
    if (offer != NULL) {
        c->hello.psk = 1;
        c->hello.n_ids = 1;
        c->hello.ids[0].hash = tl_wire_hash((const unsigned char *)offer, strlen(offer));
        c->reused = 1;
    }
    if (issue != NULL) {
        c->n_tickets = 1;
        c->tickets[0].hash = tl_wire_hash((const unsigned char *)issue, strlen(issue));
        c->tickets[0].lifetime = lifetime;
        c->tickets[0].at = at;
    }
    return c;
}

static tl_verdict verdict(const tl_validation *v, const char *name)
{
    const tl_check *c = tl_validation_find(v, name);

    return c ? c->verdict : (tl_verdict)-1;
}

static void test_audit_reuse_cross_name_expiry(void)
{
    tl_audit *a = tl_audit_new();
    tl_validation v;

    memset(&v, 0, sizeof(v));
    tl_audit_note(a, conn(0, "a.test", 0, NULL, "T0", 10));
    tl_audit_note(a, conn(1, "a.test", 1, "T0", "T1", 10));
    tl_audit_note(a, conn(2, "b.test", 2, "T0", "T2", 10));
    tl_audit_note(a, conn(3, "a.test", 20, "T1", NULL, 10));   /* after T1's 10 s */
    tl_audit_checks(a, &v);
    TL_CHECK_INT(tl_audit_connections(a), 4);
    TL_CHECK_INT(verdict(&v, "tls13.ticket-reuse"), TL_VERDICT_WARN);
    TL_CHECK_INT(verdict(&v, "ticket.cross-name"), TL_VERDICT_FAIL);
    TL_CHECK_INT(verdict(&v, "ticket.expired"), TL_VERDICT_FAIL);
    TL_CHECK_INT(verdict(&v, "ticket.ignored"), TL_VERDICT_PASS);
    TL_CHECK_INT(verdict(&v, "tls13.early-data"), TL_VERDICT_SKIP);
    TL_CHECK(strstr(tl_validation_find(&v, "ticket.cross-name")->seen,
                    "the ticket from connection 0 came back on connection 2") != NULL);
    tl_validation_free(&v);
    tl_audit_free(a);
}

static void test_audit_ignored_and_early_data(void)
{
    tl_audit *a = tl_audit_new();
    tl_validation v;
    tl_serve_conn *c;

    memset(&v, 0, sizeof(v));
    tl_audit_note(a, conn(0, "a.test", 0, NULL, "T0", 10));
    tl_audit_note(a, conn(1, "a.test", 1, NULL, "T1", 10));
    tl_audit_checks(a, &v);
    TL_CHECK_INT(verdict(&v, "ticket.ignored"), TL_VERDICT_WARN);
    tl_validation_free(&v);
    tl_audit_free(a);

    a = tl_audit_new();
    memset(&v, 0, sizeof(v));
    tl_audit_note(a, conn(0, "a.test", 0, NULL, "T0", 10));   /* no early_data extension */
    c = conn(1, "a.test", 1, "T0", NULL, 0);
    c->hello.early_data = 1;
    tl_audit_note(a, c);
    tl_audit_checks(a, &v);
    TL_CHECK_INT(verdict(&v, "tls13.early-data"), TL_VERDICT_FAIL);
    tl_validation_free(&v);
    tl_audit_free(a);
}

int main(void)
{
    TL_RUN(test_hello_fields);
    TL_RUN(test_hello_identities_are_bounded);
    TL_RUN(test_hello_truncations_are_refused);
    TL_RUN(test_nst_fields);
    TL_RUN(test_audit_reuse_cross_name_expiry);
    TL_RUN(test_audit_ignored_and_early_data);
    return TL_DONE();
}
