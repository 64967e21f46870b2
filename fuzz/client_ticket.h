/*
 * client_ticket.h - the parts of fuzz_client_ticket (fuzz/fuzz_client_ticket.c
 * describes the target, its input and its oracles), one concept per file:
 *
 *   ct_stream.c     the input's messages: structured NewSessionTickets, the
 *                   stream of handshake messages, its cut into records, and
 *                   our own reading of a NewSessionTicket (nst_view)
 *   ct_client.c     the client under test: its hooks (key log, message,
 *                   alert and new-session callbacks), a pair and a full
 *                   handshake, writing records to the client
 *   ct_tls13.c      TLS 1.3: the kept connection, its reset between inputs,
 *                   the records sealed under the server's traffic keys, the
 *                   server's own (genuine) tickets
 *   ct_tls12.c      TLS 1.2: the server's last flight rewritten, in a full
 *                   or an abbreviated (resumed, renewing) handshake
 *   ct_sessions.c   oracle 2: each NewSessionTicket against what came of it
 *   ct_cache_check.c oracles 3 and 4: the cache round trip and the offer
 *   ct_memo.c       what the costly checks concluded, by the bytes they read
 *
 * The state of one input (tl_ct_run, "R") and of the process (tl_ct_global,
 * "G") are shared by these files; OpenSSL's callbacks carry no argument of
 * ours, so they are globals. Harness faults end the process with
 * tl_fuzz_die(), so that they can never pass for a finding.
 */
#ifndef TICKETLAB_CLIENT_TICKET_H
#define TICKETLAB_CLIENT_TICKET_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "bytes.h"
#include "tls_wire.h"
#include "ticketlab/cache.h"
#include "ticketlab/rng.h"
#include "ticketlab/world.h"

/* The one suite (TLS 1.3) and cipher (TLS 1.2) the target's server takes,
 * and all its client offers (tl_ct_lib_lean_client). */
#define CT_SUITE13 "TLS_AES_128_GCM_SHA256"
#define CT_CIPHER12 "ECDHE-ECDSA-AES128-GCM-SHA256"
#define CT_MAX_ITEMS 8
#define CT_MAX_RX 64             /* messages the client reads, recorded */
#define CT_MAX_SESSIONS 64
#define CT_MAX_SECRET 64         /* a session's master key, any version */
#define CT_HS_NST 4
#define CT_HS_FINISHED 20
#define CT_HS_KEY_UPDATE 24
#define CT_EXT_SERVER_NAME 0
#define CT_EXT_SESSION_TICKET 35
#define CT_EXT_PSK 41
#define CT_EXT_EARLY_DATA 42

/* One item of the input (fuzz_client_ticket.c documents the layout). */
typedef struct tl_ct_item {
    unsigned kind;            /* 0 structured, 1 raw NST, 2 genuine, 3 raw message */
    long lie;                 /* added to the u24 length */
    const uint8_t *data;
    size_t len;
} tl_ct_item;

/* A message the client read, whole. */
typedef struct tl_ct_rx {
    unsigned char *msg;
    size_t len;
    int session;              /* index into R.st, -1 if none came from it */
} tl_ct_rx;

/* A session the client handed over. */
typedef struct tl_ct_stored {
    SSL_SESSION *sess;        /* as the client gave it (owned) */
    unsigned char *der;       /* its DER at that moment */
    size_t der_len;
    int rx;                   /* the NewSessionTicket it came from, -1 if unknown */
    int put_rc;               /* tl_cache_put's result */
    char put_err[256];
    int64_t put_time;
} tl_ct_stored;

/* The state of one input. */
typedef struct tl_ct_run {
    int tls13;
    int full;                 /* a full handshake for this input (the old path) */
    SSL *client, *server;     /* this input's pair (TLS 1.3: the kept one); the
                                 server is NULL when its part was replayed */
    BIO *peer;                /* the server's end of the pair: records go in here */
    int collect;              /* 1.2: append handshake messages to transcript */
    int watch;                /* record the messages the client reads */
    int quiet;                /* drop what the client stores (the reset ticket) */
    tw_bytes transcript;
    unsigned char secret[EVP_MAX_MD_SIZE];   /* SERVER_TRAFFIC_SECRET_0 from the key log */
    size_t secret_len;
    tl_ct_rx rx[CT_MAX_RX];
    size_t n_rx;              /* all read, also past CT_MAX_RX */
    tl_ct_stored st[CT_MAX_SESSIONS];
    size_t n_st;              /* all stored, also past CT_MAX_SESSIONS */
    int failed;               /* the client failed fatally */
    int client_done;          /* 1.2: the client finished its handshake */
    int alert_sent;
    char reason[128];
    tl_cache *cache;
    const char *peer_key;
    uint32_t base_early;      /* the connection's max_early_data before any NST */
    tw_bytes genuine[CT_MAX_ITEMS]; /* the server's own messages (1.2: its flight) */
    size_t n_genuine;
    size_t cached, taken, offered, withheld;   /* for the verbose line */
} tl_ct_run;

/* The state of the process. */
typedef struct tl_ct_global {
    tl_world *w[2];           /* [0] TLS 1.2, [1] TLS 1.3 */
    char *peer_key[2];
    EVP_MD *sha256;
    int strict;               /* TICKETLAB_CT_STRICT=1 */
    int verbose;              /* TICKETLAB_CT_VERBOSE=1: one line per input */
    int fresh;                /* TICKETLAB_CT_FRESH=1: a full handshake per input */
    unsigned char *appdata;   /* the app data pattern, CT_APPDATA_MAX bytes */
} tl_ct_global;

#define CT_APPDATA_MAX 65300

extern tl_ct_run tl_ct_r;
extern tl_ct_global tl_ct_g;
#define R tl_ct_r
#define G tl_ct_g

/* ---- fuzz_client_ticket.c ------------------------------------------------- */

/* tl_ct_set_knobs - the server knobs of header byte 1. Returns 1 if they may break a handshake. */
int tl_ct_set_knobs(tl_world *w, unsigned b);

/* tl_ct_world_reset - the world back to its first state (TL_FUZZ_SEED, natural policy). */
void tl_ct_world_reset(tl_world *w);

/*
 * tl_ct_fingerprint - with tl_ct_fingerprint_on() called first, a hash of
 * everything the last input showed: the messages the client read, its
 * alert and error, every session it stored (DER), the cache's verdicts and
 * the verbose line. Two runs of an input are alike when these are equal.
 */
void tl_ct_fingerprint_on(void);
uint64_t tl_ct_fingerprint(void);

/* ---- ct_stream.c ---------------------------------------------------------- */

/* A NewSessionTicket body, as our own reading of the RFCs sees it. */
typedef struct tl_ct_nst {
    int ok;                   /* well-formed (RFC 8446 4.6.1 / RFC 5077 3.3) */
    int plain;                /* ok, with no extension but one early_data */
    int repeats;              /* an extension type occurs twice */
    const char *why;          /* what is wrong, when !ok */
    uint32_t lifetime, age_add;
    const unsigned char *nonce, *ticket;
    size_t nonce_len, ticket_len;
    int has_early;
    uint32_t early;
} tl_ct_nst;

/* The messages the input sends, back to back. */
typedef struct tl_ct_stream {
    tw_bytes data;
    size_t end[CT_MAX_ITEMS];  /* where each ends */
    int key_update[CT_MAX_ITEMS];
    size_t n;
    int single_nst;            /* exactly one NST, honestly framed, well-formed */
    int whole;                 /* the claimed lengths end where the stream ends */
    int honest;                /* no message lies about its length */
} tl_ct_stream;

/* tl_ct_get8/16/32 - read big-endian, as if zeros followed the input. */
unsigned tl_ct_get8(tl_bytes *r);
unsigned tl_ct_get16(tl_bytes *r);
uint32_t tl_ct_get32(tl_bytes *r);

/* tl_ct_take - up to `want` bytes (fewer at the end); *got says how many. */
const uint8_t *tl_ct_take(tl_bytes *r, size_t want, size_t *got);

/* tl_ct_parse_nst - read the body b (n bytes) of a NewSessionTicket into *v. */
void tl_ct_parse_nst(const unsigned char *b, size_t n, int tls13, tl_ct_nst *v);

/* tl_ct_build_stream - the input's items as messages (genuine ones from R.genuine). */
void tl_ct_build_stream(tl_ct_stream *st, const tl_ct_item *items, size_t n_items);

/*
 * tl_ct_send_stream - cut st into records of at most `cut` bytes (0: one
 * message per record; from the 64th record on, the rest of the stream in
 * records of up to 2^14 bytes) and hand each to emit() with whether a
 * KeyUpdate ends in it. Returns 0, or -1 once emit() said the client is dead.
 */
int tl_ct_send_stream(const tl_ct_stream *st, size_t cut,
                      int (*emit)(const unsigned char *, size_t, int, void *), void *arg);

/* ---- ct_client.c ---------------------------------------------------------- */

/* tl_ct_client_hooks - install the target's callbacks on world w's client SSL_CTX. */
void tl_ct_client_hooks(tl_world *w);

/*
 * tl_ct_new_pair - a client and a server of world w over a fresh BIO pair
 * in R.client and R.server (R.peer: the server's end), hooks on; the
 * client offers `sess` if not NULL. tl_ct_new_client makes the client
 * only: whatever writes into R.peer speaks for the server.
 */
/* tl_ct_peek - append what `from` holds for its reader to *out, leaving it
 * there (the recorded flights of ct_tls12.c and ct_tls13.c). Returns 0, or
 * -1 when the BIO holds nothing or not all of it in one piece. */
int tl_ct_peek(BIO *from, tw_bytes *out);

void tl_ct_new_pair(tl_world *w, SSL_SESSION *sess);
void tl_ct_new_client(tl_world *w, SSL_SESSION *sess);

/* tl_ct_handshake - run the pair's handshake: TLS 1.3 until both are done,
 * TLS 1.2 until the server is (its last flight unread). Returns 0 or -1. */
int tl_ct_handshake(void);

/* tl_ct_handshake_rec - tl_ct_handshake(), and in its first `max` rounds
 * what each side wrote (cflight[k], sflight[k]: appended, nothing when the
 * side wrote nothing in one piece) and the random stream's state after the
 * server's turn (rng[k]); *rounds (may be NULL) says how many rounds it
 * took. Returns 0 or -1. */
int tl_ct_handshake_rec(tw_bytes *cflight, tw_bytes *sflight, tl_rng_state *rng, size_t max,
                        size_t *rounds);

/* tl_ct_free_pair - free R.client, R.server and R.peer (NULL allowed). */
void tl_ct_free_pair(void);

/* tl_ct_deliver - write one record to the client and let it read. Returns 0, or -1 once it is dead. */
int tl_ct_deliver(const unsigned char *rec, size_t n);

/* tl_ct_drain - everything in `from` (a pair end) appended to out (out may be NULL: dropped). */
void tl_ct_drain(BIO *from, tw_bytes *out);

/* tl_ct_store - keep sess (owned) as a session the client handed over, tied
 * to the NewSessionTicket it came from, and put it into R.cache. */
void tl_ct_store(SSL_SESSION *sess);

/* tl_ct_run_clear - free what one input collected (not the pair: free or
 * keep it first) and zero R. */
void tl_ct_run_clear(void);

/* ---- ct_tls13.c ----------------------------------------------------------- */

/*
 * tl_ct_run13 - deliver the input's messages to the TLS 1.3 client: on the
 * kept connection (made when there is none, reset to its first state), or
 * on a new one when R.full. knobs: header byte 1 (the genuine tickets).
 */
void tl_ct_run13(tl_world *w, unsigned knobs, const tl_ct_item *items, size_t n_items,
                 size_t cut, long pad);

/* tl_ct_end13 - after the oracles: keep the connection if it is fit for
 * the next input, else make a new one (in world w) for it. */
void tl_ct_end13(tl_world *w);

/* tl_ct_forget13 - drop the kept connection: the next input makes a new one. */
void tl_ct_forget13(void);

/* ---- ct_tls12.c ----------------------------------------------------------- */

/*
 * tl_ct_run12 - the TLS 1.2 handshake with the input's messages in the
 * ticket's place: a full one when R.full, else an abbreviated one resuming
 * the world's first session, renewed. knobs: header byte 1, already set.
 * Returns 0, or -1 when the server's knobs broke the handshake before its
 * last flight.
 */
int tl_ct_run12(tl_world *w, unsigned knobs, const tl_ct_item *items, size_t n_items,
                size_t cut);

/* ---- ct_sessions.c -------------------------------------------------------- */

/* tl_ct_check_sessions - oracle 2: every NewSessionTicket the client read against what it stored. */
void tl_ct_check_sessions(tl_world *w);

/* tl_ct_view_of - the view of the NewSessionTicket behind session i, NULL if unknown. */
const tl_ct_nst *tl_ct_view_of(size_t i, tl_ct_nst *v);

/* ---- ct_cache_check.c ----------------------------------------------------- */

/*
 * tl_ct_check_cache - oracles 3 and 4: what the cache holds, its export,
 * import (by_hash: by salted hash) and export again, then after the clock
 * moves `step` seconds what it hands out and what the client offers.
 */
void tl_ct_check_cache(tl_world *w, int by_hash, int64_t step);

/* ---- ct_memo.c ------------------------------------------------------------ */

/* What a remembered check concluded: at most this many bytes. */
#define CT_MEMO_VAL_MAX 64

/* The checks remembered, one key space each. */
enum {
    CT_MEMO_DER_STABLE = 1,   /* a stored DER parses whole and re-encodes to itself */
    CT_MEMO_OFFER,            /* the offer of a taken session (ct_cache_check.c) */
    CT_MEMO_GENUINE           /* a genuine ticket, opened: the server's secret */
};

/*
 * tl_ct_memo_get - what check `kind` concluded from the bytes head || body,
 * if it was remembered: returns 1 and copies the value into val (may be
 * NULL) and its length into *val_len (may be NULL); returns 0 when it was
 * not, or when memos are off (TICKETLAB_NO_MEMO=1).
 */
int tl_ct_memo_get(unsigned kind, const void *head, size_t head_len,
                   const unsigned char *body, size_t body_len, unsigned char *val, size_t *val_len);

/*
 * tl_ct_memo_put - remember that check `kind` passed on head || body with
 * the value val (val_len <= CT_MEMO_VAL_MAX bytes). Does nothing when memos
 * are off; forgets everything when the memory is full. Ends the process
 * when the first allocation fails.
 */
void tl_ct_memo_put(unsigned kind, const void *head, size_t head_len,
                    const unsigned char *body, size_t body_len, const unsigned char *val,
                    size_t val_len);

#endif
