/*
 * ct_tls13.c - fuzz_client_ticket in TLS 1.3: NewSessionTickets are
 * post-handshake messages under the server's application traffic key, so
 * one established connection takes the tickets of input after input.
 *
 * The kept connection. The client resumes the world's first session (made
 * once per process by a full handshake and one ticket in the world's first
 * state): no certificate and no signature, about a third of the cost of a
 * full handshake, and the same secrets every time, so it is the very
 * connection any input would get from a fresh one. On OpenSSL it resumes
 * by PSK alone, without a key exchange (tl_ct_lib_resume_without_dhe): it
 * is made again after every fatal alert, and X25519 was almost half of
 * that. NewSessionTickets after a resumption are what a client meets
 * most (a server renews a ticket at every resumption); header bit 2 asks
 * for a full handshake. What an input leaves behind is put back before the
 * next one:
 *   - the client's session: each NewSessionTicket replaces it with a copy
 *     (ssl_session_dup) whose ticket, lifetime, age_add, nonce-derived
 *     secret, id and time are overwritten; only max_early_data is kept from
 *     the previous ticket when the next has no early_data (OpenSSL 3.0 to
 *     4.0). When it differs from the handshake's, a reset ticket with an
 *     early_data extension of the handshake's value puts it back (the
 *     client stores nothing from it).
 *   - the keys: the target seals every record itself, so it follows the
 *     sequence number and each KeyUpdate the input sent; what the client
 *     wrote back (its own KeyUpdate) is drained.
 *   - a message cut short: when the input's claimed lengths do not end
 *     where its stream ends, the client waits for more, and the connection
 *     is dropped.
 *   - a dead client: after a fatal alert the connection is dropped.
 * A dropped connection is made again by the next input. test_ct_determinism
 * checks that every corpus input gives the same result on the kept
 * connection whatever ran before it.
 *
 * Genuine tickets. The server's own tickets (SSL_new_session_ticket) depend
 * on its knobs and on how many were asked for, never on the client, and a
 * server's ticket nonce counts up over its connection: so they are minted
 * on a connection of their own, made the same way from the world's first
 * state (same secrets), read back off the wire with the server's keys, and
 * remembered per (knobs, count) with the key callback's events (fed back as
 * if they had just happened). The server's session takes the knobs'
 * timeout, as a fresh handshake's session would (a resumed one keeps the
 * timeout of the session it resumed).
 *
 * R.full (header bit 2, or TICKETLAB_CT_FRESH=1) runs the input as before:
 * a fresh connection and full handshake of its own, the genuine tickets
 * from its own server; the kept connection is left as it is. That server's
 * part (its answer and the tickets it mints) is recorded once per (knobs,
 * count) and replayed to every client whose first flight is the recorded
 * one (full_handshake; TICKETLAB_NO_MEMO=1: live every time).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "client_ticket.h"
#include "ct_lib.h"
#include "fuzz_common.h"
#include "memo.h"

/* The connection kept between inputs. */
static struct {
    SSL *client, *server;     /* NULL when there is none (server: replayed) */
    BIO *peer;                /* the server's end of the client's pair */
    tw_keys13 k;              /* the server's write keys where the client is */
    uint32_t base_early;      /* its session's max_early_data after the handshake */
} K;

/* The server's own tickets for one (knobs, count). */
typedef struct {
    tw_bytes msg[CT_MAX_ITEMS];
    size_t n;
    tl_event_log ev;
} minted;

static minted *memo[256][CT_MAX_ITEMS + 1];
/* What the memo holds: past MINTED_MAX bytes (large app-data tickets over a
 * long campaign), a (knobs, count) not yet remembered is minted anew each
 * time into one scratch slot. Minting is deterministic, so only time differs. */
#define MINTED_MAX (64u << 20)
static size_t minted_bytes;
static minted *minted_scratch;

static void minted_free(minted *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        tw_bytes_free(&m->msg[i]);
    tl_event_log_free(&m->ev);
    free(m);
}

/* ---- records ------------------------------------------------------------ */

#define PADDED_RECORDS 4   /* the first records of an input get its padding */

typedef struct {
    tw_keys13 *k;
    long pad;
    size_t records;
} emit13_arg;

static int emit13(const unsigned char *frag, size_t n, int key_update, void *arg)
{
    emit13_arg *a = arg;
    tw_bytes rec = { 0 };
    size_t pad = a->pad >= 0 ? (size_t)a->pad : 16384 - n + (a->pad == -2 ? 1 : 0);
    int rc;

    if (a->records++ >= PADDED_RECORDS)
        pad = 0;

    tw_seal13(a->k, &rec, frag, n, pad);
    rc = tl_ct_deliver(rec.p, rec.n);
    tw_bytes_free(&rec);
    if (key_update)
        tw_keys13_update(a->k);
    return rc;
}

/* ---- the server's own tickets ------------------------------------------- */

/* Ask R.server for want_n tickets and read them back off the wire into out. */
static void mint_on_pair(size_t want_n, tw_bytes *out, size_t *n_out)
{
    tw_keys13 k;
    tw_bytes wire = { 0 }, hs = { 0 };
    tl_bytes c;
    const unsigned char *rec;
    size_t len;
    int rc;

    if (tl_ct_lib_new_tickets(R.server, want_n) != 0)
        tl_fuzz_die("harness: SSL_new_session_ticket refused");
    /* Large tickets may fill the pair: take what is written as it comes. */
    for (int i = 0; i < 64; i++) {
        rc = SSL_do_handshake(R.server);
        tl_ct_drain(SSL_get_rbio(R.client), &wire);
        if (rc == 1 || (SSL_get_error(R.server, rc) != SSL_ERROR_WANT_READ
                        && SSL_get_error(R.server, rc) != SSL_ERROR_WANT_WRITE))
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
    tw_split_messages(&hs, out, n_out, CT_MAX_ITEMS);
    tw_bytes_free(&wire);
    tw_bytes_free(&hs);
}

static void need_secret(void)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(R.client);

    if (R.secret_len != 32)
        tl_fuzz_die("harness: no SERVER_TRAFFIC_SECRET_0 in the key log");
    /* BoringSSL picks its TLS 1.3 suite itself (AES-128-GCM first where the CPU has AES). */
    if (c == NULL || SSL_CIPHER_get_protocol_id(c) != 0x1301)
        tl_fuzz_die("harness: the suite is %s, not TLS_AES_128_GCM_SHA256",
                    c ? SSL_CIPHER_get_name(c) : "none");
}

/* ---- the connection ----------------------------------------------------- */

static SSL_SESSION *first13;   /* the world's first session: every connection resumes it */

/* The world's first session: a full handshake in the world's first state
 * (natural knobs) and one ticket; the world is left there again. */
static void first_session(tl_world *w)
{
    SSL *keep_client = R.client, *keep_server = R.server;
    BIO *keep_peer = R.peer;
    unsigned char buf[64];

    tl_ct_world_reset(w);
    tl_ct_set_knobs(w, 0);
    tl_ct_lib_handshake_tickets(w, 1);
    tl_ct_new_pair(w, NULL);
    if (tl_ct_handshake() != 0 || tl_ct_lib_new_tickets(R.server, 1) != 0
        || SSL_do_handshake(R.server) != 1)
        tl_fuzz_die("harness: the first TLS 1.3 handshake failed");
    tl_ct_lib_handshake_tickets(w, 0);
    R.quiet = 1;
    (void)SSL_read(R.client, buf, sizeof(buf));   /* the ticket: checked below */
    R.quiet = 0;
    first13 = tl_ct_lib_session_after_ticket(R.client);
    if (first13 == NULL || !SSL_SESSION_is_resumable(first13)
        || !SSL_SESSION_has_ticket(first13))
        tl_fuzz_die("harness: the first TLS 1.3 handshake left no ticket to resume");
    tl_ct_free_pair();
    R.client = keep_client;
    R.server = keep_server;
    R.peer = keep_peer;
    memset(R.secret, 0, sizeof(R.secret));
    R.secret_len = 0;
    ERR_clear_error();
}

/*
 * A connection in R.client and R.server from the world's first state, knobs
 * set, for the server's own tickets: the client resumes the world's first
 * session (no certificate, and the same secrets every time). The server's
 * session takes the knobs' session timeout, which a fresh handshake's would
 * have had.
 */
static void connect(tl_world *w, unsigned knobs)
{
    SSL_SESSION *copy;
    int risky;

    if (first13 == NULL)
        first_session(w);
    tl_ct_world_reset(w);
    risky = tl_ct_set_knobs(w, knobs);
    copy = SSL_SESSION_dup(first13);
    if (copy == NULL)
        tl_fuzz_die("out of memory");
    tl_ct_new_pair(w, copy);
    SSL_SESSION_free(copy);
    tl_ct_lib_resume_without_dhe(R.client, R.server);
    if (tl_ct_handshake() != 0) {
        /* Tickets minted inside the handshake: the knobs may break it. */
        if (risky && tl_ct_lib_mints_in_handshake() && SSL_session_reused(R.client)) {
            need_secret();
            ERR_clear_error();
            return;
        }
        tl_fuzz_die("harness: the resumed TLS 1.3 handshake failed");
    }
    if (!SSL_session_reused(R.client))
        tl_fuzz_die("harness: the server did not resume the world's first session");
    need_secret();
    if (SSL_SESSION_set_timeout(SSL_get_session(R.server),
                                SSL_CTX_get_timeout(tl_world_server_ctx(w))) != 1)
        tl_fuzz_die("harness: the server's session refuses its timeout");
    ERR_clear_error();
}

/* The tickets the server mints for (knobs, want_n) on a connection of
 * their own. The world is left in its first state, knobs set. */
static const minted *genuine(tl_world *w, unsigned knobs, size_t want_n)
{
    minted *m = memo[knobs][want_n];
    SSL *keep_client = R.client, *keep_server = R.server;
    BIO *keep_peer = R.peer;
    const tl_event_log *log;
    size_t from, bytes = 0;

    if (m != NULL)
        return m;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        tl_fuzz_die("out of memory");
    tl_event_log_init(&m->ev);
    tl_ct_lib_handshake_tickets(w, want_n);
    connect(w, knobs);
    tl_ct_lib_handshake_tickets(w, 0);
    log = tl_world_events(w);
    from = tl_ct_lib_mints_in_handshake() ? 0 : log->n;   /* minted by the handshake */
    mint_on_pair(want_n, m->msg, &m->n);
    for (size_t i = from; i < log->n; i++)
        if (tl_event_log_add(&m->ev, &log->ev[i]) != 0)
            tl_fuzz_die("out of memory");
    tl_ct_free_pair();
    R.client = keep_client;
    R.server = keep_server;
    R.peer = keep_peer;
    tl_ct_world_reset(w);
    tl_ct_set_knobs(w, knobs);
    for (size_t i = 0; i < m->n; i++)
        bytes += m->msg[i].n;
    if (minted_bytes + bytes <= MINTED_MAX) {
        memo[knobs][want_n] = m;
        minted_bytes += bytes;
    } else {
        minted_free(minted_scratch);
        minted_scratch = m;
    }
    return m;
}

/* The kept connection; the world is left in its first state, knobs set. */
/* The resumed handshake as one real server answered it: the client's first
 * flight and the server's whole answer (no ticket: num_tickets is 0). */
static tw_bytes rec_hello, rec_answer;
static unsigned char rec_secret[EVP_MAX_MD_SIZE];   /* its SERVER_TRAFFIC_SECRET_0 */
static size_t rec_secret_len;

/* A real resumed handshake, its two flights recorded for replay(). */
static void record(tl_world *w)
{
    SSL_SESSION *copy = SSL_SESSION_dup(first13);
    int ok;

    if (copy == NULL)
        tl_fuzz_die("out of memory");
    tl_ct_new_pair(w, copy);
    SSL_SESSION_free(copy);
    tl_ct_lib_resume_without_dhe(R.client, R.server);
    (void)SSL_do_handshake(R.client);
    ok = tl_ct_peek(R.peer, &rec_hello) == 0;
    (void)SSL_do_handshake(R.server);
    ok = ok && tl_ct_peek(SSL_get_rbio(R.client), &rec_answer) == 0;
    if (!ok) {
        tw_bytes_free(&rec_hello);
        tw_bytes_free(&rec_answer);
    }
    if (tl_ct_handshake() != 0 || !SSL_session_reused(R.client))
        tl_fuzz_die("harness: the resumed TLS 1.3 handshake failed");
    memcpy(rec_secret, R.secret, sizeof(rec_secret));
    rec_secret_len = R.secret_len;
}

/*
 * The client's side of the recorded handshake, the server's answer written
 * by us. Returns 0, or -1 (nothing left) when the client's first flight is
 * not the recorded one. The same first flight (its key share included) and
 * the same answer make the same secrets, so the recorded traffic secret is
 * this connection's: the key log, which formats every secret of the
 * handshake as text, stays off.
 */
static int replay(tl_world *w)
{
    SSL_SESSION *copy = SSL_SESSION_dup(first13);
    SSL_CTX *ctx = tl_world_client_ctx(w);
    tw_bytes hello = { 0 };
    int same;

    if (copy == NULL)
        tl_fuzz_die("out of memory");
    tl_ct_new_client(w, copy);
    SSL_SESSION_free(copy);
    tl_ct_lib_resume_without_dhe(R.client, NULL);
    SSL_CTX_set_keylog_callback(ctx, NULL);
    (void)SSL_do_handshake(R.client);
    tl_ct_drain(R.peer, &hello);
    same = hello.n == rec_hello.n && memcmp(hello.p, rec_hello.p, hello.n) == 0;
    tw_bytes_free(&hello);
    if (!same) {
        tl_ct_client_hooks(w);
        tl_ct_free_pair();
        return -1;
    }
    if (BIO_write(R.peer, rec_answer.p, (int)rec_answer.n) != (int)rec_answer.n
        || SSL_do_handshake(R.client) != 1 || !SSL_session_reused(R.client))
        tl_fuzz_die("harness: the client refuses the recorded answer of its server");
    tl_ct_client_hooks(w);
    tl_ct_drain(R.peer, NULL);   /* its Finished */
    memcpy(R.secret, rec_secret, sizeof(R.secret));
    R.secret_len = rec_secret_len;
    return 0;
}

/*
 * The kept connection; the world is left in its first state, knobs set.
 * Made with natural knobs (they touch no resumed handshake whose server
 * sends no ticket); the server's part is the recorded answer of a real
 * server to the very same ClientHello (the world's first state makes it
 * byte for byte the same), so only the client works.
 */
static void establish(tl_world *w, unsigned knobs)
{
    if (first13 == NULL)
        first_session(w);
    tl_ct_world_reset(w);
    tl_ct_set_knobs(w, 0);
    if (rec_answer.n == 0 || replay(w) != 0) {
        tl_ct_world_reset(w);
        tl_ct_set_knobs(w, 0);
        record(w);
    }
    need_secret();
    K.client = R.client;
    K.server = R.server;
    K.peer = R.peer;
    tw_keys13_init(&K.k, R.secret, R.secret_len);
    K.base_early = SSL_SESSION_get_max_early_data(SSL_get_session(K.client));
    ERR_clear_error();
    tl_ct_world_reset(w);
    tl_ct_set_knobs(w, knobs);
}

/* The reset ticket: well-formed, with early_data of the handshake's value. */
static void reset_session(void)
{
    tw_bytes nst = { 0 };
    emit13_arg a = { &K.k, 0, 0 };

    if (SSL_SESSION_get_max_early_data(SSL_get_session(K.client)) == K.base_early)
        return;
    tw_put8(&nst, CT_HS_NST);
    tw_put24(&nst, 4 + 4 + 1 + 2 + 1 + 2 + 8);
    tw_put32(&nst, 7200);          /* lifetime */
    tw_put32(&nst, 0);             /* age_add */
    tw_put8(&nst, 0);              /* no nonce */
    tw_put16(&nst, 1);             /* a one-byte ticket */
    tw_put8(&nst, 0);
    tw_put16(&nst, 8);
    tw_put16(&nst, CT_EXT_EARLY_DATA);
    tw_put16(&nst, 4);
    tw_put32(&nst, K.base_early);
    R.quiet = 1;
    emit13(nst.p, nst.n, 0, &a);
    R.quiet = 0;
    tw_bytes_free(&nst);
    if (R.failed)
        tl_fuzz_die("the client rejected a well-formed NewSessionTicket (the target's reset "
                    "ticket): %s, alert %s", R.reason, tl_alert_name(R.alert_sent));
    if (SSL_SESSION_get_max_early_data(SSL_get_session(K.client)) != K.base_early)
        tl_fuzz_die("harness: the reset ticket did not put max_early_data back");
    ERR_clear_error();
}

/* ---- a full handshake of its own (R.full) ------------------------------- */

/* A real server's answer to the full handshake's first flight and the
 * tickets it then minted, per (knobs, count), with its callbacks' events
 * and the random stream as it left it (client and server draw from one). */
typedef struct {
    tw_bytes hello, answer;
    tw_bytes msg[CT_MAX_ITEMS];
    size_t n;
    tl_event_log ev;
    tl_rng_state rng;
} full13;

static full13 *fulls[256][CT_MAX_ITEMS + 1];
static size_t fulls_bytes;   /* what they hold: no more recordings past FULLS_MAX */

#define FULLS_MAX (64u << 20)

static void full13_free(full13 *f)
{
    tw_bytes_free(&f->hello);
    tw_bytes_free(&f->answer);
    for (size_t i = 0; i < f->n; i++)
        tw_bytes_free(&f->msg[i]);
    tl_event_log_free(&f->ev);
    free(f);
}

/* The recorded answer written to a new client when its first flight is
 * the recorded one, the recorded tickets in R.genuine. Returns 0, or -1
 * (nothing left, the world back in its first state, knobs set) when it is
 * not. */
static int full_replay(tl_world *w, unsigned knobs, const full13 *f)
{
    tw_bytes hello = { 0 };
    int same;

    tl_ct_new_client(w, NULL);
    (void)SSL_do_handshake(R.client);
    tl_ct_drain(R.peer, &hello);
    same = hello.n == f->hello.n && memcmp(hello.p, f->hello.p, hello.n) == 0;
    tw_bytes_free(&hello);
    if (!same) {
        tl_ct_free_pair();
        tl_ct_world_reset(w);
        tl_ct_set_knobs(w, knobs);
        return -1;
    }
    if (BIO_write(R.peer, f->answer.p, (int)f->answer.n) != (int)f->answer.n
        || SSL_do_handshake(R.client) != 1)
        tl_fuzz_die("harness: the client refuses the recorded answer of its server");
    tl_ct_drain(R.peer, NULL);   /* its Finished */
    for (size_t i = 0; i < f->n; i++)
        tw_put(&R.genuine[i], f->msg[i].p, f->msg[i].n);
    R.n_genuine = f->n;
    tl_fuzz_feedback_events(&f->ev, 0, f->ev.n);
    tl_rng_restore(&f->rng);
    return 0;
}

/*
 * A full handshake, certificate and key exchange included, on a connection
 * of its own in R.client, and the server's own tickets (want_n of them) in
 * R.genuine. The server's answer and tickets depend on the world's first
 * state, the knobs and how many were asked for only (a server's first
 * tickets on a connection whose client sent the recorded first flight), so
 * a real server's are recorded once and written again to every client whose
 * first flight is the recorded one: the client does all its work
 * (certificate, signature, key exchange), the server none. A genuine
 * ticket still opens to the client's resumption secret (ct_sessions.c): the
 * same flights make the same secrets.
 */
static void full_handshake(tl_world *w, unsigned knobs, size_t want_n)
{
    full13 *f = fulls[knobs][want_n];
    const tl_event_log *log = tl_world_events(w);
    size_t from;
    int ok = 1, record = f == NULL && fulls_bytes < FULLS_MAX;

    if (!tl_memo_enabled()) {   /* TICKETLAB_NO_MEMO=1: a live server every time, as before */
        f = NULL;
        record = 0;
    }
    if (f != NULL && full_replay(w, knobs, f) == 0)
        return;
    if (record && (f = calloc(1, sizeof(*f))) == NULL)
        tl_fuzz_die("out of memory");
    from = log->n;
    tl_ct_lib_handshake_tickets(w, want_n);
    tl_ct_new_pair(w, NULL);
    if (record) {
        (void)SSL_do_handshake(R.client);
        ok = tl_ct_peek(R.peer, &f->hello) == 0;
        (void)SSL_do_handshake(R.server);
        ok = ok && tl_ct_peek(SSL_get_rbio(R.client), &f->answer) == 0;
    }
    if (tl_ct_handshake() != 0   /* minting inside it, the knobs may break it */
        && !(tl_ct_lib_mints_in_handshake() && want_n && SSL_is_init_finished(R.client)))
        tl_fuzz_die("harness: the handshake failed with harmless server knobs");
    tl_ct_lib_handshake_tickets(w, 0);
    need_secret();
    if (want_n)
        mint_on_pair(want_n, R.genuine, &R.n_genuine);
    if (!record)
        return;
    tl_rng_save(&f->rng);
    for (size_t i = 0; i < R.n_genuine; i++)
        tw_put(&f->msg[i], R.genuine[i].p, R.genuine[i].n);
    f->n = R.n_genuine;
    tl_event_log_init(&f->ev);
    for (size_t i = from; ok && i < log->n; i++)
        ok = tl_event_log_add(&f->ev, &log->ev[i]) == 0;
    if (ok) {
        fulls[knobs][want_n] = f;
        fulls_bytes += f->hello.n + f->answer.n;
        for (size_t i = 0; i < f->n; i++)
            fulls_bytes += f->msg[i].n;
    } else {
        full13_free(f);
    }
}

/* The last input's messages were framed as the target framed them (no
 * length lied, so the client saw each KeyUpdate where the target did) and
 * ended where its stream ended. */
static int whole;

void tl_ct_run13(tl_world *w, unsigned knobs, const tl_ct_item *items, size_t n_items,
                 size_t cut, long pad)
{
    size_t want_genuine = 0;
    tl_ct_stream st;
    emit13_arg a;
    tw_keys13 fresh_keys;

    for (size_t i = 0; i < n_items; i++)
        want_genuine += items[i].kind == 2;
    if (R.full) {
        /* As before: a connection of its own; its server mints the tickets. */
        full_handshake(w, knobs, want_genuine);
        need_secret();
        tw_keys13_init(&fresh_keys, R.secret, R.secret_len);
        a.k = &fresh_keys;
    } else {
        if (K.client == NULL)
            establish(w, knobs);
        if (want_genuine) {
            const minted *m = genuine(w, knobs, want_genuine > CT_MAX_ITEMS ? CT_MAX_ITEMS
                                                                            : want_genuine);

            for (size_t i = 0; i < m->n; i++)
                tw_put(&R.genuine[i], m->msg[i].p, m->msg[i].n);
            R.n_genuine = m->n;
            tl_fuzz_feedback_events(&m->ev, 0, m->ev.n);
        }
        R.client = K.client;
        R.server = K.server;
        R.peer = K.peer;
        tl_ct_drain(K.peer, NULL);   /* what the client wrote back */
        reset_session();
        a.k = &K.k;
    }
    R.base_early = tl_ct_lib_max_early_data(SSL_get_session(R.client));
    memset(&st, 0, sizeof(st));
    tl_ct_build_stream(&st, items, n_items);
    a.pad = pad;
    a.records = 0;
    R.watch = 1;
    tl_ct_send_stream(&st, cut, emit13, &a);
    R.watch = 0;
    whole = st.whole && st.honest;
    tw_bytes_free(&st.data);
}

void tl_ct_end13(tl_world *w)
{
    if (!R.full && !R.failed && R.alert_sent < 0 && whole) {
        R.client = R.server = NULL;   /* kept for the next input */
        R.peer = NULL;
        return;
    }
    tl_ct_free_pair();
    if (!R.full) {
        /* Made again now rather than by the next input, so that every
         * input frees what it allocates: libFuzzer runs an input again,
         * leak check and all, when it ends with more allocations than
         * frees. */
        memset(&K, 0, sizeof(K));
        establish(w, 0);
        R.client = R.server = NULL;
        R.peer = NULL;
    }
}

void tl_ct_forget13(void)
{
    SSL *c = R.client, *s = R.server;
    BIO *p = R.peer;

    if (K.client == NULL)
        return;
    R.client = K.client;
    R.server = K.server;
    R.peer = K.peer;
    tl_ct_free_pair();
    R.client = c;
    R.server = s;
    R.peer = p;
    memset(&K, 0, sizeof(K));
}
