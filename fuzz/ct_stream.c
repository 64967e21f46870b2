/*
 * ct_stream.c - fuzz_client_ticket's messages: the input read as if zeros
 * followed it, structured NewSessionTickets built from an item's bytes, the
 * stream of handshake messages the client gets and its cut into records,
 * and our own reading of a NewSessionTicket (RFC 8446 4.6.1, RFC 5077 3.3).
 * See client_ticket.h.
 */
#include <string.h>

#include "client_ticket.h"

#define CT_MAX_FRAGMENT 16384
#define CT_MAX_RECORDS 64   /* the cut's records; then the rest in full ones */

/* ---- the input ------------------------------------------------------------ */

/* A read past the end gives 0 (byte by byte, so a u16 cut in half keeps its
 * high byte); tl_ct_take() gives what is left. */
unsigned tl_ct_get8(tl_bytes *r)
{
    uint8_t v;

    return tl_bytes_u8(r, &v) == 0 ? v : 0;
}

unsigned tl_ct_get16(tl_bytes *r)
{
    unsigned hi = tl_ct_get8(r);

    return hi << 8 | tl_ct_get8(r);
}

uint32_t tl_ct_get32(tl_bytes *r)
{
    uint32_t hi = tl_ct_get16(r);

    return hi << 16 | tl_ct_get16(r);
}

const uint8_t *tl_ct_take(tl_bytes *r, size_t want, size_t *got)
{
    const uint8_t *p = r->p + r->off;

    *got = want < tl_bytes_left(r) ? want : tl_bytes_left(r);
    if (tl_bytes_take(r, *got, NULL) != 0)
        *got = 0;   /* only when nothing is left */
    return p;
}

/* ---- our reading of a NewSessionTicket ------------------------------------ */

/* The TLS 1.3 NewSessionTicket extensions in e (all of them, exactly). */
static void parse_nst_extensions(tl_bytes *e, tl_ct_nst *v)
{
    unsigned seen[64];
    size_t n_seen = 0, len;
    const unsigned char *body;
    tl_bytes early;
    uint16_t type;
    int plain = 1;

    while (tl_bytes_left(e) > 0) {
        v->why = "an extension cut short";
        if (tl_bytes_left(e) < 4 || tl_bytes_u16(e, &type) != 0
            || tl_bytes_vec16(e, &body, &len) != 0)
            return;
        for (size_t i = 0; i < n_seen; i++)
            v->repeats |= seen[i] == type;
        if (n_seen < 64)
            seen[n_seen++] = type;
        if (type == CT_EXT_EARLY_DATA) {
            v->why = "early_data is not 4 bytes";
            if (len != 4)
                return;
            v->why = "early_data twice";
            if (v->has_early)
                return;
            tl_bytes_init(&early, body, len);
            if (tl_bytes_u32(&early, &v->early) != 0)
                return;
            v->has_early = 1;
        } else {
            plain = 0;
        }
    }
    v->why = NULL;
    v->ok = 1;
    v->plain = plain;
}

void tl_ct_parse_nst(const unsigned char *b, size_t n, int tls13, tl_ct_nst *v)
{
    tl_bytes c, e;
    const unsigned char *exts;
    size_t elen;
    uint8_t nonce_len;
    uint16_t ticket_len;

    memset(v, 0, sizeof(*v));
    v->why = "cut short";
    tl_bytes_init(&c, b, n);
    if (tl_bytes_u32(&c, &v->lifetime) != 0)
        return;
    if (tls13) {
        if (tl_bytes_left(&c) < 5 || tl_bytes_u32(&c, &v->age_add) != 0
            || tl_bytes_u8(&c, &nonce_len) != 0)
            return;
        v->nonce_len = nonce_len;
        v->nonce = c.p + c.off;
        if (tl_bytes_take(&c, nonce_len, NULL) != 0)
            return;
    }
    if (tl_bytes_u16(&c, &ticket_len) != 0)
        return;
    v->ticket_len = ticket_len;
    v->ticket = c.p + c.off;
    if (tl_bytes_take(&c, ticket_len, NULL) != 0)
        return;
    if (!tls13) {
        v->why = "bytes after the ticket";
        v->ok = v->plain = tl_bytes_left(&c) == 0;
        return;
    }
    v->why = "empty ticket";
    if (v->ticket_len == 0)
        return;
    v->why = "extensions cut short";
    if (tl_bytes_left(&c) < 2)
        return;
    v->why = "extensions run past the message";
    if (tl_bytes_vec16(&c, &exts, &elen) != 0)
        return;
    v->why = "bytes after the extensions";
    if (tl_bytes_left(&c) != 0)
        return;
    tl_bytes_init(&e, exts, elen);
    parse_nst_extensions(&e, v);
}

/* ---- the stream ----------------------------------------------------------- */

/* n bytes of the pattern (plen bytes) repeated, or of 0, 1, 2... without
 * one: one period written, then copied in doubling runs. */
static void fill_pattern(unsigned char *t, size_t n, const uint8_t *pattern, size_t plen)
{
    size_t period = plen ? plen : 256, done;

    for (done = 0; done < n && done < period; done++)
        t[done] = plen ? pattern[done] : (unsigned char)done;
    while (done < n) {
        size_t k = done <= n - done ? done : n - done;   /* a whole number of periods, or the rest */

        memcpy(t + done, t, k);
        done += k;
    }
}

/* A structured NewSessionTicket body from the item's bytes. */
static void build_structured(tw_bytes *out, const tl_ct_item *it, int tls13)
{
    tl_bytes r;
    uint32_t lifetime, age_add, early = 0;
    size_t nonce_len, plen, ulen = 0;
    const uint8_t *nonce, *pattern, *udata = NULL;
    unsigned ticket_len, flags, utype = 0;
    unsigned char *t;
    tw_bytes ext = { 0 };
    int n_unknown;

    tl_bytes_init(&r, it->data, it->len);
    lifetime = tl_ct_get32(&r);
    age_add = tl_ct_get32(&r);
    nonce = tl_ct_take(&r, tl_ct_get8(&r), &nonce_len);
    ticket_len = tl_ct_get16(&r);
    pattern = tl_ct_take(&r, tl_ct_get8(&r), &plen);
    flags = tl_ct_get8(&r);
    if (flags & 0x0d)
        early = tl_ct_get32(&r);
    if (flags & 0x12) {
        utype = tl_ct_get16(&r);
        udata = tl_ct_take(&r, tl_ct_get8(&r), &ulen);
    }
    tw_put32(out, lifetime);
    if (tls13) {
        tw_put32(out, age_add);
        tw_put8(out, (unsigned)nonce_len);
        tw_put(out, nonce, nonce_len);
    }
    tw_put16(out, ticket_len);
    t = tw_grow(out, ticket_len);
    fill_pattern(t, ticket_len, pattern, plen);
    if (tls13) {
        n_unknown = !!(flags & 0x02) + !!(flags & 0x10);
        for (int i = 0; !(flags & 0x20) && i < n_unknown; i++) {
            tw_put16(&ext, utype);
            tw_put16(&ext, (unsigned)ulen);
            tw_put(&ext, udata, ulen);
        }
        for (int i = 0; i < !!(flags & 0x01) + !!(flags & 0x04); i++) {
            tw_put16(&ext, CT_EXT_EARLY_DATA);
            tw_put16(&ext, 4);
            tw_put32(&ext, early);
        }
        if (flags & 0x08) {
            tw_put16(&ext, CT_EXT_EARLY_DATA);
            tw_put16(&ext, 5);
            tw_put32(&ext, early);
            tw_put8(&ext, 0);
        }
        for (int i = 0; (flags & 0x20) && i < n_unknown; i++) {
            tw_put16(&ext, utype);
            tw_put16(&ext, (unsigned)ulen);
            tw_put(&ext, udata, ulen);
        }
        if (flags & 0x80) {
            tw_put16(&ext, CT_EXT_SERVER_NAME);
            tw_put16(&ext, 0);
        }
        tw_put16(out, (unsigned)(ext.n & 0xffff));
        tw_put(out, ext.p, ext.n);
        tw_bytes_free(&ext);
    }
    if (flags & 0x40)
        tw_put8(out, 0);
}

static void add_message(tl_ct_stream *st, unsigned type, const unsigned char *body, size_t len,
                        long lie)
{
    long claimed = (long)len + lie;

    if (claimed < 0)
        claimed = 0;
    if (claimed > 0xffffff)
        claimed = 0xffffff;
    tw_put8(&st->data, type);
    tw_put24(&st->data, (unsigned long)claimed);
    tw_put(&st->data, body, len);
    st->key_update[st->n] = R.tls13 && type == CT_HS_KEY_UPDATE;
    st->end[st->n++] = st->data.n;
}

/* 1 when the messages, read by their claimed lengths as the client reads
 * them, end exactly where the stream ends: the client waits for no more. */
static int ends_whole(const tw_bytes *d)
{
    size_t pos = 0;

    while (d->n - pos >= 4) {
        size_t len = (size_t)d->p[pos + 1] << 16 | (size_t)d->p[pos + 2] << 8 | d->p[pos + 3];

        if (len > d->n - pos - 4)
            return 0;
        pos += 4 + len;
    }
    return pos == d->n;
}

void tl_ct_build_stream(tl_ct_stream *st, const tl_ct_item *items, size_t n_items)
{
    size_t next_genuine = 0;
    int nst = 0, others = 0, liar = 0;

    for (size_t i = 0; i < n_items; i++) {
        const tl_ct_item *it = &items[i];
        tw_bytes body = { 0 };

        switch (it->kind) {
        case 0:
            build_structured(&body, it, R.tls13);
            add_message(st, CT_HS_NST, body.p, body.n, it->lie);
            nst++;
            break;
        case 1:
            add_message(st, CT_HS_NST, it->data, it->len, it->lie);
            nst++;
            break;
        case 2:
            if (next_genuine == R.n_genuine)
                break;   /* the server made fewer than asked */
            add_message(st, R.genuine[next_genuine].p[0], R.genuine[next_genuine].p + 4,
                        R.genuine[next_genuine].n - 4, it->lie);
            next_genuine++;
            nst++;
            break;
        default:
            add_message(st, it->len ? it->data[0] : 0, it->len ? it->data + 1 : NULL,
                        it->len ? it->len - 1 : 0, it->lie);
            others++;
            break;
        }
        liar |= it->lie != 0;
        tw_bytes_free(&body);
    }
    st->whole = ends_whole(&st->data);
    st->honest = !liar;
    st->single_nst = nst == 1 && others == 0 && !liar;
    if (st->single_nst) {
        tl_ct_nst v;

        tl_ct_parse_nst(st->data.p + 4, st->data.n - 4, R.tls13, &v);
        st->single_nst = v.ok;
    }
}

int tl_ct_send_stream(const tl_ct_stream *st, size_t cut,
                      int (*emit)(const unsigned char *, size_t, int, void *), void *arg)
{
    size_t pos = 0, m = 0, records = 0;

    while (pos < st->data.n) {
        size_t stop = cut ? pos + cut : st->end[m], n;
        int key_update = 0;

        if (++records >= CT_MAX_RECORDS)
            stop = st->data.n;   /* the rest in records as large as allowed */
        if (stop > st->data.n)
            stop = st->data.n;
        n = stop - pos > CT_MAX_FRAGMENT ? CT_MAX_FRAGMENT : stop - pos;
        pos += n;
        while (m < st->n && st->end[m] <= pos) {
            key_update |= st->key_update[m];
            m++;
        }
        if (emit(st->data.p + pos - n, n, key_update, arg) != 0)
            return -1;
    }
    return 0;
}

