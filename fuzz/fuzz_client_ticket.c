/*
 * fuzz_client_ticket - NewSessionTickets as an OpenSSL client receives them,
 * and what the client cache (cache.h, curl-style) then does with them.
 *
 * How. Every input gets a fresh client and server, made from this target's
 * own cached world (one suite only: TLS_AES_128_GCM_SHA256, or
 * ECDHE-ECDSA-AES128-GCM-SHA256 for TLS 1.2; the server's num_tickets is 0),
 * over a BIO pair of their own, and a full handshake from the reset seed and
 * frozen clock: every input starts from the very same connection, and no
 * state crosses inputs (about 1 ms, most of it the handshake).
 *
 *   TLS 1.3. NewSessionTickets are post-handshake messages under the
 *   server's application traffic key. The client's key log gives
 *   SERVER_TRAFFIC_SECRET_0; key and IV come from HKDF-Expand-Label
 *   (RFC 8446 7.3). The target seals the records itself (AES-128-GCM, nonce
 *   = IV XOR sequence number from 0, AAD = the record header), writes them
 *   into the client's side of the pair and lets the client SSL_read them. A
 *   KeyUpdate the input sends moves the target to the next secret
 *   ("traffic upd"), as a real server would, after the record it ends in.
 *
 *   TLS 1.2. The NewSessionTicket is part of the handshake, covered by the
 *   server's Finished. The target takes the server's last flight
 *   (NewSessionTicket, ChangeCipherSpec, Finished) off the wire before the
 *   client reads it, puts the input's messages in the ticket's place and
 *   writes a new Finished: the PRF over the new transcript with the master
 *   secret (SSL_SESSION_get_master_key), sealed with the server write key of
 *   the key block. The server's own Finished is checked against our
 *   computation on every input, so a fault in this machinery cannot pass
 *   for a finding.
 *
 *   Genuine tickets are the server's own (1.3: SSL_new_session_ticket, read
 *   back off the wire with the same keys; 1.2: the one in its flight),
 *   shaped by the input's server knobs: the session timeout (the lifetime
 *   hint), app data (the ticket's size), what the key callback returns on
 *   encrypt (0: no ticket in 1.3, an empty one in 1.2).
 *
 * The client's new-session callback puts each session into a tl_cache at
 * once, as curl does from the same callback.
 *
 * Input: 4 header bytes, then up to 8 items.
 *   [0] bit 0: TLS 1.2 (else 1.3); bit 1: re-import by salted hash (else by key)
 *   [1] server knobs: bits 0-2 session timeout, bits 3-5 app data size,
 *       bits 6-7 the key callback's result on encrypt (see the tables below)
 *   [2] records: 0 one message per record; 1..127 all messages as one stream
 *       cut every n bytes; 128..255 cut every (n - 127) * 128 bytes
 *   [3] bits 0-2 TLS 1.3 record padding; bits 4-7 how far the clock moves
 *       before the cache hands the sessions out (see the tables)
 *   item: [kind u8][len u16][len bytes] (cut short at the end of the input)
 *     kind & 3: 0 a structured NewSessionTicket (below); 1 a raw one (the
 *               bytes are its body); 2 a genuine one (bytes ignored); 3 a raw
 *               message: first byte its type (24: KeyUpdate), the rest its body
 *     kind & 8: the u24 message length lies by (kind >> 4) - 8
 *   structured: lifetime u32, age_add u32, nonce_len u8, nonce, ticket_len
 *     u16, pattern_len u8, pattern (repeated to ticket_len; none: 0,1,2..),
 *     flags u8, early_data u32 (if flags & 0x0d), unknown type u16 + len u8 +
 *     data (if flags & 0x12). flags: 0x01 early_data, 0x02 an unknown
 *     extension, 0x04 (another) early_data, 0x08 early_data of 5 bytes,
 *     0x10 (another) unknown one, 0x20 unknown ones after early_data, 0x40
 *     one byte after the extensions, 0x80 server_name (not allowed in NSTs).
 *     Missing bytes are zero; lengths are made consistent. TLS 1.2 takes
 *     lifetime and ticket only (and flag 0x40).
 *
 * Oracles (abort with "ticketlab oracle: ..."):
 *   1. ASan/UBSan/LSan: no crash, no leak.
 *   2. Per NewSessionTicket the client read: accepted (a session came out of
 *      it) implies well-formed (RFC 8446 4.6.1 / RFC 5077 3.3: exact
 *      lengths, a ticket of 1+ bytes in 1.3, early_data of 4 bytes at most
 *      once); a well-formed one with no extension but early_data is
 *      accepted (1.2: a lone well-formed one lets the handshake finish).
 *      The session holds the ticket byte for byte and the lifetime hint;
 *      its max_early_data is the extension's value, else the previous
 *      ticket's (OpenSSL's behaviour; see strict mode). Two sessions have
 *      the same resumption secret exactly when their nonces are equal, and
 *      a genuine ticket opens with the server's key ring to a session with
 *      the client's resumption secret.
 *   3. The cache: a session the client stored is kept unless its DER is over
 *      curl's 65535 bytes; export then import (by peer key or salted hash)
 *      gives the same session data byte for byte (DER, version, early data,
 *      valid-until = stored + the session timeout, capped), and the DER
 *      re-encodes to itself.
 *   4. The offer: after the clock step, the cache hands out each TLS 1.3
 *      session once, oldest first, and then none (RFC 8446 C.4); a TLS 1.2
 *      one stays; nothing expired. The ClientHello for each carries the
 *      ticket byte for byte: 1.3 as the first pre_shared_key identity with
 *      obfuscated_ticket_age = age * 1000 + age_add (whole seconds, less
 *      one, as OpenSSL counts), or no identity once the age passed the
 *      lifetime hint; 1.2 in the session_ticket extension, with the session
 *      id SHA-256(ticket).
 *
 * Strict mode (TICKETLAB_CT_STRICT=1) adds three checks that OpenSSL and the
 * curl-style cache fail by design; by default they are feedback only:
 *   S1 a ticket without early_data has max_early_data 0 (OpenSSL 3.0-3.6
 *      keeps the previous ticket's value: ssl_session_dup copies it);
 *   S2 the cache keeps a TLS 1.3 ticket no longer than its lifetime hint
 *      (it uses SSL_SESSION_get_timeout, the client's 7200 s);
 *   S3 an NST whose extensions repeat a type is refused (RFC 8446 4.2;
 *      OpenSSL refuses repeats of the types it knows only).
 *
 * Feedback: outcome (version, failed, sessions stored), the client's alert
 * and error reason, the types of the messages it read, the server's key
 * callback events, cache verdicts. TICKETLAB_CT_VERBOSE=1 prints one line
 * per input (what was read, stored, cached, offered).
 *
 * Reach: tls_process_new_session_ticket in both versions, the NST extension
 * parsers, post-handshake message and record handling (fragments across and
 * within records, padding, KeyUpdate, unexpected messages), ssl_session_dup,
 * i2d/d2i_SSL_SESSION, the client's pre_shared_key and session_ticket
 * writers, and cache.c put/export/import/take. Not reached: a stored ticket
 * used for a real resumption or for early data (the offer is checked in the
 * ClientHello only), tickets after a resumed handshake or a
 * HelloRetryRequest, SHA-384 suites, TLS 1.2 ticket renewal on resumption.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "fuzz_common.h"
#include "tls_wire.h"
#include "ticketlab/cache.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"
#include "ossl_compat.h"
#include "ticketlab/spack.h"
#include "ticketlab/ticket.h"

#define MAX_ITEMS 8
#define MAX_RX 64               /* messages the client reads, recorded */
#define MAX_SESSIONS 64
#define PAIR_SIZE (80 * 1024)   /* any one record fits (5 + 65535 bytes) */
#define MAX_FRAGMENT 16384
#define MAX_SECRET 64          /* a session's master key, any version */
#define HS_NST 4
#define HS_FINISHED 20
#define HS_KEY_UPDATE 24
#define EXT_SERVER_NAME 0
#define EXT_SESSION_TICKET 35
#define EXT_PSK 41
#define EXT_EARLY_DATA 42

/* Server knobs and steps, indexed by the header bits. */
static const long timeouts[8] = { 7200, 1, 60, 3600, 86400, 604800, 604801, 2147483647 };
static const long appdata_sizes[8] = { -1, 0, 16, 1000, 16000, 32000, 60000, 65300 };
static const int key_enc_results[4] = { TL_NATURAL, 0, -1, 2 };
static const long paddings[8] = { 0, 1, 15, 255, 4096, -1 /* to 2^14 + 1 */,
                                  -2 /* one byte over */, 40000 };
static const int64_t clock_steps[16] = { 0, 1, 2, 60, 61, 62, 3600, 7199, 7200, 7201,
                                         86399, 86400, 86401, 604800, 604801, 1000000 };

/* ---- the input ------------------------------------------------------------ */

/* The input is read as if zeros followed it: a read past the end gives 0
 * (get8 byte by byte, so a u16 cut in half keeps its high byte) and take()
 * gives what is left. */
static unsigned get8(tl_bytes *r)
{
    uint8_t v;

    return tl_bytes_u8(r, &v) == 0 ? v : 0;
}

static unsigned get16(tl_bytes *r)
{
    unsigned hi = get8(r);

    return hi << 8 | get8(r);
}

static uint32_t get32(tl_bytes *r)
{
    uint32_t hi = get16(r);

    return hi << 16 | get16(r);
}

static const uint8_t *take(tl_bytes *r, size_t want, size_t *got)
{
    const uint8_t *p = r->p + r->off;

    *got = want < tl_bytes_left(r) ? want : tl_bytes_left(r);
    if (tl_bytes_take(r, *got, NULL) != 0)
        *got = 0;   /* only when nothing is left */
    return p;
}

typedef struct {
    unsigned kind;            /* 0 structured, 1 raw NST, 2 genuine, 3 raw message */
    long lie;                 /* added to the u24 length */
    const uint8_t *data;
    size_t len;
} item;

/* ---- per-process state ---------------------------------------------------- */

static struct {
    tl_world *w[2];           /* [0] TLS 1.2, [1] TLS 1.3 */
    char *peer_key[2];
    EVP_MD *sha256;
    int strict;
    int verbose;              /* TICKETLAB_CT_VERBOSE=1: one line per input */
    unsigned char *appdata;   /* the app data pattern, appdata_sizes[7] bytes */
} G;

/* ---- per-input state ------------------------------------------------------ */

typedef struct {
    unsigned char *msg;       /* the whole message as the client read it */
    size_t len;
    int session;              /* index into R.st, -1 if none came from it */
} rx_msg;

typedef struct {
    SSL_SESSION *sess;        /* as the new-session callback got it (owned) */
    unsigned char *der;       /* its DER at that moment */
    size_t der_len;
    int rx;                   /* the NewSessionTicket it came from, -1 if unknown */
    int put_rc;               /* tl_cache_put's result */
    char put_err[256];
    int64_t put_time;
} stored;

static struct {
    int tls13;
    SSL *client, *server;
    int collect;              /* 1.2: append handshake messages to transcript */
    int watch;                /* record the messages the client reads */
    tw_bytes transcript;
    unsigned char secret[EVP_MAX_MD_SIZE];   /* SERVER_TRAFFIC_SECRET_0 */
    size_t secret_len;
    rx_msg rx[MAX_RX];
    size_t n_rx;              /* all read, also past MAX_RX */
    stored st[MAX_SESSIONS];
    size_t n_st;              /* all stored, also past MAX_SESSIONS */
    int failed;               /* the client failed fatally */
    int client_done;          /* 1.2: the client finished its handshake */
    int alert_sent;
    char reason[128];
    tl_cache *cache;
    const char *peer_key;
    uint32_t base_early;      /* the connection's max_early_data before any NST */
    tw_bytes genuine[MAX_ITEMS]; /* the server's own NewSessionTickets */
    size_t n_genuine;
    size_t cached, taken, offered, withheld;   /* for the verbose line */
} R;

static void run_free(void)
{
    if (R.client != NULL)
        SSL_set_shutdown(R.client, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    if (R.server != NULL)
        SSL_set_shutdown(R.server, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(R.client);
    SSL_free(R.server);
    for (size_t i = 0; i < R.n_rx && i < MAX_RX; i++)
        free(R.rx[i].msg);
    for (size_t i = 0; i < R.n_st && i < MAX_SESSIONS; i++) {
        SSL_SESSION_free(R.st[i].sess);
        OPENSSL_free(R.st[i].der);
    }
    for (size_t i = 0; i < R.n_genuine; i++)
        tw_bytes_free(&R.genuine[i]);
    tw_bytes_free(&R.transcript);
    tl_cache_free(R.cache);
    memset(&R, 0, sizeof(R));
}

/* ---- OpenSSL hooks ---------------------------------------------------------- */

static void keylog_cb(const SSL *s, const char *line)
{
    static const char tag[] = "SERVER_TRAFFIC_SECRET_0 ";
    const char *p;
    size_t n = 0;

    if (s != R.client || strncmp(line, tag, sizeof(tag) - 1) != 0)
        return;
    p = strchr(line + sizeof(tag) - 1, ' ');   /* past the client random */
    if (p == NULL)
        return;
    for (p++; p[0] != '\0' && p[1] != '\0' && n < sizeof(R.secret); p += 2) {
        char hex[3] = { p[0], p[1], '\0' };

        R.secret[n++] = (unsigned char)strtoul(hex, NULL, 16);
    }
    R.secret_len = n;
}

static void client_msg_cb(int write_p, int version, int content_type,
                          const void *buf, size_t len, SSL *s, void *arg)
{
    const unsigned char *p = buf;
    rx_msg *m;

    if (s != R.client || content_type != SSL3_RT_HANDSHAKE || len < 4)
        return;
    if (R.collect)
        tw_put(&R.transcript, p, len);
    if (!R.watch || write_p)
        return;
    if (R.n_rx < MAX_RX) {
        m = &R.rx[R.n_rx];
        m->msg = malloc(len);
        if (m->msg == NULL)
            tl_fuzz_die("out of memory");
        memcpy(m->msg, p, len);
        m->len = len;
        m->session = -1;
    }
    R.n_rx++;
}

static void client_info_cb(const SSL *s, int where, int ret)
{
    if (s == R.client && (where & SSL_CB_ALERT) && (where & SSL_CB_WRITE) && R.alert_sent < 0)
        R.alert_sent = ret & 0xff;
}

/* The client hands over a session: keep it, and cache it as curl would. */
static int new_session_cb(SSL *s, SSL_SESSION *sess)
{
    stored *st;
    tl_error err = { "" };
    int len;
    unsigned char *p;

    if (s != R.client)
        return 0;
    if (R.n_st++ >= MAX_SESSIONS)
        return 0;
    st = &R.st[R.n_st - 1];
    memset(st, 0, sizeof(*st));
    st->sess = sess;
    st->rx = -1;
    /* 1.3: the message being processed; 1.2: the last ticket before Finished. */
    for (size_t i = R.n_rx <= MAX_RX ? R.n_rx : 0; i-- > 0;) {
        if (R.rx[i].msg[0] == HS_NST) {
            st->rx = (int)i;
            break;
        }
        if (R.tls13)
            break;
    }
    len = i2d_SSL_SESSION(sess, NULL);
    if (len <= 0 || (st->der = OPENSSL_malloc((size_t)len)) == NULL)
        tl_fuzz_die("cannot encode a session the client stored");
    p = st->der;
    st->der_len = (size_t)i2d_SSL_SESSION(sess, &p);
    st->put_time = tl_clock_now();
    st->put_rc = tl_cache_put(R.cache, R.peer_key, sess, 0, &err);
    snprintf(st->put_err, sizeof(st->put_err), "%s", err.msg);
    return 1;
}

/* ---- the connection ----------------------------------------------------------- */

static BIO *to_client(void)
{
    return SSL_get_wbio(R.server);   /* the server's end of the pair */
}

/* Everything the server wrote that the client has not read. */
static void drain_wire(tw_bytes *out)
{
    unsigned char buf[4096];
    BIO *b = SSL_get_rbio(R.client);
    int n;

    while ((n = BIO_read(b, buf, sizeof(buf))) > 0)
        tw_put(out, buf, (size_t)n);
}

static void note_failure(void)
{
    unsigned long e = ERR_peek_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;

    R.failed = 1;
    if (R.reason[0] == '\0')
        snprintf(R.reason, sizeof(R.reason), "%s", r ? r : "no reason");
    ERR_clear_error();
}

/* Let the client read what it has. Returns 0 while it lives, -1 once dead. */
static int step_client(void)
{
    unsigned char buf[512];

    for (int i = 0; i < 1000; i++) {
        int rc, e;

        if (R.failed)
            return -1;
        if (!R.tls13 && !R.client_done) {
            rc = SSL_do_handshake(R.client);
            if (rc == 1) {
                R.client_done = 1;
                return 0;
            }
        } else {
            rc = SSL_read(R.client, buf, sizeof(buf));
            if (rc > 0)
                continue;   /* never: the target sends no application data */
        }
        e = SSL_get_error(R.client, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
            return 0;
        note_failure();
        return -1;
    }
    return 0;
}

/* Write one record to the client and let it read. Returns 0 or -1 (dead). */
static int deliver(const unsigned char *rec, size_t n)
{
    if (R.failed)
        return -1;
    if (BIO_write(to_client(), rec, (int)n) != (int)n)
        tl_fuzz_die("harness: a %zu-byte record does not fit in the pair", n);
    return step_client();
}

static int want(SSL *s, int rc)
{
    int e = SSL_get_error(s, rc);

    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* A fresh pair and a full handshake. TLS 1.3: both sides done. TLS 1.2: the
 * server done, its last flight unread. Returns 0, or -1 if it failed. */
static int connect_pair(tl_world *w)
{
    BIO *cbio = NULL, *sbio = NULL;
    int cdone = 0, sdone = 0;

    R.client = SSL_new(tl_world_client_ctx(w));
    R.server = SSL_new(tl_world_server_ctx(w));
    if (R.client == NULL || R.server == NULL || tl_issuer_bind(R.server, tl_world_issuer(w)) != 0
        || !BIO_new_bio_pair(&cbio, PAIR_SIZE, &sbio, PAIR_SIZE))
        tl_fuzz_die("harness: cannot make the client and server");
    SSL_set_bio(R.client, cbio, cbio);
    SSL_set_bio(R.server, sbio, sbio);
    SSL_set_connect_state(R.client);
    SSL_set_accept_state(R.server);
    SSL_set_msg_callback(R.client, client_msg_cb);
    SSL_set_info_callback(R.client, client_info_cb);
    if (!SSL_set_tlsext_host_name(R.client, TL_SERVER_NAME) || !tl_ssl_set1_host(R.client, TL_SERVER_NAME))
        tl_fuzz_die("harness: the client refuses its server name");
    R.collect = !R.tls13;
    for (int round = 0; round < 32; round++) {
        int rc;

        if (!cdone) {
            rc = SSL_do_handshake(R.client);
            if (rc == 1)
                cdone = 1;
            else if (!want(R.client, rc))
                return -1;
        }
        if (!sdone) {
            rc = SSL_do_handshake(R.server);
            if (rc == 1)
                sdone = 1;
            else if (!want(R.server, rc))
                return -1;
        }
        if (sdone && (cdone || !R.tls13)) {
            R.collect = 0;
            return 0;
        }
    }
    return -1;
}

/* ---- the stream the client gets ------------------------------------------------- */

/* A NewSessionTicket body, as our own reading of the RFCs sees it. */
typedef struct nst_view {
    int ok;                   /* well-formed (RFC 8446 4.6.1 / RFC 5077 3.3) */
    int plain;                /* ok, with no extension but one early_data */
    int repeats;              /* an extension type occurs twice */
    const char *why;          /* what is wrong, when !ok */
    uint32_t lifetime, age_add;
    const unsigned char *nonce, *ticket;
    size_t nonce_len, ticket_len;
    int has_early;
    uint32_t early;
} nst_view;

static void parse_nst(const unsigned char *b, size_t n, int tls13, nst_view *v);

typedef struct {
    tw_bytes data;                    /* the messages back to back */
    size_t end[MAX_ITEMS];         /* where each ends */
    int key_update[MAX_ITEMS];
    size_t n;
    int single_nst;                /* exactly one NST, honestly framed, well-formed */
} stream;

/* A structured NewSessionTicket body from the item's bytes. */
static void build_structured(tw_bytes *out, const item *it, int tls13)
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
    lifetime = get32(&r);
    age_add = get32(&r);
    nonce = take(&r, get8(&r), &nonce_len);
    ticket_len = get16(&r);
    pattern = take(&r, get8(&r), &plen);
    flags = get8(&r);
    if (flags & 0x0d)
        early = get32(&r);
    if (flags & 0x12) {
        utype = get16(&r);
        udata = take(&r, get8(&r), &ulen);
    }
    tw_put32(out, lifetime);
    if (tls13) {
        tw_put32(out, age_add);
        tw_put8(out, (unsigned)nonce_len);
        tw_put(out, nonce, nonce_len);
    }
    tw_put16(out, ticket_len);
    t = tw_grow(out, ticket_len);
    for (size_t i = 0; i < ticket_len; i++)
        t[i] = plen ? pattern[i % plen] : (unsigned char)i;
    if (tls13) {
        n_unknown = !!(flags & 0x02) + !!(flags & 0x10);
        for (int i = 0; !(flags & 0x20) && i < n_unknown; i++) {
            tw_put16(&ext, utype);
            tw_put16(&ext, (unsigned)ulen);
            tw_put(&ext, udata, ulen);
        }
        for (int i = 0; i < !!(flags & 0x01) + !!(flags & 0x04); i++) {
            tw_put16(&ext, EXT_EARLY_DATA);
            tw_put16(&ext, 4);
            tw_put32(&ext, early);
        }
        if (flags & 0x08) {
            tw_put16(&ext, EXT_EARLY_DATA);
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
            tw_put16(&ext, EXT_SERVER_NAME);
            tw_put16(&ext, 0);
        }
        tw_put16(out, (unsigned)(ext.n & 0xffff));
        tw_put(out, ext.p, ext.n);
        tw_bytes_free(&ext);
    }
    if (flags & 0x40)
        tw_put8(out, 0);
}

static void add_message(stream *st, unsigned type, const unsigned char *body, size_t len,
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
    st->key_update[st->n] = R.tls13 && type == HS_KEY_UPDATE;
    st->end[st->n++] = st->data.n;
}

static void build_stream(stream *st, const item *items, size_t n_items)
{
    size_t next_genuine = 0;
    int nst = 0, others = 0, liar = 0;

    for (size_t i = 0; i < n_items; i++) {
        const item *it = &items[i];
        tw_bytes body = { 0 };

        switch (it->kind) {
        case 0:
            build_structured(&body, it, R.tls13);
            add_message(st, HS_NST, body.p, body.n, it->lie);
            nst++;
            break;
        case 1:
            add_message(st, HS_NST, it->data, it->len, it->lie);
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
    st->single_nst = nst == 1 && others == 0 && !liar;
    if (st->single_nst) {
        nst_view v;

        parse_nst(st->data.p + 4, st->data.n - 4, R.tls13, &v);
        st->single_nst = v.ok;
    }
}

/* Cut the stream into records of at most `cut` bytes (0: one message per
 * record) and hand each to emit(). Returns 0, or -1 once the client is dead. */
static int send_stream(const stream *st, size_t cut,
                       int (*emit)(const unsigned char *, size_t, int, void *), void *arg)
{
    size_t pos = 0, m = 0;

    while (pos < st->data.n) {
        size_t stop = cut ? pos + cut : st->end[m], n;
        int key_update = 0;

        if (stop > st->data.n)
            stop = st->data.n;
        n = stop - pos > MAX_FRAGMENT ? MAX_FRAGMENT : stop - pos;
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

/* ---- TLS 1.3 ------------------------------------------------------------------ */

typedef struct {
    tw_keys13 k;
    long pad;
} emit13_arg;

static int emit13(const unsigned char *frag, size_t n, int key_update, void *arg)
{
    emit13_arg *a = arg;
    tw_bytes rec = { 0 };
    size_t pad = a->pad >= 0 ? (size_t)a->pad : 16384 - n + (a->pad == -2 ? 1 : 0);
    int rc;

    tw_seal13(&a->k, &rec, frag, n, pad);
    rc = deliver(rec.p, rec.n);
    tw_bytes_free(&rec);
    if (key_update)
        tw_keys13_update(&a->k);
    return rc;
}

/* The server's own tickets: ask for `want_n`, read them back off the wire. */
static void genuine13(size_t want_n)
{
    tw_keys13 k;
    tw_bytes wire = { 0 }, hs = { 0 };
    tl_bytes c;
    const unsigned char *rec;
    size_t len;
    int rc;

    for (size_t i = 0; i < want_n; i++)
        if (SSL_new_session_ticket(R.server) != 1)
            tl_fuzz_die("harness: SSL_new_session_ticket refused");
    /* Large tickets may fill the pair: take what is written as it comes. */
    for (int i = 0; i < 64; i++) {
        rc = SSL_do_handshake(R.server);
        drain_wire(&wire);
        if (rc == 1 || !want(R.server, rc))
            break;
    }
    ERR_clear_error();
    tw_keys13_init(&k, R.secret, R.secret_len);
    tl_bytes_init(&c, wire.p, wire.n);
    while (tw_next_record(&c, &rec, &len) == 0) {
        tw_bytes plain = { 0 };
        int type = 0;

        if (tw_open13(&k, rec, 5 + len, &plain, &type) != 0)
            tl_fuzz_die("harness: the server's own record %llu does not open with our "
                        "key (key log or HKDF-Expand-Label wrong?)", (unsigned long long)k.seq - 1);
        if (type == SSL3_RT_HANDSHAKE)   /* else an alert: the server failed */
            tw_put(&hs, plain.p, plain.n);
        tw_bytes_free(&plain);
    }
    tw_split_messages(&hs, R.genuine, &R.n_genuine, MAX_ITEMS);
    tw_bytes_free(&wire);
    tw_bytes_free(&hs);
}

static void run13(const item *items, size_t n_items, size_t cut, long pad)
{
    size_t want_genuine = 0;
    stream st;
    emit13_arg a;

    if (R.secret_len != 32)
        tl_fuzz_die("harness: no SERVER_TRAFFIC_SECRET_0 in the key log");
    R.base_early = SSL_SESSION_get_max_early_data(SSL_get_session(R.client));
    for (size_t i = 0; i < n_items; i++)
        want_genuine += items[i].kind == 2;
    if (want_genuine)
        genuine13(want_genuine);
    memset(&st, 0, sizeof(st));
    build_stream(&st, items, n_items);
    tw_keys13_init(&a.k, R.secret, R.secret_len);
    a.pad = pad;
    R.watch = 1;
    send_stream(&st, cut, emit13, &a);
    tw_bytes_free(&st.data);
}

/* ---- TLS 1.2 ------------------------------------------------------------------ */

static int emit12(const unsigned char *frag, size_t n, int key_update, void *arg)
{
    unsigned char hdr[5] = { SSL3_RT_HANDSHAKE, 3, 3, (unsigned char)(n >> 8), (unsigned char)n };
    tw_bytes rec = { 0 };
    int rc;

    tw_put(&rec, hdr, 5);
    tw_put(&rec, frag, n);
    rc = deliver(rec.p, rec.n);
    tw_bytes_free(&rec);
    return rc;
}

/* verify_data of the server's Finished over transcript || extra. */
static void server_finished(const unsigned char *ms, const tw_bytes *extra, unsigned char vd[12])
{
    unsigned char hash[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    if (md == NULL || EVP_DigestInit_ex(md, G.sha256, NULL) != 1
        || EVP_DigestUpdate(md, R.transcript.p, R.transcript.n) != 1
        || (extra->n && EVP_DigestUpdate(md, extra->p, extra->n) != 1)
        || EVP_DigestFinal_ex(md, hash, NULL) != 1)
        tl_fuzz_die("harness: SHA-256 failed");
    EVP_MD_CTX_free(md);
    tw_prf12(ms, 48, "server finished", hash, sizeof(hash), vd, 12);
}

static void run12(const item *items, size_t n_items, size_t cut)
{
    unsigned char ms[48], cr[32], sr[32], seed[64], kb[40], vd[12], nonce[12], aad[13];
    unsigned char fin[16], tag[16];
    tw_bytes wire = { 0 }, hs = { 0 }, rec = { 0 };
    tl_bytes c;
    const unsigned char *r;
    size_t len, fin_off = 0, fin_len = 0;
    int after_ccs = 0;
    stream st;
    static const unsigned char ccs[6] = { SSL3_RT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1 };

    if (SSL_SESSION_get_master_key(SSL_get_session(R.client), ms, sizeof(ms)) != sizeof(ms)
        || SSL_get_client_random(R.client, cr, sizeof(cr)) != sizeof(cr)
        || SSL_get_server_random(R.client, sr, sizeof(sr)) != sizeof(sr))
        tl_fuzz_die("harness: no TLS 1.2 master secret or randoms");
    memcpy(seed, sr, 32);
    memcpy(seed + 32, cr, 32);
    tw_prf12(ms, sizeof(ms), "key expansion", seed, sizeof(seed), kb, sizeof(kb));
    /* The server's last flight: handshake records, ChangeCipherSpec, Finished. */
    drain_wire(&wire);
    tl_bytes_init(&c, wire.p, wire.n);
    while (tw_next_record(&c, &r, &len) == 0) {
        if (r[0] == SSL3_RT_CHANGE_CIPHER_SPEC)
            after_ccs = 1;
        else if (r[0] == SSL3_RT_HANDSHAKE && !after_ccs)
            tw_put(&hs, r + 5, len);
        else if (r[0] == SSL3_RT_HANDSHAKE && after_ccs && fin_len == 0)
            fin_off = (size_t)(r - wire.p), fin_len = len;
    }
    /* Self-check: the server's own Finished is what we compute. */
    if (fin_len != 8 + 16 + 16)
        tl_fuzz_die("harness: the server's TLS 1.2 flight has no Finished record");
    memcpy(nonce, kb + 36, 4);
    memcpy(nonce + 4, wire.p + fin_off + 5, 8);
    memcpy(tag, wire.p + fin_off + 5 + 8 + 16, 16);
    tw_aad12(aad, 16);
    server_finished(ms, &hs, vd);
    if (!tw_gcm(0, kb + 16, nonce, aad, 13, wire.p + fin_off + 5 + 8, 16, fin, tag)
        || fin[0] != HS_FINISHED || memcmp(fin + 4, vd, 12) != 0)
        tl_fuzz_die("harness: our TLS 1.2 Finished differs from the server's own");
    tw_split_messages(&hs, R.genuine, &R.n_genuine, MAX_ITEMS);

    /* The input's messages in the ticket's place, then CCS and a new Finished. */
    memset(&st, 0, sizeof(st));
    build_stream(&st, items, n_items);
    server_finished(ms, &st.data, vd);
    fin[0] = HS_FINISHED;
    fin[1] = 0;
    fin[2] = 0;
    fin[3] = 12;
    memcpy(fin + 4, vd, 12);
    memset(nonce + 4, 0, 8);   /* explicit nonce 0: any value will do */
    tw_put8(&rec, SSL3_RT_HANDSHAKE);
    tw_put16(&rec, 0x0303);
    tw_put16(&rec, 8 + 16 + 16);
    tw_put_zeros(&rec, 8);
    tw_gcm(1, kb + 16, nonce, aad, 13, fin, 16, tw_grow(&rec, 16), tag);
    tw_put(&rec, tag, 16);
    R.watch = 1;
    if (send_stream(&st, cut, emit12, NULL) == 0 && deliver(ccs, sizeof(ccs)) == 0)
        deliver(rec.p, rec.n);
    if (!R.failed && !R.client_done) {   /* waiting for more: as good as dead */
        R.failed = 1;
        snprintf(R.reason, sizeof(R.reason), "the client waits for more");
    }
    if (st.single_nst && R.failed)
        tl_fuzz_die("the client rejected a lone, well-formed TLS 1.2 NewSessionTicket "
                    "(or our Finished): %s, alert %s", R.reason, tl_alert_name(R.alert_sent));
    OPENSSL_cleanse(ms, sizeof(ms));
    tw_bytes_free(&st.data);
    tw_bytes_free(&wire);
    tw_bytes_free(&hs);
    tw_bytes_free(&rec);
}

/* ---- oracle 2: what the client made of each ticket ---------------------------- */


/* The TLS 1.3 NewSessionTicket extensions in e (all of them, exactly). */
static void parse_nst_extensions(tl_bytes *e, nst_view *v)
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
        if (type == EXT_EARLY_DATA) {
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

static void parse_nst(const unsigned char *b, size_t n, int tls13, nst_view *v)
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

/* The view of the NewSessionTicket behind session i, NULL if unknown. */
static const nst_view *view_of(size_t i, nst_view *v)
{
    const stored *st = &R.st[i];

    memset(v, 0, sizeof(*v));
    if (st->rx < 0)
        return NULL;
    parse_nst(R.rx[st->rx].msg + 4, R.rx[st->rx].len - 4, R.tls13, v);
    return v;
}

static int genuine_message(const rx_msg *m)
{
    for (size_t g = 0; g < R.n_genuine; g++)
        if (R.genuine[g].n == m->len && memcmp(R.genuine[g].p, m->msg, m->len) == 0)
            return 1;
    return 0;
}

/* A genuine ticket opens, on the server's side, to the client's secret. */
static void check_genuine(tl_world *w, const stored *st, const nst_view *v)
{
    tl_ticket_info info;
    tl_error err = { "" };
    unsigned char a[MAX_SECRET], b[MAX_SECRET];
    size_t la, lb;

    memset(&info, 0, sizeof(info));
    if (tl_ticket_open(tl_world_keyring(w), v->ticket, v->ticket_len, &info, &err) != 0
        || info.verdict != TL_TICKET_OK)
        tl_fuzz_die("the server's own ticket does not open with its key ring: %s",
                    err.msg[0] ? err.msg : tl_ticket_verdict_name(info.verdict));
    la = SSL_SESSION_get_master_key(st->sess, a, sizeof(a));
    lb = SSL_SESSION_get_master_key(info.session, b, sizeof(b));
    if (la != lb || memcmp(a, b, la) != 0)
        tl_fuzz_die("client and server disagree on the resumption secret of a genuine "
                    "ticket (%zu vs %zu bytes)", la, lb);
    tl_ticket_info_clear(&info);
}

/* Ties each stored session to the NewSessionTicket it came from (rx ->
 * session). Returns 0, or 1 if there were more than we record. */
static int link_sessions(void)
{
    if (R.n_rx > MAX_RX || R.n_st > MAX_SESSIONS) {
        tl_fuzz_feedback(TL_FB_VERDICT, 63);
        return 1;   /* more than we record: no bookkeeping to check against */
    }
    for (size_t i = 0; i < R.n_st; i++) {
        int rx = R.st[i].rx;

        if (rx < 0 || R.rx[rx].session >= 0)
            tl_fuzz_die("session %zu did not come from a NewSessionTicket of its own", i);
        R.rx[rx].session = (int)i;
    }
    return 0;
}

/* The max_early_data of a TLS 1.3 session against its ticket (strict S1);
 * *inherited is the value a ticket without early_data keeps, updated. */
static void check_early_data(const stored *st, const nst_view *v, uint32_t *inherited)
{
    uint32_t early = SSL_SESSION_get_max_early_data(st->sess);

    if (v->has_early ? early != v->early : early != *inherited)
        tl_fuzz_die("max_early_data %lu stored, expected %lu", (unsigned long)early,
                    (unsigned long)(v->has_early ? v->early : *inherited));
    if (!v->has_early && early != 0) {
        tl_fuzz_feedback(TL_FB_VERDICT, 8);
        if (G.strict)
            tl_fuzz_die("strict S1: a ticket without early_data allows %lu bytes of "
                        "early data (kept from the previous ticket)", (unsigned long)early);
    }
    *inherited = early;
}

/* Oracle 2 for the i-th message the client read, if it is a NewSessionTicket. */
static void check_one_nst(tl_world *w, size_t i, uint32_t *inherited)
{
    const rx_msg *m = &R.rx[i];
    const stored *st;
    nst_view v;
    const unsigned char *t;
    size_t tlen;

    if (m->msg[0] != HS_NST)
        return;
    parse_nst(m->msg + 4, m->len - 4, R.tls13, &v);
    if (v.repeats) {
        tl_fuzz_feedback(TL_FB_VERDICT, 10);
        if (G.strict && m->session >= 0)
            tl_fuzz_die("strict S3: the client accepted a NewSessionTicket whose "
                        "extensions repeat a type (RFC 8446 4.2)");
    }
    if (m->session < 0) {
        /* 1.3: processing this one failed. 1.2: a later step may have. */
        if (R.tls13 && (i + 1 != R.n_rx || !R.failed))
            tl_fuzz_die("a NewSessionTicket the client processed gave no session");
        if (R.tls13 && v.plain)
            tl_fuzz_die("the client rejected a well-formed NewSessionTicket: %s, alert %s",
                        R.reason, tl_alert_name(R.alert_sent));
        return;
    }
    st = &R.st[m->session];
    if (!v.ok)
        tl_fuzz_die("the client accepted a malformed NewSessionTicket (%s)", v.why);
    if (SSL_SESSION_get_protocol_version(st->sess) != (R.tls13 ? TLS1_3_VERSION : TLS1_2_VERSION))
        tl_fuzz_die("a stored session has protocol 0x%04x",
                    (unsigned)SSL_SESSION_get_protocol_version(st->sess));
    SSL_SESSION_get0_ticket(st->sess, &t, &tlen);
    if (tlen != v.ticket_len || (tlen && memcmp(t, v.ticket, tlen) != 0))
        tl_fuzz_die("the stored session's ticket (%zu bytes) is not the %zu bytes received",
                    tlen, v.ticket_len);
    if (v.ticket_len && SSL_SESSION_get_ticket_lifetime_hint(st->sess) != v.lifetime)
        tl_fuzz_die("lifetime hint %lu stored, %lu received",
                    (unsigned long)SSL_SESSION_get_ticket_lifetime_hint(st->sess),
                    (unsigned long)v.lifetime);
    if (!R.tls13)
        return;
    check_early_data(st, &v, inherited);
    if (genuine_message(m))
        check_genuine(w, st, &v);
}

/* TLS 1.2: a finished handshake stores one session if the ticket it
 * accepted is not empty; an empty one leaves neither ticket nor id (the
 * server sends no session id when it issues tickets). */
static void check_count12(void)
{
    size_t expect = 0;

    for (size_t i = 0; !R.failed && i < R.n_rx; i++)
        if (R.rx[i].msg[0] == HS_NST) {
            nst_view v;

            parse_nst(R.rx[i].msg + 4, R.rx[i].len - 4, 0, &v);
            expect = v.ticket_len > 0;
        }
    if (R.n_st != expect)
        tl_fuzz_die("the TLS 1.2 client stored %zu sessions, expected %zu (handshake %s)",
                    R.n_st, expect, R.failed ? "failed" : "finished");
}

/* TLS 1.3: equal resumption secrets exactly for equal nonces. */
static void check_secrets13(void)
{
    for (size_t i = 0; i < R.n_st; i++)
        for (size_t j = i + 1; j < R.n_st; j++) {
            unsigned char a[MAX_SECRET], b[MAX_SECRET];
            size_t la = SSL_SESSION_get_master_key(R.st[i].sess, a, sizeof(a));
            size_t lb = SSL_SESSION_get_master_key(R.st[j].sess, b, sizeof(b));
            nst_view vi, vj;
            int same_nonce, same_secret = la == lb && memcmp(a, b, la) == 0;

            view_of(i, &vi);
            view_of(j, &vj);
            same_nonce = vi.nonce_len == vj.nonce_len
                         && memcmp(vi.nonce, vj.nonce, vi.nonce_len) == 0;
            if (same_nonce != same_secret)
                tl_fuzz_die("sessions %zu and %zu: %s nonces but %s resumption secrets", i, j,
                            same_nonce ? "equal" : "different", same_secret ? "equal" : "different");
        }
}

/* Oracle 2: every NewSessionTicket the client read against what it stored. */
static void check_sessions(tl_world *w)
{
    uint32_t inherited = R.base_early;

    if (link_sessions() != 0)
        return;
    for (size_t i = 0; i < R.n_rx; i++)
        check_one_nst(w, i, &inherited);
    if (R.tls13)
        check_secrets13();
    else
        check_count12();
}

/* ---- oracle 3: the cache ------------------------------------------------------ */

typedef struct {
    tw_bytes sdata[MAX_SESSIONS];
    char *key[MAX_SESSIONS];
    unsigned char shash[MAX_SESSIONS][TL_SHASH_LEN];
    size_t n;
} export_list;

static int collect(void *userp, const char *session_key, const unsigned char *shash,
                   size_t shash_len, const unsigned char *sdata, size_t sdata_len,
                   int64_t valid_until, int ietf_tls_id, const char *alpn, size_t earlydata_max)
{
    export_list *l = userp;

    if (l->n == MAX_SESSIONS || shash_len != TL_SHASH_LEN)
        return 1;
    memset(&l->sdata[l->n], 0, sizeof(l->sdata[l->n]));
    tw_put(&l->sdata[l->n], sdata, sdata_len);
    l->key[l->n] = session_key ? strdup(session_key) : NULL;
    memcpy(l->shash[l->n], shash, TL_SHASH_LEN);
    l->n++;
    return 0;
}

static void export_free(export_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        tw_bytes_free(&l->sdata[i]);
        free(l->key[i]);
    }
}

static void export_all(tl_cache *c, export_list *l)
{
    tl_error err = { "" };

    memset(l, 0, sizeof(*l));
    if (tl_cache_export(c, collect, l, NULL, &err) != 0)
        tl_fuzz_die("the cache does not export what it holds: %s", err.msg);
}

/* The sessions the cache must hold, in order: indexes into R.st. */
static size_t expected_entries(size_t *idx)
{
    size_t n = 0;

    for (size_t i = 0; i < R.n_st && i < MAX_SESSIONS; i++) {
        const stored *st = &R.st[i];

        if (st->put_rc != 0) {
            if (st->der_len <= 0xffff)
                tl_fuzz_die("the cache refused a session of %zu DER bytes: %s", st->der_len,
                            st->put_err);
            tl_fuzz_feedback(TL_FB_VERDICT, 1);
            continue;
        }
        tl_fuzz_feedback(TL_FB_VERDICT, 0);
        if (!R.tls13)
            n = 0;   /* a TLS 1.2 session replaces the peer's others */
        idx[n++] = i;
    }
    return n;
}

static void check_der_stable(const stored *st)
{
    const unsigned char *p = st->der;
    SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, (long)st->der_len);
    unsigned char *again = NULL;
    int len;

    if (s == NULL || p != st->der + st->der_len)
        tl_fuzz_die("a stored session's DER does not parse back whole");
    len = i2d_SSL_SESSION(s, &again);
    if (len < 0 || (size_t)len != st->der_len || memcmp(again, st->der, st->der_len) != 0)
        tl_fuzz_die("a stored session's DER re-encodes to other bytes (%d vs %zu)", len,
                    st->der_len);
    OPENSSL_free(again);
    SSL_SESSION_free(s);
}

/* Export, import into a new cache, export again. Returns the new cache. */
static tl_cache *check_round_trip(const size_t *idx, size_t n, int by_hash)
{
    export_list first, second;
    tl_error err = { "" };
    tl_cache *again = tl_cache_new(0, &err);

    if (again == NULL)
        tl_fuzz_die("out of memory");
    if (tl_cache_count(R.cache, R.peer_key, NULL, 0) != n)
        tl_fuzz_die("the cache holds %zu sessions for the peer, expected %zu",
                    tl_cache_count(R.cache, R.peer_key, NULL, 0), n);
    export_all(R.cache, &first);
    if (first.n != n)
        tl_fuzz_die("the cache exported %zu sessions, expected %zu", first.n, n);
    for (size_t i = 0; i < n; i++) {
        const stored *st = &R.st[idx[i]];
        tl_sdata s;
        tl_spack_err why = TL_SPACK_OK;
        int64_t life = (int64_t)SSL_SESSION_get_timeout(st->sess);
        int64_t cap = R.tls13 ? TL_CACHE_MAX_13_LIFETIME : TL_CACHE_MAX_12_LIFETIME;

        memset(&s, 0, sizeof(s));
        if (tl_sdata_unpack(first.sdata[i].p, first.sdata[i].n, &s, &err) != TL_SPACK_OK)
            tl_fuzz_die("the cache's own export does not unpack: %s", err.msg);
        if (s.ticket_len != st->der_len || memcmp(s.ticket, st->der, st->der_len) != 0)
            tl_fuzz_die("export %zu: the DER session changed (%zu -> %zu bytes)", i,
                        st->der_len, s.ticket_len);
        if (s.ietf_id != (R.tls13 ? 0x0304 : 0x0303)
            || s.earlydata_max != SSL_SESSION_get_max_early_data(st->sess)
            || s.valid_until != st->put_time + (life < cap ? life : cap))
            tl_fuzz_die("export %zu: version 0x%04x, early data %lu, valid-until %lld do not "
                        "match the session", i, (unsigned)s.ietf_id,
                        (unsigned long)s.earlydata_max, (long long)s.valid_until);
        if (R.tls13 && st->rx >= 0) {
            nst_view v;

            view_of(idx[i], &v);
            if ((uint64_t)s.valid_until > (uint64_t)st->put_time + v.lifetime) {
                tl_fuzz_feedback(TL_FB_VERDICT, 9);
                if (G.strict)
                    tl_fuzz_die("strict S2: the cache keeps a ticket for %lld s, its lifetime "
                                "hint is %lu s", (long long)(s.valid_until - st->put_time),
                                (unsigned long)v.lifetime);
            }
        }
        tl_sdata_clear(&s);
        check_der_stable(st);
        if (tl_cache_import(again, by_hash ? NULL : first.key[i], first.shash[i], TL_SHASH_LEN,
                            first.sdata[i].p, first.sdata[i].n, &why, &err) != 0)
            tl_fuzz_die("the cache's own export does not import (%s): %s",
                        tl_spack_errname(why), err.msg);
    }
    export_all(again, &second);
    if (second.n != first.n)
        tl_fuzz_die("export, import, export: %zu sessions became %zu", first.n, second.n);
    for (size_t i = 0; i < n; i++)
        if (second.sdata[i].n != first.sdata[i].n
            || memcmp(second.sdata[i].p, first.sdata[i].p, first.sdata[i].n) != 0)
            tl_fuzz_die("export, import, export changed session data %zu", i);
    export_free(&first);
    export_free(&second);
    return again;
}

/* ---- oracle 4: the offer ------------------------------------------------------ */

/* The ClientHello body the client writes for sess, into *hello. */
static void client_hello(tl_world *w, SSL_SESSION *sess, tw_bytes *hello)
{
    SSL *c = SSL_new(tl_world_client_ctx(w));
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    char *data;
    long len;
    tl_bytes wire;
    const unsigned char *rec;
    size_t rl;
    int rc;

    if (c == NULL || rb == NULL || wb == NULL)
        tl_fuzz_die("out of memory");
    SSL_set_bio(c, rb, wb);
    SSL_set_connect_state(c);
    if (!SSL_set_tlsext_host_name(c, TL_SERVER_NAME) || SSL_set_session(c, sess) != 1)
        tl_fuzz_die("harness: the client refuses a session from the cache");
    rc = SSL_do_handshake(c);
    if (rc > 0 || SSL_get_error(c, rc) != SSL_ERROR_WANT_READ) {
        unsigned long e = ERR_peek_error();

        tl_fuzz_die("the client cannot start a handshake with a session the cache holds: %s",
                    e ? ERR_reason_error_string(e) : "no reason");
    }
    len = BIO_get_mem_data(wb, &data);
    tl_bytes_init(&wire, (unsigned char *)data, len > 0 ? (size_t)len : 0);
    while (tw_next_record(&wire, &rec, &rl) == 0) {
        if (rec[0] == SSL3_RT_HANDSHAKE)
            tw_put(hello, rec + 5, rl);
    }
    SSL_free(c);
    ERR_clear_error();
}

/* The extension `type` of a ClientHello message, or NULL; the session id too. */
static const unsigned char *find_ext(const tw_bytes *h, unsigned type, size_t *len,
                                     const unsigned char **sid, size_t *sid_len)
{
    tl_bytes c, exts;
    const unsigned char *body, *ext;
    size_t exts_len;
    uint16_t t;

    if (h->n < 4 + 2 + 32 + 1 || h->p[0] != SSL3_MT_CLIENT_HELLO)
        tl_fuzz_die("the client's first flight is not a ClientHello");
    tl_bytes_init(&c, h->p, h->n);
    if (tl_bytes_take(&c, 4 + 2 + 32, NULL) != 0           /* header, version, random */
        || tl_bytes_vec8(&c, sid, sid_len) != 0             /* session id */
        || tl_bytes_vec16(&c, NULL, NULL) != 0              /* cipher suites */
        || tl_bytes_vec8(&c, NULL, NULL) != 0               /* compression methods */
        || tl_bytes_vec16(&c, &body, &exts_len) != 0)
        goto bad;
    tl_bytes_init(&exts, body, exts_len);
    while (tl_bytes_left(&exts) >= 4) {
        if (tl_bytes_u16(&exts, &t) != 0 || tl_bytes_vec16(&exts, &ext, len) != 0)
            goto bad;
        if (t == type)
            return ext;
    }
    return NULL;
bad:
    tl_fuzz_die("the client wrote a malformed ClientHello");
}

/* The first identity of a pre_shared_key extension (len bytes at ext): the
 * ticket and its obfuscated age. Returns 0, or -1 when it is cut short. */
static int first_identity(const unsigned char *ext, size_t len, const unsigned char **id,
                          size_t *id_len, uint32_t *obfuscated_age)
{
    tl_bytes c;

    tl_bytes_init(&c, ext, len);
    if (ext == NULL || tl_bytes_take(&c, 2, NULL) != 0      /* the identities' length */
        || tl_bytes_vec16(&c, id, id_len) != 0 || tl_bytes_u32(&c, obfuscated_age) != 0)
        return -1;
    return 0;
}

static void check_offer(tl_world *w, SSL_SESSION *sess, const stored *st, size_t i,
                        int64_t step)
{
    tw_bytes hello = { 0 };
    const unsigned char *ext, *sid;
    size_t len = 0, sid_len = 0;
    const unsigned char *t;
    size_t tlen;

    SSL_SESSION_get0_ticket(st->sess, &t, &tlen);
    client_hello(w, sess, &hello);
    if (R.tls13) {
        nst_view v;
        uint32_t age = step > 0 ? (uint32_t)(step - 1) : 0, obfuscated_age;
        const unsigned char *id;
        size_t id_len;

        ext = find_ext(&hello, EXT_PSK, &len, &sid, &sid_len);
        if (view_of(i, &v) == NULL) {
            tw_bytes_free(&hello);
            return;
        }
        if (v.lifetime < age) {
            if (ext != NULL)
                tl_fuzz_die("the client offers a ticket %lu s old, its lifetime hint is %lu s",
                            (unsigned long)age, (unsigned long)v.lifetime);
            tl_fuzz_feedback(TL_FB_VERDICT, 3);
            R.withheld++;
        } else {
            if (first_identity(ext, len, &id, &id_len, &obfuscated_age) != 0
                || id_len != tlen || memcmp(id, t, tlen) != 0)
                tl_fuzz_die("the ClientHello does not offer the %zu-byte ticket as its first "
                            "PSK identity", tlen);
            if (obfuscated_age != age * 1000u + v.age_add)
                tl_fuzz_die("obfuscated_ticket_age %lu, expected %lu (age %lu s, age_add %lu)",
                            (unsigned long)obfuscated_age,
                            (unsigned long)(age * 1000u + v.age_add), (unsigned long)age,
                            (unsigned long)v.age_add);
            tl_fuzz_feedback(TL_FB_VERDICT, 2);
            R.offered++;
        }
    } else {
        unsigned char id[32];
        unsigned int idlen = 0;
        const unsigned char *sess_id = SSL_SESSION_get_id(st->sess, &idlen);

        ext = find_ext(&hello, EXT_SESSION_TICKET, &len, &sid, &sid_len);
        if (ext == NULL || len != tlen || (tlen && memcmp(ext, t, tlen) != 0))
            tl_fuzz_die("the ClientHello's session_ticket extension is not the %zu-byte ticket",
                        tlen);
        if (sid_len != idlen || memcmp(sid, sess_id, idlen) != 0)
            tl_fuzz_die("the ClientHello's session id is not the session's");
        if (tlen && (EVP_Digest(t, tlen, id, NULL, G.sha256, NULL) != 1 || sid_len != 32
                     || memcmp(sid, id, 32) != 0))
            tl_fuzz_die("the session id is not SHA-256 of the ticket");
        tl_fuzz_feedback(TL_FB_VERDICT, 4);
        R.offered++;
    }
    tw_bytes_free(&hello);
}

static void check_take(tl_world *w, tl_cache *c, const size_t *idx, size_t n, int64_t step)
{
    int64_t now;
    size_t takes = R.tls13 ? n + 1 : 2;

    tl_clock_advance(step);
    now = tl_clock_now();
    for (size_t k = 0; k < takes; k++) {
        SSL_SESSION *s = NULL;
        tl_error err = { "" };
        const stored *want_st = NULL;
        size_t want_i = 0;
        unsigned char *der = NULL;
        int len;

        /* 1.3: the k-th stored, once each; 1.2: the one, every time. */
        if (n > 0 && (!R.tls13 || k < n)) {
            want_i = idx[R.tls13 ? k : 0];
            want_st = &R.st[want_i];
        }
        if (want_st != NULL) {
            int64_t life = (int64_t)SSL_SESSION_get_timeout(want_st->sess);
            int64_t cap = R.tls13 ? TL_CACHE_MAX_13_LIFETIME : TL_CACHE_MAX_12_LIFETIME;

            if (want_st->put_time + (life < cap ? life : cap) < now)
                want_st = NULL;   /* expired */
        }
        if (tl_cache_take(c, R.peer_key, &s, &err) != 0)
            tl_fuzz_die("the cache cannot hand out a re-imported session: %s", err.msg);
        if (s == NULL && want_st != NULL)
            tl_fuzz_die("take %zu: the cache lost a live session", k);
        if (s != NULL && want_st == NULL)
            tl_fuzz_die("take %zu: the cache hands out %s", k,
                        R.tls13 && k >= n ? "a TLS 1.3 ticket a second time" : "an expired session");
        if (s == NULL) {
            tl_fuzz_feedback(TL_FB_VERDICT, 5);
            break;
        }
        len = i2d_SSL_SESSION(s, &der);
        if (len < 0 || (size_t)len != want_st->der_len || memcmp(der, want_st->der, want_st->der_len) != 0)
            tl_fuzz_die("take %zu: the cache hands out another session than it was given", k);
        OPENSSL_free(der);
        R.taken++;
        check_offer(w, s, want_st, want_i, step);
        SSL_SESSION_free(s);
    }
}

/* ---- set-up and the target ---------------------------------------------------- */

static tl_world *world(int tls13)
{
    tl_error err = { "" };
    tl_world **w = &G.w[tls13];

    if (G.sha256 == NULL) {
        OSSL_LIB_CTX *lc = tl_libctx(&err);
        const char *s = getenv("TICKETLAB_CT_STRICT");
        int wire;

        if (lc == NULL)
            tl_fuzz_die("harness: %s", err.msg);
        wire = tw_init(lc);
        G.sha256 = EVP_MD_fetch(lc, "SHA2-256", NULL);
        G.appdata = malloc((size_t)appdata_sizes[7]);
        if (wire != 0 || G.sha256 == NULL || G.appdata == NULL)
            tl_fuzz_die("harness: AES-128-GCM, HKDF, TLS1-PRF or SHA-256 unavailable");
        for (long i = 0; i < appdata_sizes[7]; i++)
            G.appdata[i] = (unsigned char)(i * 7);
        G.strict = s != NULL && s[0] == '1';
        s = getenv("TICKETLAB_CT_VERBOSE");
        G.verbose = s != NULL && s[0] == '1';
    }
    if (*w == NULL) {
        tl_world_config cfg;

        tl_world_config_init(&cfg);
        cfg.tls_version = tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
        cfg.seed = TL_FUZZ_SEED;
        cfg.key_source = TL_KEYS_EVP_CB;
        cfg.num_tickets = 0;   /* 1.3: the server sends none unless asked */
        cfg.server_ciphers = tls13 ? "TLS_AES_128_GCM_SHA256" : "ECDHE-ECDSA-AES128-GCM-SHA256";
        *w = tl_world_new(&cfg, &err);
        if (*w == NULL || (G.peer_key[tls13] = tl_peer_key_for_world(*w, NULL, &err)) == NULL)
            tl_fuzz_die("harness: cannot build the client-ticket world: %s", err.msg);
        /* This world is ours alone: its client reports to this target. */
        SSL_CTX_set_keylog_callback(tl_world_client_ctx(*w), keylog_cb);
        SSL_CTX_sess_set_new_cb(tl_world_client_ctx(*w), new_session_cb);
    }
    if (tl_seeds_world_reset(*w, &err) != 0)
        tl_fuzz_die("harness: world reset failed: %s", err.msg);
    return *w;
}

/* The server knobs of header byte 1. Returns 1 if they may break the handshake. */
static int set_knobs(tl_world *w, unsigned b)
{
    tl_policy *p = tl_world_policy(w);
    long app = appdata_sizes[b >> 3 & 7];
    int key = key_enc_results[b >> 6 & 3];

    SSL_CTX_set_timeout(tl_world_server_ctx(w), timeouts[b & 7]);
    if (app >= 0 && tl_policy_set_appdata(p, G.appdata, (size_t)app) != 0)
        tl_fuzz_die("out of memory");
    if (key != TL_NATURAL && tl_policy_script_key(p, 1, key) != 0)
        tl_fuzz_die("harness: policy script full");
    return key < 0 || app > 65000;
}

static unsigned fold(const char *s)
{
    unsigned h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The input's items after its four header bytes, at most MAX_ITEMS. Returns how many. */
static size_t read_items(tl_bytes *r, item *items)
{
    size_t n = 0;

    while (tl_bytes_left(r) > 0 && n < MAX_ITEMS) {
        unsigned kind = get8(r);
        size_t want_len = get16(r);

        items[n].kind = kind & 3;
        items[n].lie = kind & 8 ? (long)(kind >> 4) - 8 : 0;
        items[n].data = take(r, want_len, &items[n].len);
        n++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    item items[MAX_ITEMS];
    size_t n_items, n_expected;
    size_t idx[MAX_SESSIONS] = { 0 };   /* filled by expected_entries; gcc -O2 cannot tell */
    tl_bytes r;
    unsigned mode, knobs, frag, misc;
    size_t cut;
    tl_world *w;
    tl_error err = { "" };
    tl_cache *again;
    int risky, hs_failed;

    if (size < 4)
        return 0;
    tl_bytes_init(&r, data, size);
    mode = get8(&r);
    knobs = get8(&r);
    frag = get8(&r);
    misc = get8(&r);
    n_items = read_items(&r, items);
    cut = frag == 0 ? 0 : frag < 128 ? frag : (size_t)(frag - 127) * 128;

    memset(&R, 0, sizeof(R));
    R.tls13 = !(mode & 1);
    R.alert_sent = -1;
    w = world(R.tls13);
    R.peer_key = G.peer_key[R.tls13];
    R.cache = tl_cache_new(0, &err);
    if (R.cache == NULL)
        tl_fuzz_die("out of memory");
    risky = set_knobs(w, knobs) && !R.tls13;   /* 1.3 makes no ticket in the handshake */
    hs_failed = connect_pair(w) != 0;
    if (hs_failed) {
        tl_fuzz_feedback_events(tl_world_events(w), 0, tl_world_events(w)->n);
        tl_fuzz_feedback(TL_FB_OUTCOME, 63);
        if (!risky)
            tl_fuzz_die("harness: the handshake failed with harmless server knobs");
        if (G.verbose)
            fprintf(stderr, "client_ticket: TLS 1.%d, the server's knobs broke the handshake\n",
                    R.tls13 ? 3 : 2);
        run_free();
        ERR_clear_error();
        return 0;
    }
    if (R.tls13)
        run13(items, n_items, cut, paddings[misc & 7]);
    else
        run12(items, n_items, cut);
    tl_fuzz_feedback_events(tl_world_events(w), 0, tl_world_events(w)->n);
    tl_fuzz_feedback(TL_FB_OUTCOME, (R.tls13 ? 32u : 0u) | (R.failed ? 16u : 0u)
                                    | (unsigned)(R.n_st > 15 ? 15 : R.n_st));
    tl_fuzz_feedback(TL_FB_ALERT, (unsigned)(R.alert_sent + 1));
    if (R.reason[0])
        tl_fuzz_feedback(TL_FB_REASON, fold(R.reason));
    for (size_t i = 0; i < R.n_rx && i < MAX_RX; i++)
        tl_fuzz_feedback(TL_FB_RETURN, R.rx[i].msg[0]);

    check_sessions(w);
    n_expected = expected_entries(idx);
    R.cached = n_expected;
    again = check_round_trip(idx, n_expected, mode >> 1 & 1);
    check_take(w, again, idx, n_expected, clock_steps[misc >> 4 & 15]);
    if (G.verbose)
        fprintf(stderr, "client_ticket: TLS 1.%d, %zu genuine, %zu read, %zu stored, %zu cached, "
                "%zu taken, %zu offered, %zu withheld; client %s%s%s\n", R.tls13 ? 3 : 2,
                R.n_genuine, R.n_rx, R.n_st, R.cached, R.taken, R.offered, R.withheld,
                R.failed ? "failed: " : "fine", R.reason, R.failed ? "" : "");
    tl_cache_free(again);
    run_free();
    ERR_clear_error();
    return 0;
}
