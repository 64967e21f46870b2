/*
 * ct_tls12.c - fuzz_client_ticket in TLS 1.2: the NewSessionTicket is part
 * of the handshake, covered by the server's Finished. The target takes the
 * server's last flight off the wire before the client reads it, puts the
 * input's messages in the ticket's place and writes a new Finished: the PRF
 * over the new transcript with the master secret, sealed with the server
 * write key of the key block. The server's own Finished is checked against
 * our computation on every input, so a fault in this machinery cannot pass
 * for a finding.
 *
 * Abbreviated (the default). The client resumes the world's first session
 * (made once per process by a full handshake from the world's first state)
 * and the server renews its ticket (the decrypt callback returns
 * USE_RENEW): its last flight is ServerHello, NewSessionTicket,
 * ChangeCipherSpec, Finished, with no certificate and no key exchange. The
 * ServerHello goes to the client as it is, the input's messages in the
 * ticket's place. The server's answer depends on its knobs only (the
 * world's first state makes the client's first flight the same every
 * time): a real server's answer is recorded once per knobs value, with its
 * callbacks' events, and written to the client again by the next inputs
 * with those knobs, so that only the client works. OpenSSL hands a renewed
 * ticket to no new-session callback
 * (ssl_update_cache skips a resumed TLS 1.2 handshake), so the target takes
 * the client's session once the handshake is done (SSL_get1_session), as an
 * application that stores sessions that way does, when it is a new one
 * (an empty ticket leaves the client with the session it resumed).
 *
 * Full (R.full: header bit 2, or TICKETLAB_CT_FRESH=1), as before: a full
 * handshake, certificate and key exchange included; the flight is
 * NewSessionTicket, ChangeCipherSpec, Finished, and the client's
 * new-session callback stores what it accepted. Its server's two flights
 * are recorded once per knobs and replayed, like the abbreviated answer
 * (full_handshake; TICKETLAB_NO_MEMO=1: live every time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "client_ticket.h"
#include "ct_lib.h"
#include "fuzz_common.h"
#include "memo.h"

static SSL_SESSION *first12;   /* the world's first session */
static SSL_SESSION *offered;   /* this input's copy of it: OpenSSL marks the session
                                  it resumed not resumable once a new ticket came */

static int emit12(const unsigned char *frag, size_t n, int key_update, void *arg)
{
    unsigned char hdr[5] = { SSL3_RT_HANDSHAKE, 3, 3, (unsigned char)(n >> 8), (unsigned char)n };
    tw_bytes rec = { 0 };
    int rc;

    (void)key_update;
    (void)arg;
    tw_put(&rec, hdr, 5);
    tw_put(&rec, frag, n);
    rc = tl_ct_deliver(rec.p, rec.n);
    tw_bytes_free(&rec);
    return rc;
}

/* verify_data of the server's Finished over transcript || lead || extra. */
static void server_finished(const unsigned char *ms, const tw_bytes *lead, const tw_bytes *extra,
                            unsigned char vd[12])
{
    unsigned char hash[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    if (md == NULL || EVP_DigestInit_ex(md, G.sha256, NULL) != 1
        || EVP_DigestUpdate(md, R.transcript.p, R.transcript.n) != 1
        || (lead->n && EVP_DigestUpdate(md, lead->p, lead->n) != 1)
        || (extra->n && EVP_DigestUpdate(md, extra->p, extra->n) != 1)
        || EVP_DigestFinal_ex(md, hash, NULL) != 1)
        tl_fuzz_die("harness: SHA-256 failed");
    EVP_MD_CTX_free(md);
    tw_prf12(ms, 48, "server finished", hash, sizeof(hash), vd, 12);
}

/* The world's first session, from a full handshake in its first state; the
 * world is left there again. */
static SSL_SESSION *first_session(tl_world *w)
{
    SSL *keep_client = R.client, *keep_server = R.server;
    BIO *keep_peer = R.peer;

    if (first12 != NULL)
        return first12;
    tl_ct_world_reset(w);
    tl_ct_set_knobs(w, 0);   /* natural: the same first session in every process */
    tl_ct_new_pair(w, NULL);
    R.quiet = 1;
    if (tl_ct_handshake() != 0 || SSL_do_handshake(R.client) != 1)
        tl_fuzz_die("harness: the first TLS 1.2 handshake failed");
    R.quiet = 0;
    R.collect = 0;
    tw_bytes_free(&R.transcript);
    first12 = SSL_get1_session(R.client);
    if (first12 == NULL || !SSL_SESSION_is_resumable(first12))
        tl_fuzz_die("harness: the first TLS 1.2 handshake left no resumable session");
    tl_ct_free_pair();
    R.client = keep_client;
    R.server = keep_server;
    R.peer = keep_peer;
    ERR_clear_error();
    tl_ct_world_reset(w);
    return first12;
}

/* The server's answer to the client's first flight, per server knobs: a
 * real server's, recorded once with its callbacks' events, and written to
 * the client again whenever the client's first flight is the same (the
 * world's first state makes it so). */
typedef struct {
    tw_bytes hello, answer;
    unsigned char server_random[32];
    int broke;                /* the knobs broke the server's handshake */
    int checked;              /* its Finished matched ours with kb (see tl_ct_run12) */
    unsigned char kb[40];     /* the key block then */
    tl_event_log ev;
} answer12;

static answer12 *answers[256];
static unsigned char server_random[32];   /* this input's */
static answer12 *flight_of;               /* the recorded answer this input's flight is, or NULL */

/* The client's first flight, into R.transcript as well. */
static void client_hello(void)
{
    int rc;

    R.collect = 1;
    rc = SSL_do_handshake(R.client);
    if (rc == 1 || SSL_get_error(R.client, rc) != SSL_ERROR_WANT_READ)
        tl_fuzz_die("harness: the TLS 1.2 client does not wait for the server");
    R.collect = 0;
}

/* A real server answers the client; its answer is recorded for knobs.
 * Returns 0, or -1 when the server failed. */
static int live_answer(tl_world *w, unsigned knobs, int record)
{
    answer12 *a = record ? calloc(1, sizeof(*a)) : NULL;
    const tl_event_log *log = tl_world_events(w);
    int rc, ok;

    tl_ct_new_pair(w, offered);
    client_hello();
    ok = a != NULL && tl_ct_peek(R.peer, &a->hello) == 0;
    rc = SSL_do_handshake(R.server);
    if (a != NULL) {
        a->broke = rc == 1 || SSL_get_error(R.server, rc) != SSL_ERROR_WANT_READ;
        ok = ok && (a->broke || tl_ct_peek(SSL_get_rbio(R.client), &a->answer) == 0);
        tl_event_log_init(&a->ev);
        for (size_t i = 0; ok && i < log->n; i++)
            ok = tl_event_log_add(&a->ev, &log->ev[i]) == 0;
        if (SSL_get_server_random(R.server, a->server_random, 32) != 32)
            ok = 0;
        if (ok) {
            answers[knobs] = a;
            flight_of = a;
        } else {
            tw_bytes_free(&a->hello);
            tw_bytes_free(&a->answer);
            tl_event_log_free(&a->ev);
            free(a);
        }
    }
    if (rc == 1 || SSL_get_error(R.server, rc) != SSL_ERROR_WANT_READ)
        return -1;
    if (!SSL_session_reused(R.server))
        tl_fuzz_die("harness: the server did not resume the world's first session");
    if (SSL_get_server_random(R.server, server_random, sizeof(server_random)) != 32)
        tl_fuzz_die("harness: no TLS 1.2 server random");
    return 0;
}

/*
 * The client's first flight and the server's answer, the server renewing
 * the ticket it decrypts: the recorded answer for these knobs when the
 * client's flight is the recorded one, else a real server's. Returns 0, or
 * -1 when the server failed.
 */
static int resume(tl_world *w, unsigned knobs)
{
    tl_policy *p = tl_world_policy(w);
    const answer12 *a = answers[knobs];
    tw_bytes hello = { 0 };
    int same;

    if (tl_ct_lib_renew(p) != 0)
        tl_fuzz_die("harness: the policy refuses to renew");
    offered = SSL_SESSION_dup(first12);
    if (offered == NULL)
        tl_fuzz_die("out of memory");
    if (a == NULL)
        return live_answer(w, knobs, 1);
    tl_ct_new_client(w, offered);
    client_hello();
    tl_ct_drain(R.peer, &hello);
    same = hello.n == a->hello.n && memcmp(hello.p, a->hello.p, hello.n) == 0;
    tw_bytes_free(&hello);
    if (!same) {   /* never seen: a real server, from the first state again */
        tl_ct_free_pair();
        tw_bytes_free(&R.transcript);
        tl_ct_world_reset(w);
        tl_ct_set_knobs(w, knobs);
        if (tl_ct_lib_renew(p) != 0)
            tl_fuzz_die("harness: the policy refuses to renew");
        return live_answer(w, knobs, 0);
    }
    tl_fuzz_feedback_events(&a->ev, 0, a->ev.n);
    if (a->broke)
        return -1;
    flight_of = answers[knobs];
    if (BIO_write(R.peer, a->answer.p, (int)a->answer.n) != (int)a->answer.n)
        tl_fuzz_die("harness: the server's recorded answer does not fit in the pair");
    memcpy(server_random, a->server_random, sizeof(server_random));
    return 0;
}

/* ---- a full handshake (R.full) ------------------------------------------ */

/* A full handshake as one real server answered it, per knobs: the client's
 * two flights, the server's two answers (its last flight, the ticket's,
 * unread), the random stream after each (client and server draw from the
 * same one), its random and its callbacks' events. */
typedef struct {
    tw_bytes hello[2], answer[2];
    tl_rng_state rng[2];
    unsigned char server_random[32];
    tl_event_log ev;
} full12;

static full12 *fulls[256];

static void full12_free(full12 *f)
{
    for (int k = 0; k < 2; k++) {
        tw_bytes_free(&f->hello[k]);
        tw_bytes_free(&f->answer[k]);
    }
    tl_event_log_free(&f->ev);
    free(f);
}

/* The client's next flight is the recorded one. */
static int same_flight(const tw_bytes *want)
{
    tw_bytes got = { 0 };
    int same;

    tl_ct_drain(R.peer, &got);
    same = got.n == want->n && memcmp(got.p, want->p, got.n) == 0;
    tw_bytes_free(&got);
    return same;
}

/* The recorded handshake with a new client (its transcript collected),
 * the server's last flight left unread. Returns 0, or -1 (nothing left,
 * the world back in its first state, knobs set) when the client's flights
 * are not the recorded ones. */
static int full_replay(tl_world *w, unsigned knobs, const full12 *f)
{
    int same;

    tl_ct_new_client(w, NULL);
    R.collect = 1;
    (void)SSL_do_handshake(R.client);
    same = same_flight(&f->hello[0]);
    if (same) {
        if (BIO_write(R.peer, f->answer[0].p, (int)f->answer[0].n) != (int)f->answer[0].n)
            tl_fuzz_die("harness: the server's recorded answer does not fit in the pair");
        tl_rng_restore(&f->rng[0]);   /* what the server drew, drawn */
        (void)SSL_do_handshake(R.client);
        same = same_flight(&f->hello[1]);
    }
    R.collect = 0;
    if (!same) {
        tl_ct_free_pair();
        tw_bytes_free(&R.transcript);
        tl_ct_world_reset(w);
        tl_ct_set_knobs(w, knobs);
        return -1;
    }
    if (BIO_write(R.peer, f->answer[1].p, (int)f->answer[1].n) != (int)f->answer[1].n)
        tl_fuzz_die("harness: the server's recorded answer does not fit in the pair");
    tl_rng_restore(&f->rng[1]);
    memcpy(server_random, f->server_random, sizeof(server_random));
    tl_fuzz_feedback_events(&f->ev, 0, f->ev.n);
    return 0;
}

/*
 * A full handshake, certificate and key exchange included, up to the
 * server's last flight (unread). Its server depends on the world's first
 * state and the knobs only, so a real server's flights are recorded once
 * (two rounds: hello, then key exchange and Finished) and written again to
 * every client whose flights are the recorded ones: the client does all
 * its work (certificate, signature, key exchange), the server none.
 * Returns 0, or -1 when the server's knobs broke the handshake.
 */
static int full_handshake(tl_world *w, unsigned knobs)
{
    full12 *f = fulls[knobs];
    const tl_event_log *log = tl_world_events(w);
    size_t from = log->n, rounds = 0;
    int ok;

    if (f != NULL && tl_memo_enabled() && full_replay(w, knobs, f) == 0)
        return 0;
    tl_ct_new_pair(w, NULL);
    /* Recorded already, TICKETLAB_NO_MEMO=1 (a live server every time, as
     * before) or no memory: live. */
    if (f != NULL || !tl_memo_enabled() || (f = calloc(1, sizeof(*f))) == NULL) {
        if (tl_ct_handshake() != 0)
            return -1;
        if (SSL_get_server_random(R.server, server_random, 32) != 32)
            tl_fuzz_die("harness: no TLS 1.2 server random");
        return 0;
    }
    if (tl_ct_handshake_rec(f->hello, f->answer, f->rng, 2, &rounds) != 0) {
        full12_free(f);
        return -1;
    }
    if (SSL_get_server_random(R.server, server_random, 32) != 32)
        tl_fuzz_die("harness: no TLS 1.2 server random");
    memcpy(f->server_random, server_random, 32);
    ok = rounds == 2;
    for (int k = 0; k < 2; k++)
        ok = ok && f->hello[k].n > 0 && f->answer[k].n > 0;
    tl_event_log_init(&f->ev);
    for (size_t i = from; ok && i < log->n; i++)
        ok = tl_event_log_add(&f->ev, &log->ev[i]) == 0;
    if (ok)
        fulls[knobs] = f;
    else
        full12_free(f);
    return 0;
}

/* The server's last flight off the wire: the handshake messages before its
 * ChangeCipherSpec into hs, and where its Finished record is. */
static void take_flight(tw_bytes *wire, tw_bytes *hs, size_t *fin_off, size_t *fin_len)
{
    tl_bytes c;
    const unsigned char *r;
    size_t len;
    int after_ccs = 0;

    tl_ct_drain(SSL_get_rbio(R.client), wire);
    tl_bytes_init(&c, wire->p, wire->n);
    *fin_len = 0;
    while (tw_next_record(&c, &r, &len) == 0) {
        if (r[0] == SSL3_RT_CHANGE_CIPHER_SPEC)
            after_ccs = 1;
        else if (r[0] == SSL3_RT_HANDSHAKE && !after_ccs)
            tw_put(hs, r + 5, len);
        else if (r[0] == SSL3_RT_HANDSHAKE && after_ccs && *fin_len == 0)
            *fin_off = (size_t)(r - wire->p), *fin_len = len;
    }
}

/* The messages of hs before its first NewSessionTicket into lead, the rest
 * (the server's own tickets) into R.genuine. */
static void split_flight(const tw_bytes *hs, tw_bytes *lead)
{
    size_t pos = 0;
    tw_bytes rest = { 0 };

    while (hs->n - pos >= 4 && hs->p[pos] != CT_HS_NST) {
        size_t len = (size_t)hs->p[pos + 1] << 16 | (size_t)hs->p[pos + 2] << 8 | hs->p[pos + 3];

        if (len > hs->n - pos - 4)
            break;
        pos += 4 + len;
    }
    if (pos > 0)
        tw_put(lead, hs->p, pos);
    if (hs->n > pos)
        tw_put(&rest, hs->p + pos, hs->n - pos);
    tw_split_messages(&rest, R.genuine, &R.n_genuine, CT_MAX_ITEMS);
    tw_bytes_free(&rest);
}

/* The session an abbreviated handshake left the client with, if it is new;
 * this input's copy of the first session is let go. */
static void take_session(void)
{
    SSL_SESSION *s;

    if (R.client_done && !R.failed) {
        s = SSL_get1_session(R.client);
        /* BoringSSL and AWS-LC hand a renewed ticket to the new-session
         * callback as well (ssl_update_cache): stored already. */
        if (s == offered || (s != NULL && R.n_st == 1 && R.st[0].sess == s))
            SSL_SESSION_free(s);
        else if (s != NULL)
            tl_ct_store(s);
    }
    SSL_SESSION_free(offered);
    offered = NULL;
}

int tl_ct_run12(tl_world *w, unsigned knobs, const tl_ct_item *items, size_t n_items,
                size_t cut)
{
    unsigned char ms[48], cr[32], sr[32], seed[64], kb[40], vd[12], nonce[12], aad[13];
    unsigned char fin[16], tag[16];
    tw_bytes wire = { 0 }, hs = { 0 }, lead = { 0 }, rec = { 0 };
    size_t fin_off = 0, fin_len = 0;
    tl_ct_stream st;
    static const unsigned char ccs[6] = { SSL3_RT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1 };

    flight_of = NULL;
    if (R.full) {
        if (full_handshake(w, knobs) != 0)
            return -1;
    } else {
        if (first12 == NULL) {
            first_session(w);
            tl_ct_set_knobs(w, knobs);
        }
        if (resume(w, knobs) != 0) {
            SSL_SESSION_free(offered);
            offered = NULL;
            return -1;
        }
    }
    memcpy(sr, server_random, sizeof(sr));
    if (SSL_SESSION_get_master_key(SSL_get_session(R.client), ms, sizeof(ms)) != sizeof(ms)
        || SSL_get_client_random(R.client, cr, sizeof(cr)) != sizeof(cr))
        tl_fuzz_die("harness: no TLS 1.2 master secret or client random");
    memcpy(seed, sr, 32);
    memcpy(seed + 32, cr, 32);
    if (flight_of != NULL && flight_of->checked)   /* the same secrets and randoms */
        memcpy(kb, flight_of->kb, sizeof(kb));
    else
        tw_prf12(ms, sizeof(ms), "key expansion", seed, sizeof(seed), kb, sizeof(kb));
    take_flight(&wire, &hs, &fin_off, &fin_len);
    /* Self-check: the server's own Finished is what we compute. A recorded
     * answer replayed is the same bytes after the same client flight, with
     * the same secrets: checked once, when it was recorded. */
    if (fin_len != 8 + 16 + 16)
        tl_fuzz_die("harness: the server's TLS 1.2 flight has no Finished record");
    memcpy(nonce, kb + 36, 4);
    tw_aad12(aad, 16);
    if (flight_of == NULL || !flight_of->checked) {
        memcpy(nonce + 4, wire.p + fin_off + 5, 8);
        memcpy(tag, wire.p + fin_off + 5 + 8 + 16, 16);
        server_finished(ms, &hs, &lead, vd);
        if (!tw_gcm(0, kb + 16, nonce, aad, 13, wire.p + fin_off + 5 + 8, 16, fin, tag)
            || fin[0] != CT_HS_FINISHED || memcmp(fin + 4, vd, 12) != 0)
            tl_fuzz_die("harness: our TLS 1.2 Finished differs from the server's own");
        if (flight_of != NULL) {
            memcpy(flight_of->kb, kb, sizeof(kb));
            flight_of->checked = tl_memo_enabled();
        }
    }
    flight_of = NULL;
    split_flight(&hs, &lead);

    /* The input's messages in the ticket's place, then CCS and a new Finished. */
    memset(&st, 0, sizeof(st));
    tl_ct_build_stream(&st, items, n_items);
    server_finished(ms, &lead, &st.data, vd);
    fin[0] = CT_HS_FINISHED;
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
    if (lead.n == 0 || emit12(lead.p, lead.n, 0, NULL) == 0) {   /* the ServerHello */
        R.watch = 1;
        if (tl_ct_send_stream(&st, cut, emit12, NULL) == 0 && tl_ct_deliver(ccs, sizeof(ccs)) == 0)
            tl_ct_deliver(rec.p, rec.n);
    }
    R.watch = 0;
    if (!R.failed && !R.client_done) {   /* waiting for more: as good as dead */
        R.failed = 1;
        snprintf(R.reason, sizeof(R.reason), "the client waits for more");
    }
    if (st.single_nst && R.failed)
        tl_fuzz_die("the client rejected a lone, well-formed TLS 1.2 NewSessionTicket "
                    "(or our Finished): %s, alert %s", R.reason, tl_alert_name(R.alert_sent));
    if (!R.full)
        take_session();
    OPENSSL_cleanse(ms, sizeof(ms));
    tw_bytes_free(&st.data);
    tw_bytes_free(&wire);
    tw_bytes_free(&hs);
    tw_bytes_free(&lead);
    tw_bytes_free(&rec);
    return 0;
}
