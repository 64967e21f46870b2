/*
 * fuzz_client_ticket - NewSessionTickets as an OpenSSL client receives them,
 * and what the client cache (cache.h, curl-style) then does with them.
 * BoringSSL and AWS-LC clients too: where their rules differ (a TLS 1.3
 * session's timeout instead of its hint, the age they offer, genuine tickets
 * minted in the handshake, ...) the oracles follow ct_lib.c, and
 * TICKETLAB_CT_VERBOSE=1 says what takes another form there or does not
 * apply (docs/libraries.md).
 *
 * How. The target speaks for the server itself: it seals the input's
 * messages into records under the server's keys and lets the client read
 * them, so that the client sees what no real server would send. Everything
 * runs in this target's own cached world (one suite only:
 * TLS_AES_128_GCM_SHA256, or ECDHE-ECDSA-AES128-GCM-SHA256 for TLS 1.2; the
 * server's num_tickets is 0) from the reset seed and the frozen clock, so
 * that an input gives the same result whatever ran before it.
 *
 *   TLS 1.3 (ct_tls13.c). NewSessionTickets are post-handshake messages
 *   under the server's application traffic key. One connection (the
 *   client resumes the world's first session) is kept from input to input
 *   (a full handshake per input cost about 1 ms), put back to its first
 *   state before each; it is made again after the client sent a fatal
 *   alert or was left waiting for the rest of a message. The
 *   client's key log gives SERVER_TRAFFIC_SECRET_0; key and IV come from
 *   HKDF-Expand-Label (RFC 8446 7.3). The target seals the records itself
 *   (AES-128-GCM, nonce = IV XOR sequence number, AAD = the record header)
 *   and writes them into the client's side of the pair. A KeyUpdate the
 *   input sends moves the target to the next secret ("traffic upd"), as a
 *   real server would, after the record it ends in.
 *
 *   TLS 1.2 (ct_tls12.c). The NewSessionTicket is part of the handshake,
 *   covered by the server's Finished: an abbreviated one by default (the
 *   client resumes the world's first session, the server renews its
 *   ticket: no certificate, no key exchange). The target takes the server's
 *   last flight off the wire before the client reads it, puts the input's
 *   messages in the ticket's place and writes a new Finished: the PRF over
 *   the new transcript with the master secret, sealed with the server write
 *   key of the key block. The server's own Finished is checked against our
 *   computation on every input, so a fault in this machinery cannot pass
 *   for a finding.
 *
 *   Header bit 2 (or TICKETLAB_CT_FRESH=1 for every input) asks for a full
 *   handshake on a connection of its own, as the target did before: the
 *   tickets then come after a certificate and a key exchange, and in TLS
 *   1.2 the client's new-session callback stores them. The client does all
 *   of its work; the server's part (and, in TLS 1.3, the genuine tickets
 *   it mints) is a real server's, recorded once per knobs and written again
 *   whenever the client's flights are the recorded ones
 *   (TICKETLAB_NO_MEMO=1: a live server every time).
 *
 *   Genuine tickets are the server's own (1.3: SSL_new_session_ticket, read
 *   back off the wire with the same keys; 1.2: the one in its flight),
 *   shaped by the input's server knobs: the session timeout (the lifetime
 *   hint), app data (the ticket's size), what the key callback returns on
 *   encrypt (0: no ticket in 1.3, an empty one in 1.2).
 *
 * The client's new-session callback puts each session into a tl_cache at
 * once, as curl does from the same callback (a resumed TLS 1.2 handshake
 * calls no callback: the session the client holds once it is done).
 *
 * Input: 4 header bytes, then up to 8 items.
 *   [0] bit 0: TLS 1.2 (else 1.3); bit 1: re-import by salted hash (else by
 *       key); bit 2: a full handshake on a fresh connection (see above)
 *   [1] server knobs: bits 0-2 session timeout, bits 3-5 app data size,
 *       bits 6-7 the key callback's result on encrypt (see the tables below)
 *   [2] records: 0 one message per record; 1..127 all messages as one stream
 *       cut every n bytes; 128..255 cut every (n - 127) * 128 bytes; from
 *       the 64th record on, the rest in records of up to 2^14 bytes (a
 *       65,535-byte ticket cut every byte was 65,535 records: seconds of
 *       an instrumented campaign for what 64 fragments show)
 *   [3] bits 0-2 TLS 1.3 record padding, of the first 4 records; bits 4-7
 *       how far the clock moves before the cache hands the sessions out
 *       (see the tables)
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
 *   2. Per NewSessionTicket the client read (ct_sessions.c): accepted (a session came out of
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
 *   3. The cache (ct_cache_check.c): a session the client stored is kept unless its DER is over
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
 * The costly checks that are functions of bytes alone are remembered by
 * those bytes (ct_memo.c; TICKETLAB_NO_MEMO=1 turns it off): the offer (a
 * ClientHello, its key share included) by the taken session's DER, the
 * clock and the NST's lifetime and age_add; the re-encoding by the DER; a
 * genuine ticket's opening by the ticket. A session seen before is checked
 * in full again where it is cheap (its export, import, take and DER
 * against what the client stored); a new one pays for everything.
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
 * writers, cache.c put/export/import/take, and TLS 1.2 ticket renewal on
 * resumption. Not reached: a stored ticket used for a real resumption or for
 * early data (the offer is checked in the ClientHello only), TLS 1.3
 * tickets after a resumed handshake or a HelloRetryRequest, SHA-384 suites.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "client_ticket.h"
#include "ct_lib.h"
#include "fuzz_common.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"

/* Server knobs and steps, indexed by the header bits. */
static const long timeouts[8] = { 7200, 1, 60, 3600, 86400, 604800, 604801, 2147483647 };
static const long appdata_sizes[8] = { -1, 0, 16, 1000, 16000, 32000, 60000, CT_APPDATA_MAX };
static const int key_enc_results[4] = { TL_NATURAL, 0, -1, 2 };
static const long paddings[8] = { 0, 1, 15, 255, 4096, -1 /* to 2^14 + 1 */,
                                  -2 /* one byte over */, 40000 };
static const int64_t clock_steps[16] = { 0, 1, 2, 60, 61, 62, 3600, 7199, 7200, 7201,
                                         86399, 86400, 86401, 604800, 604801, 1000000 };

/* ---- set-up ------------------------------------------------------------- */

void tl_ct_world_reset(tl_world *w)
{
    tl_error err = { "" };

    if (tl_seeds_world_reset(w, &err) != 0)
        tl_fuzz_die("harness: world reset failed: %s", err.msg);
}

static int env_on(const char *name)
{
    const char *s = getenv(name);

    return s != NULL && s[0] == '1';
}

static tl_world *world(int tls13)
{
    tl_error err = { "" };
    tl_world **w = &G.w[tls13];

    if (G.sha256 == NULL) {
        G.sha256 = tw_init();
        G.appdata = malloc(CT_APPDATA_MAX);
        if (G.sha256 == NULL || G.appdata == NULL)
            tl_fuzz_die("harness: AES-128-GCM or SHA-256 unavailable");
        for (long i = 0; i < CT_APPDATA_MAX; i++)
            G.appdata[i] = (unsigned char)(i * 7);
        G.strict = env_on("TICKETLAB_CT_STRICT");
        G.verbose = env_on("TICKETLAB_CT_VERBOSE");
        G.fresh = env_on("TICKETLAB_CT_FRESH");
        tl_ct_lib_note();
    }
    if (*w == NULL) {
        tl_world_config cfg;

        tl_world_config_init(&cfg);
        cfg.tls_version = tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
        cfg.seed = TL_FUZZ_SEED;
        cfg.key_source = tl_seeds_key_source(TL_KEYS_EVP_CB);   /* BoringSSL, AWS-LC: HMAC_CTX */
        cfg.num_tickets = 0;   /* 1.3: the server sends none unless asked */
#if TL_TLSLIB_OPENSSL || defined(OPENSSL_IS_AWSLC)
        cfg.server_ciphers = tls13 ? CT_SUITE13 : CT_CIPHER12;
#else
        /* BoringSSL's TLS 1.3 suites are fixed (need_secret checks it took AES-128-GCM). */
        cfg.server_ciphers = tls13 ? NULL : CT_CIPHER12;
#endif
        *w = tl_world_new(&cfg, &err);
        if (*w == NULL || (G.peer_key[tls13] = tl_peer_key_for_world(*w, NULL, &err)) == NULL)
            tl_fuzz_die("harness: cannot build the client-ticket world: %s", err.msg);
        /* This world is ours alone: its client reports to this target. */
        tl_ct_client_hooks(*w);
        tl_ct_lib_lean_client(tl_world_client_ctx(*w));
    }
    tl_ct_world_reset(*w);
    return *w;
}

int tl_ct_set_knobs(tl_world *w, unsigned b)
{
    tl_policy *p = tl_world_policy(w);
    long app = appdata_sizes[b >> 3 & 7];
    int key = tl_ct_lib_key_enc(key_enc_results[b >> 6 & 3]);

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

/* The input's items after its four header bytes, at most CT_MAX_ITEMS. Returns how many. */
static size_t read_items(tl_bytes *r, tl_ct_item *items)
{
    size_t n = 0;

    while (tl_bytes_left(r) > 0 && n < CT_MAX_ITEMS) {
        unsigned kind = tl_ct_get8(r);
        size_t want_len = tl_ct_get16(r);

        items[n].kind = kind & 3;
        items[n].lie = kind & 8 ? (long)(kind >> 4) - 8 : 0;
        items[n].data = tl_ct_take(r, want_len, &items[n].len);
        n++;
    }
    return n;
}

/* ---- what an input showed ----------------------------------------------- */

static int fingerprint_on;
static uint64_t fingerprint;

static uint64_t fold_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return (h ^ n) * 1099511628211ull;
}

void tl_ct_fingerprint_on(void)
{
    fingerprint_on = 1;
}

uint64_t tl_ct_fingerprint(void)
{
    return fingerprint;
}

static void take_fingerprint(const char *line)
{
    uint64_t h = 14695981039346656037ull;
    int nums[3] = { R.tls13, R.failed, R.alert_sent };

    h = fold_bytes(h, nums, sizeof(nums));
    h = fold_bytes(h, R.reason, strlen(R.reason));
    h = fold_bytes(h, line, strlen(line));
    for (size_t i = 0; i < R.n_rx && i < CT_MAX_RX; i++)
        h = fold_bytes(h, R.rx[i].msg, R.rx[i].len);
    for (size_t i = 0; i < R.n_st && i < CT_MAX_SESSIONS; i++)
        h = fold_bytes(fold_bytes(h, R.st[i].der, R.st[i].der_len), &R.st[i].put_rc,
                       sizeof(R.st[i].put_rc));
    fingerprint = h;
}

/* ---- the target --------------------------------------------------------- */

/* The server's knobs broke the TLS 1.2 handshake: fine when they may. */
static void knobs_broke(tl_world *w, int risky)
{
    tl_fuzz_feedback_events(tl_world_events(w), 0, tl_world_events(w)->n);
    tl_fuzz_feedback(TL_FB_OUTCOME, 63);
    if (!risky)
        tl_fuzz_die("harness: the handshake failed with harmless server knobs");
    if (G.verbose)
        fprintf(stderr, "client_ticket: TLS 1.2, the server's knobs broke the handshake\n");
    if (fingerprint_on)
        take_fingerprint("knobs broke the handshake");
    tl_ct_free_pair();
    tl_ct_run_clear();
    ERR_clear_error();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tl_ct_item items[CT_MAX_ITEMS];
    size_t n_items;
    tl_bytes r;
    unsigned mode, knobs, frag, misc;
    size_t cut;
    tl_world *w;
    tl_error err = { "" };
    int risky;

    if (size < 4)
        return 0;
    tl_bytes_init(&r, data, size);
    mode = tl_ct_get8(&r);
    knobs = tl_ct_get8(&r);
    frag = tl_ct_get8(&r);
    misc = tl_ct_get8(&r);
    n_items = read_items(&r, items);
    cut = frag == 0 ? 0 : frag < 128 ? frag : (size_t)(frag - 127) * 128;

    memset(&R, 0, sizeof(R));
    R.tls13 = !(mode & 1);
    R.alert_sent = -1;
    w = world(R.tls13);
    R.full = G.fresh || (mode & 4) != 0;
    R.peer_key = G.peer_key[R.tls13];
    R.cache = tl_cache_new(0, &err);
    if (R.cache == NULL)
        tl_fuzz_die("out of memory");
    risky = tl_ct_set_knobs(w, knobs) && !R.tls13;   /* 1.3 makes no ticket in the handshake */
    if (R.tls13) {
        tl_ct_run13(w, knobs, items, n_items, cut, paddings[misc & 7]);
    } else if (tl_ct_run12(w, knobs, items, n_items, cut) != 0) {
        knobs_broke(w, risky);
        return 0;
    }
    tl_fuzz_feedback_events(tl_world_events(w), 0, tl_world_events(w)->n);
    tl_fuzz_feedback(TL_FB_OUTCOME, (R.tls13 ? 32u : 0u) | (R.failed ? 16u : 0u)
                                    | (unsigned)(R.n_st > 15 ? 15 : R.n_st));
    tl_fuzz_feedback(TL_FB_ALERT, (unsigned)(R.alert_sent + 1));
    if (R.reason[0])
        tl_fuzz_feedback(TL_FB_REASON, fold(R.reason));
    for (size_t i = 0; i < R.n_rx && i < CT_MAX_RX; i++)
        tl_fuzz_feedback(TL_FB_RETURN, R.rx[i].msg[0]);

    tl_ct_check_sessions(w);
    tl_ct_check_cache(w, mode >> 1 & 1, clock_steps[misc >> 4 & 15]);
    if (G.verbose || fingerprint_on) {
        char line[512];

        snprintf(line, sizeof(line), "client_ticket: TLS 1.%d, %zu genuine, %zu read, %zu "
                 "stored, %zu cached, %zu taken, %zu offered, %zu withheld; client %s%s",
                 R.tls13 ? 3 : 2, R.n_genuine, R.n_rx, R.n_st, R.cached, R.taken, R.offered,
                 R.withheld, R.failed ? "failed: " : "fine", R.reason);
        if (G.verbose)
            fprintf(stderr, "%s\n", line);
        if (fingerprint_on)
            take_fingerprint(line);
    }
    if (R.tls13)
        tl_ct_end13(w);
    else
        tl_ct_free_pair();
    tl_ct_run_clear();
    ERR_clear_error();
    return 0;
}
