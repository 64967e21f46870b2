/*
 * scenario_memo.c - worlds kept after their set-up handshake; see
 * scenario_memo.h.
 *
 * What a run may change after the set-up, and how a take puts it back:
 *   - the RNG stream and the frozen clock: saved and restored whole;
 *   - the key ring (an older key added), the policy (scripts, app data),
 *     the issuer's counters: copies kept, copied back;
 *   - the event log and handshake count: cut back (tl_world_rewind);
 *   - the server SSL_CTX's ticket count (SSL_CTX_set_num_tickets): set back;
 *   - the server's session cache (stateful tickets, anti-replay, TLS 1.2
 *     session ids): emptied, then refilled with copies of the sessions it
 *     held after the set-up (a run may use them up, or mark them not
 *     resumable);
 *   - the set-up's client session: never offered itself; runs offer copies.
 * Settings a run changes on the SSL_CTXs beyond that (ciphers, session id
 * context, a second context for SNI) are not memoised: scenario.c does not
 * use the memo for those scenarios.
 *
 * One more difference from a fresh world would be OpenSSL's own automatic
 * flush of expired sessions, every 255th handshake of a context
 * (ssl_update_cache); a fresh world never gets there, so kept worlds turn
 * it off (SSL_SESS_CACHE_NO_AUTO_CLEAR): their caches are emptied by every
 * take anyway.
 */
#include "scenario_memo.h"
#include "memo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/lhash.h>

#include "ticketlab/clock.h"
#include "ticketlab/rng.h"
#include "ossl_compat.h"

#define CACHED_MAX 64   /* server sessions kept per world; more: not memoised */

typedef struct entry {
    char key[TL_SCENARIO_MEMO_KEY_MAX];
    uint64_t hash;              /* of key, compared first */
    tl_world *world;            /* NULL: a free slot */
    tl_handshake_result setup;  /* the set-up handshake, owned */
    tl_rng_state rng;
    int64_t clock;
    tl_keyring *ring;           /* a copy of the world's ring after the set-up */
    tl_policy policy;
    tl_issuer issuer;
    tl_world_mark mark;
    size_t num_tickets;
    SSL_SESSION *cached[CACHED_MAX];   /* the server cache after the set-up */
    size_t n_cached;
    unsigned long long used;    /* when last taken: the LRU clock */
    int in_use;
} entry;

static entry table[TL_SCENARIO_MEMO_MAX];
static unsigned long long use_clock;
static void entry_free(entry *e)
{
    tl_world_free(e->world);
    tl_handshake_result_free(&e->setup);
    tl_keyring_free(e->ring);
    tl_policy_free(&e->policy);
    for (size_t i = 0; i < e->n_cached; i++)
        SSL_SESSION_free(e->cached[i]);
    memset(e, 0, sizeof(*e));
}

void tl_scenario_memo_clear(void)
{
    for (size_t i = 0; i < TL_SCENARIO_MEMO_MAX; i++)
        if (table[i].world != NULL && !table[i].in_use)
            entry_free(&table[i]);
}

size_t tl_scenario_memo_count(void)
{
    size_t n = 0;

    for (size_t i = 0; i < TL_SCENARIO_MEMO_MAX; i++)
        n += table[i].world != NULL;
    return n;
}

int tl_scenario_memo_set(int on)
{
    int was = tl_memo_set(on);

    if (!on)
        tl_scenario_memo_clear();
    return was;
}

static const char *str(const char *s)
{
    return s != NULL ? s : "(null)";
}

int tl_scenario_memo_key(const tl_world_config *cfg, int setup_max_version, long app,
                         int has_setup, char *buf, size_t size)
{
    int n;

    if (cfg->keyring != NULL || cfg->user != NULL)
        return -1;
    /* Every field of tl_world_config (world.h): a new field goes here too. */
    n = snprintf(buf, size,
                 "tls=%d seed=%llu clock=%lld keys=%d cb=%d nt=%d noticket=%d early=%lu "
                 "noreplay=%d alpn=%s timeout=%ld klife=%lld ciphers=%s groups=%s sgroups=%s "
                 "sid=%s reuse=%d | setup=%d max=%d app=%ld",
                 cfg->tls_version, (unsigned long long)cfg->seed, (long long)cfg->clock_start,
                 (int)cfg->key_source, cfg->ticket_cb, cfg->num_tickets, cfg->no_ticket,
                 (unsigned long)cfg->max_early_data, cfg->no_anti_replay, str(cfg->alpn),
                 cfg->session_timeout, (long long)cfg->key_lifetime, str(cfg->server_ciphers),
                 str(cfg->groups), str(cfg->server_groups), str(cfg->sid_ctx), cfg->reuse_ssl,
                 has_setup, setup_max_version, app);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* FNV-1a: keys share long prefixes, so compare hashes before strings. */
static uint64_t key_hash(const char *key)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * UINT64_C(1099511628211);
    return h;
}

static entry *find(const char *key)
{
    uint64_t h = key_hash(key);

    for (size_t i = 0; i < TL_SCENARIO_MEMO_MAX; i++)
        if (table[i].world != NULL && table[i].hash == h && strcmp(table[i].key, key) == 0)
            return &table[i];
    return NULL;
}

static entry *of_world(const tl_world *w)
{
    for (size_t i = 0; i < TL_SCENARIO_MEMO_MAX; i++)
        if (w != NULL && table[i].world == w)
            return &table[i];
    return NULL;
}

/* ---- the server's session cache ------------------------------------------ */

typedef struct collect_arg {
    entry *e;
    int failed;
} collect_arg;

static void collect(void *node, void *arg)
{
    collect_arg *c = arg;
    SSL_SESSION *copy;

    if (c->failed || c->e->n_cached == CACHED_MAX) {
        c->failed = 1;
        return;
    }
    copy = SSL_SESSION_dup(node);
    if (copy == NULL)
        c->failed = 1;
    else
        c->e->cached[c->e->n_cached++] = copy;
}

static int save_cache(entry *e, SSL_CTX *ctx)
{
    collect_arg c = { e, 0 };

#if TL_TLSLIB_OPENSSL
    if (SSL_CTX_sess_number(ctx) > 0)
        OPENSSL_LH_doall_arg((OPENSSL_LHASH *)SSL_CTX_sessions(ctx), collect, &c);
#else
    (void)collect;
    c.failed = SSL_CTX_sess_number(ctx) > 0;   /* never: the memo is off there */
#endif
    return c.failed ? -1 : 0;
}

static int restore_cache(const entry *e, SSL_CTX *ctx)
{
    if (SSL_CTX_sess_number(ctx) > 0)
        tl_ctx_flush_all_sessions(ctx);
    for (size_t i = 0; i < e->n_cached; i++) {
        SSL_SESSION *copy = SSL_SESSION_dup(e->cached[i]);
        int ok = copy != NULL && SSL_CTX_add_session(ctx, copy) == 1;

        SSL_SESSION_free(copy);   /* the cache holds its own reference */
        if (!ok)
            return -1;
    }
    return 0;
}

static void no_auto_clear(SSL_CTX *ctx)
{
    SSL_CTX_set_session_cache_mode(ctx, SSL_CTX_get_session_cache_mode(ctx)
                                            | SSL_SESS_CACHE_NO_AUTO_CLEAR);
}

/* ---- keep, take, release --------------------------------------------------- */

/* A slot for a new entry: a free one, else the least recently used idle one. */
static entry *slot(void)
{
    entry *lru = NULL;

    for (size_t i = 0; i < TL_SCENARIO_MEMO_MAX; i++) {
        if (table[i].world == NULL)
            return &table[i];
        if (!table[i].in_use && (lru == NULL || table[i].used < lru->used))
            lru = &table[i];
    }
    if (lru != NULL)
        entry_free(lru);
    return lru;
}

int tl_scenario_memo_keep(const char *key, tl_world *w, tl_handshake_result *setup,
                          const tl_handshake_result **kept)
{
    SSL_CTX *sctx = tl_world_server_ctx(w);
    entry *e;

    if (!tl_memo_enabled() || find(key) != NULL
        || strlen(key) >= sizeof(e->key) || (e = slot()) == NULL)
        return -1;
    snprintf(e->key, sizeof(e->key), "%s", key);
    e->hash = key_hash(key);
    tl_rng_save(&e->rng);
    e->clock = tl_clock_now();
    e->ring = tl_keyring_new(0);
    tl_policy_init(&e->policy);
    if (e->ring == NULL || tl_policy_copy(&e->policy, tl_world_policy(w)) != 0
        || save_cache(e, sctx) != 0) {
        entry_free(e);
        return -1;
    }
    tl_keyring_assign(e->ring, tl_world_keyring(w));
    e->issuer = *tl_world_issuer(w);
    tl_world_get_mark(w, &e->mark);
    e->num_tickets = SSL_CTX_get_num_tickets(sctx);
    no_auto_clear(sctx);
    no_auto_clear(tl_world_client_ctx(w));
    e->setup = *setup;
    memset(setup, 0, sizeof(*setup));
    e->world = w;
    e->used = ++use_clock;
    e->in_use = 1;
    *kept = &e->setup;
    return 0;
}

/* Put w back as it was just after its set-up. Returns 0 or -1. */
static int rewind_world(entry *e)
{
    tl_world *w = e->world;
    tl_policy *pol = tl_world_policy(w);

    tl_rng_restore(&e->rng);
    tl_clock_freeze(e->clock);
    tl_keyring_assign(tl_world_keyring(w), e->ring);
    tl_policy_free(pol);
    if (tl_policy_copy(pol, &e->policy) != 0)
        return -1;
    *tl_world_issuer(w) = e->issuer;
    tl_world_rewind(w, &e->mark);
    if (!SSL_CTX_set_num_tickets(tl_world_server_ctx(w), e->num_tickets)
        || restore_cache(e, tl_world_server_ctx(w)) != 0)
        return -1;
    ERR_clear_error();
    return 0;
}

tl_world *tl_scenario_memo_take(const char *key, const tl_handshake_result **setup)
{
    entry *e;

    if (!tl_memo_enabled() || (e = find(key)) == NULL || e->in_use)
        return NULL;
    if (rewind_world(e) != 0) {
        ERR_clear_error();
        entry_free(e);
        return NULL;
    }
    e->used = ++use_clock;
    e->in_use = 1;
    *setup = &e->setup;
    return e->world;
}

void tl_scenario_memo_release(tl_world *w)
{
    entry *e = of_world(w);

    if (e == NULL)
        return;
    e->in_use = 0;
    if (!tl_memo_enabled())
        entry_free(e);
}
