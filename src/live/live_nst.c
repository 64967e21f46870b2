/*
 * live_nst.c - crafted NewSessionTickets for real clients; see live_serve.h.
 *
 * OpenSSL's server writes only well-formed tickets, so serve rewrites
 * them on the way out. A BIO sits between the SSL object and the socket:
 *
 *   TLS 1.3  The keylog callback hands it the server's application traffic
 *            secret; from it, the record key and IV (HKDF-Expand-Label
 *            "key" and "iv", RFC 8446 7.3). Each record the server writes
 *            under that key is opened (sequence number n), and written
 *            again under the filter's own numbering: a NewSessionTicket in
 *            it is replaced by the crafted one(s), cut into records of at
 *            most 2^14 bytes; every other record (the HTTP answer, the
 *            close_notify) is passed on re-sealed. Records the key does
 *            not open (the handshake's) go out untouched.
 *   TLS 1.2  The server announces no ticket (SSL_OP_NO_TICKET); the filter
 *            puts a plain NewSessionTicket record before the server's
 *            ChangeCipherSpec, as a server that ignores the ClientHello
 *            would.
 *
 * Each crafted ticket is noted (tl_nst_sent) so that the audit can tell
 * when a client offers it. Reads go straight to the socket.
 */
#include "live_serve.h"
#include "ossl_compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bytes.h"
#include "tlskdf.h"

#define REC_MAX 16384
#define NST_LIFETIME_8D 691200u
#define EXT_EARLY_DATA 42
#define EXT_UNKNOWN 0x7a7b
#define FLOOD 100

static const char *const kind_names[TL_NST_COUNT] = {
    [TL_NST_NONE] = "none",
    [TL_NST_LIFETIME_0] = "lifetime-0",
    [TL_NST_LIFETIME_8D] = "lifetime-8d",
    [TL_NST_EMPTY] = "empty",
    [TL_NST_HUGE] = "huge",
    [TL_NST_UNKNOWN_EXT] = "unknown-ext",
    [TL_NST_DUP_EARLY] = "dup-early-data",
    [TL_NST_MAX_EARLY] = "max-early-data",
    [TL_NST_FLOOD] = "flood",
    [TL_NST_TLS12_UNASKED] = "tls12-unasked",
};

const char *tl_nst_kind_name(tl_nst_kind k)
{
    return k >= 0 && k < TL_NST_COUNT ? kind_names[k] : "?";
}

int tl_nst_kind_parse(const char *name, tl_nst_kind *k)
{
    for (int i = 1; i < TL_NST_COUNT; i++)
        if (strcmp(name, kind_names[i]) == 0) {
            *k = (tl_nst_kind)i;
            return 0;
        }
    return -1;
}

int tl_nst_kind_tls12(tl_nst_kind k)
{
    return k == TL_NST_TLS12_UNASKED;
}

/* A growing byte buffer. */
typedef struct buf {
    unsigned char *p;
    size_t n, cap, off;       /* off: bytes already consumed (written out) */
} buf;

struct tl_nst_filter {
    tl_nst_kind kind;
    SSL *ssl;
    int fd;
    int eof;
    buf in, out;              /* from OpenSSL, not yet whole records; to the socket */
    unsigned char secret[EVP_MAX_MD_SIZE];
    size_t secret_len;
    const EVP_CIPHER *aead;   /* NULL until the key is derived */
    unsigned char key[32], iv[12];
    int app;                  /* records are now under the application key */
    uint64_t seq_in, seq_out;
    int injected;             /* TLS 1.2: the record is out */
    tl_wire_nst sent[TL_SERVE_TICKETS_MAX];
    size_t n_sent;
    const char *why;          /* set when it could not craft */
};

static int filter_index = -1;

static int put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        unsigned char *g;

        while (cap < b->n + n)
            cap *= 2;
        if ((g = realloc(b->p, cap)) == NULL)
            return -1;
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

static int put_u(buf *b, uint64_t v, size_t width)
{
    unsigned char t[8];

    for (size_t i = 0; i < width; i++)
        t[i] = (unsigned char)(v >> (8 * (width - 1 - i)));
    return put(b, t, width);
}

/* ---- keys ------------------------------------------------------------------------- */

/* HKDF-Expand-Label(secret, label, "", len) with md (RFC 8446 7.1; tlskdf.h). */
static int expand_label(const EVP_MD *md, const unsigned char *secret, size_t secret_len,
                        const char *label, unsigned char *out, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = ctx == NULL ? -1
                         : tl_hkdf_expand_label(ctx, md, secret, secret_len, label, NULL, 0, out, len);

    EVP_MD_CTX_free(ctx);
    return rc;
}

static int derive(tl_nst_filter *f)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(f->ssl);
    const char *name = c ? SSL_CIPHER_get_name(c) : "";
    const EVP_MD *md = EVP_sha256();
    size_t klen = 16;

    if (strcmp(name, "TLS_AES_128_GCM_SHA256") == 0)
        f->aead = EVP_aes_128_gcm();
    else if (strcmp(name, "TLS_AES_256_GCM_SHA384") == 0)
        f->aead = EVP_aes_256_gcm();
#if TL_TLSLIB_OPENSSL   /* BoringSSL, AWS-LC: ChaCha20-Poly1305 is an EVP_AEAD only */
    else if (strcmp(name, "TLS_CHACHA20_POLY1305_SHA256") == 0)
        f->aead = EVP_chacha20_poly1305();
#endif
    if (f->aead != NULL && EVP_CIPHER_get_key_length(f->aead) == 32)
        klen = 32;
    if (f->aead == EVP_aes_256_gcm())
        md = EVP_sha384();
    if (f->aead == NULL) {
        f->why = "the cipher suite is not one the filter seals (AES-GCM, ChaCha20-Poly1305)";
        return -1;
    }
    if (expand_label(md, f->secret, f->secret_len, "key", f->key, klen) != 0
        || expand_label(md, f->secret, f->secret_len, "iv", f->iv, 12) != 0) {
        f->aead = NULL;
        f->why = "HKDF-Expand-Label failed";
        return -1;
    }
    return 0;
}

static void keylog(const SSL *ssl, const char *line)
{
    tl_nst_filter *f = filter_index < 0 ? NULL : SSL_get_ex_data(ssl, filter_index);
    static const char label[] = "SERVER_TRAFFIC_SECRET_0 ";
    const char *hex;
    size_t n = 0;

    if (f == NULL || strncmp(line, label, sizeof(label) - 1) != 0
        || (hex = strrchr(line, ' ')) == NULL)
        return;
    for (hex++; hex[0] && hex[1] && n < sizeof(f->secret); hex += 2) {
        unsigned v;

        if (sscanf(hex, "%2x", &v) != 1)
            return;
        f->secret[n++] = (unsigned char)v;
    }
    f->secret_len = n;
}

void tl_nst_setup_ctx(SSL_CTX *ctx)
{
    if (filter_index < 0)
        filter_index = SSL_get_ex_new_index(0, "ticketlab nst filter", NULL, NULL, NULL);
    SSL_CTX_set_keylog_callback(ctx, keylog);
}

/* ---- records -------------------------------------------------------------------- */

/* Seal or open (enc 0) one record body under the key at sequence seq. Returns the length, or -1. */
static int aead(const tl_nst_filter *f, int enc, uint64_t seq, const unsigned char *hdr,
                const unsigned char *in, size_t len, unsigned char *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    unsigned char nonce[12];
    int n = 0, m = 0, ok;

    memcpy(nonce, f->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (unsigned char)(seq >> (8 * i));
    if (!enc && len < 16) {
        EVP_CIPHER_CTX_free(ctx);
        return -1;
    }
    ok = ctx != NULL && EVP_CipherInit_ex(ctx, f->aead, NULL, f->key, nonce, enc)
         && EVP_CipherUpdate(ctx, NULL, &n, hdr, 5)
         && (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
                                        (void *)(in + len - 16)))
         && EVP_CipherUpdate(ctx, out, &n, in, (int)(enc ? len : len - 16))
         && EVP_CipherFinal_ex(ctx, out + n, &m)
         && (!enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + n + m));
    EVP_CIPHER_CTX_free(ctx);
    return ok ? n + m + (enc ? 16 : 0) : -1;
}

/* Seal content (inner type `type`) into out, in records of at most REC_MAX. Returns 0 or -1. */
static int seal(tl_nst_filter *f, int type, const unsigned char *p, size_t len)
{
    unsigned char plain[REC_MAX + 1], sealed[REC_MAX + 1 + 16], hdr[5];

    do {
        size_t chunk = len < REC_MAX ? len : REC_MAX;
        int n;

        memcpy(plain, p, chunk);
        plain[chunk] = (unsigned char)type;
        hdr[0] = 23;
        hdr[1] = 3;
        hdr[2] = 3;
        hdr[3] = (unsigned char)((chunk + 17) >> 8);
        hdr[4] = (unsigned char)(chunk + 17);
        if ((n = aead(f, 1, f->seq_out++, hdr, plain, chunk + 1, sealed)) < 0
            || put(&f->out, hdr, 5) != 0 || put(&f->out, sealed, (size_t)n) != 0)
            return -1;
        p += chunk;
        len -= chunk;
    } while (len > 0);
    return 0;
}

static void note(tl_nst_filter *f, const unsigned char *msg, size_t len, int tls13)
{
    tl_wire_nst t;

    if (tl_wire_nst_parse(msg, len, tls13, &t) != 0)
        return;
    t.at = tl_live_now();
    if (f->n_sent < TL_SERVE_TICKETS_MAX)
        f->sent[f->n_sent] = t;
    f->n_sent++;
}

/* ---- crafting ------------------------------------------------------------------ */

/* The parts of OpenSSL's TLS 1.3 NewSessionTicket. */
typedef struct nst {
    uint32_t lifetime, age_add;
    const unsigned char *nonce, *ticket, *exts;
    size_t nonce_len, ticket_len, exts_len;
} nst;

static int parse_nst(const unsigned char *body, size_t len, nst *t)
{
    tl_bytes b;

    tl_bytes_init(&b, body, len);
    return tl_bytes_u32(&b, &t->lifetime) != 0 || tl_bytes_u32(&b, &t->age_add) != 0
           || tl_bytes_vec8(&b, &t->nonce, &t->nonce_len) != 0
           || tl_bytes_vec16(&b, &t->ticket, &t->ticket_len) != 0
           || tl_bytes_vec16(&b, &t->exts, &t->exts_len) != 0 ? -1 : 0;
}

/* One crafted NewSessionTicket message into m: t with the kind's change (i: its number in a flood). */
static int craft_one(tl_nst_filter *f, const nst *t, int i, buf *m)
{
    size_t start = m->n, ticket_len = t->ticket_len;
    uint32_t lifetime = f->kind == TL_NST_LIFETIME_0 ? 0
                        : f->kind == TL_NST_LIFETIME_8D ? NST_LIFETIME_8D : t->lifetime;
    int rc;

    if (f->kind == TL_NST_EMPTY)
        ticket_len = 0;
    else if (f->kind == TL_NST_HUGE)
        ticket_len = 65535;
    rc = put_u(m, 4, 1) | put_u(m, 0, 3) | put_u(m, lifetime, 4) | put_u(m, t->age_add + (uint32_t)i, 4);
    rc |= put_u(m, 8, 1) | put_u(m, (uint64_t)i, 8) | put_u(m, ticket_len, 2);
    for (size_t k = 0; k < ticket_len; k++) {
        /* the real ticket first (a flood's copies differ in their last byte), then filler */
        unsigned char c = k < t->ticket_len ? t->ticket[k] : (unsigned char)k;

        if (i > 0 && k == t->ticket_len - 1)
            c ^= (unsigned char)i;
        rc |= put(m, &c, 1);
    }
    if (f->kind == TL_NST_UNKNOWN_EXT) {
        rc |= put_u(m, t->exts_len + 8, 2) | put(m, t->exts, t->exts_len);
        rc |= put_u(m, EXT_UNKNOWN, 2) | put_u(m, 4, 2) | put(m, "tlab", 4);
    } else if (f->kind == TL_NST_DUP_EARLY) {
        rc |= put_u(m, 16, 2);
        for (int k = 0; k < 2; k++)
            rc |= put_u(m, EXT_EARLY_DATA, 2) | put_u(m, 4, 2) | put_u(m, 16384, 4);
    } else if (f->kind == TL_NST_MAX_EARLY) {
        rc |= put_u(m, 8, 2) | put_u(m, EXT_EARLY_DATA, 2) | put_u(m, 4, 2) | put_u(m, 0xFFFFFFFFu, 4);
    } else {
        rc |= put_u(m, t->exts_len, 2) | put(m, t->exts, t->exts_len);
    }
    if (rc != 0)
        return -1;
    {
        size_t body = m->n - start - 4;

        m->p[start + 1] = (unsigned char)(body >> 16);
        m->p[start + 2] = (unsigned char)(body >> 8);
        m->p[start + 3] = (unsigned char)body;
    }
    note(f, m->p + start, m->n - start, 1);
    return 0;
}

/* The handshake messages of one opened record (whole messages), NSTs replaced, sealed into out. */
static int rewrite_handshake(tl_nst_filter *f, const unsigned char *p, size_t len)
{
    buf m = { 0 };
    tl_bytes b;
    int rc = 0;

    tl_bytes_init(&b, p, len);
    while (rc == 0 && tl_bytes_left(&b) >= 4) {
        const unsigned char *msg = b.p + b.off, *body;
        uint8_t type;
        uint32_t n;
        nst t;

        if (tl_bytes_u8(&b, &type) != 0 || tl_bytes_u24(&b, &n) != 0 || tl_bytes_take(&b, n, &body) != 0)
            break;
        if (type == SSL3_MT_NEWSESSION_TICKET && parse_nst(body, n, &t) == 0) {
            for (int i = 0; rc == 0 && i < (f->kind == TL_NST_FLOOD ? FLOOD : 1); i++)
                rc = craft_one(f, &t, i, &m);
        } else {
            rc = put(&m, msg, 4 + n);
        }
    }
    if (rc == 0 && b.off < len)
        rc = put(&m, p + b.off, len - b.off);   /* a message cut across records: as it came */
    if (rc == 0 && m.n > 0)
        rc = seal(f, 22, m.p, m.n);
    free(m.p);
    return rc;
}

/* A TLS 1.3 record from OpenSSL (header and body). Returns 0 or -1. */
static int record13(tl_nst_filter *f, const unsigned char *r, size_t len)
{
    unsigned char plain[REC_MAX + 256 + 16];
    int n;
    size_t end;

    if (r[0] != 23 || f->secret_len == 0 || len - 5 > sizeof(plain)
        || (f->aead == NULL && (f->why != NULL || derive(f) != 0)))
        return put(&f->out, r, len);
    if ((n = aead(f, 0, f->seq_in, r, r + 5, len - 5, plain)) < 0) {
        if (f->app)
            f->why = "a server record did not open under the application key";
        return put(&f->out, r, len);   /* a handshake record */
    }
    f->app = 1;
    f->seq_in++;
    for (end = (size_t)n; end > 0 && plain[end - 1] == 0; end--)
        ;
    if (end == 0)
        return -1;
    if (plain[end - 1] == 22)
        return rewrite_handshake(f, plain, end - 1);
    return seal(f, plain[end - 1], plain, end - 1);
}

/* A TLS 1.2 record: before the first ChangeCipherSpec, a NewSessionTicket nobody asked for. */
static int record12(tl_nst_filter *f, const unsigned char *r, size_t len)
{
    if (r[0] == 20 && !f->injected) {
        buf m = { 0 };
        int rc = put_u(&m, 22, 1) | put_u(&m, 0x0303, 2) | put_u(&m, 4 + 4 + 2 + 64, 2);

        rc |= put_u(&m, 4, 1) | put_u(&m, 4 + 2 + 64, 3) | put_u(&m, 7200, 4) | put_u(&m, 64, 2);
        for (int i = 0; i < 64; i++)
            rc |= put_u(&m, (uint64_t)(0xa0 + i), 1);
        if (rc == 0) {
            note(f, m.p + 5, m.n - 5, 0);
            rc = put(&f->out, m.p, m.n);
        }
        free(m.p);
        f->injected = 1;
        if (rc != 0)
            return -1;
    }
    return put(&f->out, r, len);
}

/* Move the whole records of f->in to f->out, rewritten. Returns 0 or -1. */
static int process(tl_nst_filter *f)
{
    while (f->in.n - f->in.off >= 5) {
        const unsigned char *r = f->in.p + f->in.off;
        size_t len = 5 + ((size_t)r[3] << 8 | r[4]);

        if (f->in.n - f->in.off < len)
            break;
        if ((f->kind == TL_NST_TLS12_UNASKED ? record12(f, r, len) : record13(f, r, len)) != 0)
            return -1;
        f->in.off += len;
    }
    if (f->in.off == f->in.n)
        f->in.off = f->in.n = 0;
    return 0;
}

/* Write what f->out holds. Returns 1 when all is out, 0 when the socket is full, -1 on error. */
static int flush_out(tl_nst_filter *f)
{
    while (f->out.off < f->out.n) {
        ssize_t w = write(f->fd, f->out.p + f->out.off, f->out.n - f->out.off);

        if (w < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
        f->out.off += (size_t)w;
    }
    f->out.off = f->out.n = 0;
    return 1;
}

/* ---- the BIO -------------------------------------------------------------------- */

static int bio_write(BIO *b, const char *data, int len)
{
    tl_nst_filter *f = BIO_get_data(b);

    BIO_clear_retry_flags(b);
    if (len <= 0)
        return 0;
    if (put(&f->in, data, (size_t)len) != 0 || process(f) != 0 || flush_out(f) < 0)
        return -1;
    return len;   /* taken: what the socket did not take yet waits in f->out */
}

static int bio_read(BIO *b, char *data, int len)
{
    tl_nst_filter *f = BIO_get_data(b);
    ssize_t r;

    BIO_clear_retry_flags(b);
    flush_out(f);
    r = read(f->fd, data, (size_t)len);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        BIO_set_retry_read(b);
        return -1;
    }
    if (r == 0)
        f->eof = 1;
    return (int)r;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    tl_nst_filter *f = BIO_get_data(b);
    int r;

    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        BIO_clear_retry_flags(b);
        if ((r = flush_out(f)) == 0)
            BIO_set_retry_write(b);
        return r > 0 ? 1 : r == 0 ? 0 : -1;
    case BIO_CTRL_WPENDING:
        return (long)(f->out.n - f->out.off);
    case BIO_CTRL_EOF:
        return f->eof;
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static BIO_METHOD *method(void)
{
    static BIO_METHOD *m;

    if (m == NULL && (m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                       "ticketlab nst filter")) != NULL
        && (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read)
            || !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create))) {
        BIO_meth_free(m);
        m = NULL;
    }
    return m;
}

tl_nst_filter *tl_nst_attach(SSL *ssl, int fd, tl_nst_kind kind, tl_error *err)
{
    tl_nst_filter *f = calloc(1, sizeof(*f));
    BIO_METHOD *m = method();
    BIO *b = m ? BIO_new(m) : NULL;

    if (f == NULL || b == NULL || filter_index < 0 || !SSL_set_ex_data(ssl, filter_index, f)) {
        free(f);
        BIO_free(b);
        tl_error_set_ssl(err, "cannot set up the crafted-ticket filter");
        return NULL;
    }
    f->kind = kind;
    f->ssl = ssl;
    f->fd = fd;
    BIO_set_data(b, f);
    SSL_set_bio(ssl, b, b);   /* one BIO both ways: the SSL takes the one reference */
    if (kind == TL_NST_TLS12_UNASKED)
        SSL_set_options(ssl, SSL_OP_NO_TICKET);
    else
#if TL_TLSLIB_OPENSSL
        SSL_set_num_tickets(ssl, 1);
#else
        SSL_CTX_set_num_tickets(SSL_get_SSL_CTX(ssl), 1);   /* no per-SSL setter there */
#endif
    return f;
}

size_t tl_nst_sent(const tl_nst_filter *f, tl_wire_nst *out, size_t max, const char **why)
{
    size_t n = f->n_sent < max ? f->n_sent : max;

    memcpy(out, f->sent, n * sizeof(*out));
    *why = f->why;
    if (f->n_sent == 0 && f->why == NULL)
        *why = "the connection ended before a ticket was due";
    return f->n_sent;
}

void tl_nst_free(tl_nst_filter *f)
{
    if (f == NULL)
        return;
    free(f->in.p);
    free(f->out.p);
    free(f);
}
