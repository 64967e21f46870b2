/*
 * live_wire.c - what serve reads off the handshake messages it sees: the
 * ticket offers of a ClientHello and the fields of a NewSessionTicket;
 * see live_serve.h.
 *
 * OpenSSL's message callback hands serve every handshake message whole
 * (the 4-byte header, then the body). Both parsers use the one bounded
 * reader (bytes.h): a short or malformed message leaves what was read so
 * far and returns -1; nothing is ever read past `len`.
 *
 * ClientHello (RFC 8446 4.1.2): version(2) random(32) session_id<0..32>
 *     cipher_suites<2..2^16-2> compression<1..2^8-1> extensions<8..2^16-1>
 *   server_name (0): list<1..2^16-1> of { type(1) name<1..2^16-1> }
 *   session_ticket (35, TLS 1.2): the ticket, possibly empty
 *   pre_shared_key (41): identities<7..2^16-1> of { identity<1..2^16-1>
 *     obfuscated_ticket_age(4) }, then binders
 *   early_data (42): empty
 * NewSessionTicket, TLS 1.3 (4.6.1): lifetime(4) age_add(4) nonce<0..255>
 *     ticket<1..2^16-1> extensions<0..2^16-2> (early_data: max(4))
 * NewSessionTicket, TLS 1.2 (RFC 5077 3.3): lifetime_hint(4) ticket<0..2^16-1>
 */
#include "live_serve.h"

#include <string.h>

#include "bytes.h"

#define HS_CLIENT_HELLO 1
#define HS_NEW_SESSION_TICKET 4
#define EXT_SERVER_NAME 0
#define EXT_SESSION_TICKET 35
#define EXT_PRE_SHARED_KEY 41
#define EXT_EARLY_DATA 42

uint64_t tl_wire_hash(const unsigned char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a, 64 bits */

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h ^ (uint64_t)len;
}

/* The body of a handshake message of type `type`, or -1. */
static int body(const unsigned char *msg, size_t len, int type, tl_bytes *b)
{
    uint8_t t;
    uint32_t n;

    tl_bytes_init(b, msg, len);
    if (tl_bytes_u8(b, &t) != 0 || t != type || tl_bytes_u24(b, &n) != 0 || n != tl_bytes_left(b))
        return -1;
    return 0;
}

static void note_sni(tl_wire_hello *h, const unsigned char *p, size_t len)
{
    tl_bytes b;
    uint8_t type;
    const unsigned char *list, *name;
    size_t list_len, n;

    tl_bytes_init(&b, p, len);
    if (tl_bytes_vec16(&b, &list, &list_len) != 0)
        return;
    tl_bytes_init(&b, list, list_len);
    while (tl_bytes_left(&b) > 0 && tl_bytes_u8(&b, &type) == 0
           && tl_bytes_vec16(&b, &name, &n) == 0) {
        if (type == 0) {
            n = n < sizeof(h->sni) - 1 ? n : sizeof(h->sni) - 1;
            memcpy(h->sni, name, n);
            h->sni[n] = '\0';
            h->sni_len = n;
            return;
        }
    }
}

static void note_psk(tl_wire_hello *h, const unsigned char *p, size_t len)
{
    tl_bytes all, ids;
    const unsigned char *list, *id;
    size_t list_len, id_len;
    uint32_t age;

    tl_bytes_init(&all, p, len);
    if (tl_bytes_vec16(&all, &list, &list_len) != 0)
        return;
    h->psk = 1;
    tl_bytes_init(&ids, list, list_len);
    while (tl_bytes_left(&ids) > 0 && tl_bytes_vec16(&ids, &id, &id_len) == 0
           && tl_bytes_u32(&ids, &age) == 0) {
        if (h->n_ids < TL_WIRE_IDS_MAX) {
            h->ids[h->n_ids].hash = tl_wire_hash(id, id_len);
            h->ids[h->n_ids].len = id_len;
            h->ids[h->n_ids].age = age;
        }
        h->n_ids++;
    }
}

int tl_wire_hello_parse(const unsigned char *msg, size_t len, tl_wire_hello *h)
{
    tl_bytes b, ext;
    uint16_t version;
    const unsigned char *exts;
    size_t exts_len;

    memset(h, 0, sizeof(*h));
    if (body(msg, len, HS_CLIENT_HELLO, &b) != 0 || tl_bytes_u16(&b, &version) != 0
        || tl_bytes_take(&b, 32, NULL) != 0 || tl_bytes_vec8(&b, NULL, NULL) != 0
        || tl_bytes_vec16(&b, NULL, NULL) != 0 || tl_bytes_vec8(&b, NULL, NULL) != 0)
        return -1;
    if (tl_bytes_left(&b) == 0)
        return 0;   /* no extensions at all */
    if (tl_bytes_vec16(&b, &exts, &exts_len) != 0)
        return -1;
    tl_bytes_init(&ext, exts, exts_len);
    while (tl_bytes_left(&ext) > 0) {
        uint16_t type;
        const unsigned char *p;
        size_t n;

        if (tl_bytes_u16(&ext, &type) != 0 || tl_bytes_vec16(&ext, &p, &n) != 0)
            return -1;
        if (type == EXT_SERVER_NAME)
            note_sni(h, p, n);
        else if (type == EXT_PRE_SHARED_KEY)
            note_psk(h, p, n);
        else if (type == EXT_EARLY_DATA)
            h->early_data = 1;
        else if (type == EXT_SESSION_TICKET) {
            h->ticket_ext = 1;
            h->ticket12.hash = tl_wire_hash(p, n);
            h->ticket12.len = n;
        }
    }
    return 0;
}

int tl_wire_nst_parse(const unsigned char *msg, size_t len, int tls13, tl_wire_nst *t)
{
    tl_bytes b, ext;
    const unsigned char *ticket, *exts;
    size_t ticket_len, exts_len;

    memset(t, 0, sizeof(*t));
    if (body(msg, len, HS_NEW_SESSION_TICKET, &b) != 0 || tl_bytes_u32(&b, &t->lifetime) != 0)
        return -1;
    if (tls13 && (tl_bytes_take(&b, 4, NULL) != 0 || tl_bytes_vec8(&b, NULL, NULL) != 0))
        return -1;
    if (tl_bytes_vec16(&b, &ticket, &ticket_len) != 0)
        return -1;
    t->hash = tl_wire_hash(ticket, ticket_len);
    t->len = ticket_len;
    if (!tls13)
        return 0;
    if (tl_bytes_vec16(&b, &exts, &exts_len) != 0)
        return -1;
    tl_bytes_init(&ext, exts, exts_len);
    while (tl_bytes_left(&ext) > 0) {
        uint16_t type;
        tl_bytes v;
        const unsigned char *p;
        size_t n;

        if (tl_bytes_u16(&ext, &type) != 0 || tl_bytes_vec16(&ext, &p, &n) != 0)
            return -1;
        t->n_ext++;
        tl_bytes_init(&v, p, n);
        if (type == EXT_EARLY_DATA && tl_bytes_u32(&v, &t->max_early) == 0)
            t->early = 1;
    }
    return 0;
}
