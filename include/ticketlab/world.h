/*
 * world.h - a TLS client and server in one process, over a BIO pair.
 *
 * A world owns a server SSL_CTX (the issuer, with a key ring, a policy and
 * an event log), a client SSL_CTX, the fixed ECDSA P-256 test chain, and the
 * determinism: creating or resetting a world reseeds the RNG and freezes the
 * harness clock, so the same seed and the same calls give byte-identical
 * tickets. SSL_CTXs are made once per world and reused by every handshake.
 *
 *     tl_world_config cfg;
 *     tl_world_config_init(&cfg);
 *     cfg.tls_version = TLS1_3_VERSION;
 *     tl_world *w = tl_world_new(&cfg, &err);
 *     tl_handshake_result full, resumed;
 *     tl_world_handshake(w, NULL, &full, &err);
 *     tl_handshake_opts o = { .session = full.sessions[0] };
 *     tl_world_handshake(w, &o, &resumed, &err);   // resumed.server.reused == 1
 */
#ifndef TICKETLAB_WORLD_H
#define TICKETLAB_WORLD_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "ticketlab/error.h"
#include "ticketlab/events.h"
#include "ticketlab/issuer.h"
#include "ticketlab/keyring.h"
#include "ticketlab/policy.h"

#define TL_MAX_TICKETS 16
#define TL_SERVER_NAME "server.ticketlab.test"

/*
 * The key groups and TLS 1.3 suites both sides use unless told otherwise.
 * Pinned rather than left to OpenSSL: the defaults differ between releases
 * (3.5 offers the hybrid X25519MLKEM768 share, about 1.2 KB, first), and a
 * ClientHello's size and a HelloRetryRequest must not depend on the release.
 */
#define TL_DEFAULT_GROUPS "X25519:P-256"
#define TL_DEFAULT_CIPHERSUITES "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

typedef struct tl_world_config {
    int tls_version;          /* TLS1_2_VERSION or TLS1_3_VERSION; both sides pinned */
    uint64_t seed;            /* RNG seed */
    int64_t clock_start;      /* frozen clock start; 0 = TL_CLOCK_EPOCH */
    tl_key_source key_source; /* default TL_KEYS_EVP_CB */
    int ticket_cb;            /* install generate/decrypt callbacks (default 1) */
    int num_tickets;          /* SSL_CTX_set_num_tickets; -1 = OpenSSL's default (2) */
    int no_ticket;            /* SSL_OP_NO_TICKET on the server */
    uint32_t max_early_data;  /* server and client; 0 = no early data */
    int no_anti_replay;       /* SSL_OP_NO_ANTI_REPLAY on the server */
    const char *alpn;         /* ALPN protocols, comma-separated, both sides; NULL = none */
    long session_timeout;     /* SSL_CTX_set_timeout on the server; 0 = OpenSSL's default */
    int64_t key_lifetime;     /* key ring lifetime; 0 = TL_DEFAULT_LIFETIME */
    const char *server_ciphers;   /* TLS 1.3 suites (1.3) or cipher list (1.2); NULL = default */
    const char *groups;           /* both sides' key groups; NULL = TL_DEFAULT_GROUPS */
    const char *server_groups;    /* the server's only, e.g. "P-256" to force a
                                     HelloRetryRequest; NULL = as groups */
    const char *sid_ctx;      /* server session id context; NULL = "ticketlab" */
    const tl_user_callbacks *user;  /* plug-in callbacks to wrap; NULL = ours */
    tl_keyring *keyring;      /* use this ring (borrowed, must outlive the world)
                                 instead of a fresh one with a libtls key, rev 1 */
    int reuse_ssl;            /* keep both SSL objects and SSL_clear() them between
                                 handshakes instead of SSL_new()/SSL_free() */
} tl_world_config;

/* One NewSessionTicket the client received, as it was on the wire. */
typedef struct tl_nst {
    uint32_t lifetime_hint;
    uint32_t age_add;           /* TLS 1.3 only */
    uint32_t max_early_data;    /* TLS 1.3 early_data extension, 0 if absent */
    unsigned char *ticket;      /* malloc'd; NULL when ticket_len == 0 */
    size_t ticket_len;          /* 0: TLS 1.2's empty ticket */
} tl_nst;

typedef struct tl_side_result {
    int ok;                     /* handshake completed on this side; for the
                                   server this includes the tickets that
                                   opts->new_tickets asked for, which the
                                   server's handshake function writes */
    int reused;                 /* SSL_session_reused() */
    int alert_sent;             /* alert description sent, -1 if none */
    int alert_received;         /* alert description received, -1 if none */
    unsigned long err;          /* first OpenSSL error on failure, 0 if none */
    char err_reason[128];       /* its reason string, "" if none */
    char state[64];             /* SSL_state_string_long() at the end */
} tl_side_result;

enum { TL_EARLY_NOT_SENT = 0, TL_EARLY_ACCEPTED, TL_EARLY_REJECTED };

typedef struct tl_handshake_result {
    int index;                  /* which handshake of the world (0, 1, ...) */
    tl_side_result client;
    tl_side_result server;
    int version;                /* negotiated, 0 if none */
    char cipher[64];            /* negotiated, "" if none */
    int hrr;                    /* a HelloRetryRequest was sent */
    int early_data;             /* TL_EARLY_* as the client saw it */
    int data_ok;                /* application data went both ways afterwards */
    size_t n_tickets;           /* NewSessionTickets received (all counted) */
    tl_nst tickets[TL_MAX_TICKETS];   /* the first TL_MAX_TICKETS of them */
    size_t n_sessions;          /* client sessions handed out by OpenSSL */
    SSL_SESSION *sessions[TL_MAX_TICKETS];  /* owned, resumable as they are */
    size_t ev_begin, ev_end;    /* this handshake's events: log->ev[ev_begin..ev_end) */
} tl_handshake_result;

typedef struct tl_handshake_opts {
    SSL_SESSION *session;       /* offer this session (NULL: none) */
    const unsigned char *ticket;/* with replace_ticket: offer these ticket bytes instead */
    size_t ticket_len;
    int replace_ticket;
    int new_tickets;            /* extra SSL_new_session_ticket() calls on the server (1.3) */
    const unsigned char *early_data;  /* 0-RTT payload (needs a resumable 1.3 session) */
    size_t early_data_len;
    const char *sni;            /* client SNI; NULL = TL_SERVER_NAME, "" = none */
    const char *alpn;           /* client ALPN override, comma-separated; NULL = world's */
    int client_max_version;     /* 0 = the world's version */
    int server_max_version;     /* 0 = the world's version */
    /* Called after both SSLs exist and before the first flight. Return 0 to go on. */
    int (*before)(SSL *client, SSL *server, void *arg);
    void *before_arg;
} tl_handshake_opts;

typedef struct tl_world tl_world;

/* tl_world_config_init - defaults: TLS 1.3, seed 1, EVP key callback, ticket callbacks on. */
void tl_world_config_init(tl_world_config *cfg);

/*
 * tl_world_new - build a world: reseed, freeze the clock, make the key ring
 * (one libtls key, revision 1, from the seeded RNG; or cfg->keyring), both
 * SSL_CTXs and the issuer. Returns NULL with err on failure.
 */
tl_world *tl_world_new(const tl_world_config *cfg, tl_error *err);

/* tl_world_free - free everything. NULL is allowed. */
void tl_world_free(tl_world *w);

/*
 * tl_world_reset - as if new, keeping the SSL_CTXs: reseed, restart the
 * clock, empty the log, flush the server session cache, reset the handshake
 * counter. The key ring and policy are left to the caller.
 * Returns 0 or -1.
 */
int tl_world_reset(tl_world *w, uint64_t seed, tl_error *err);

/*
 * tl_world_handshake - run one handshake (opts may be NULL) and fill res.
 * Returns 0 when the handshake ran, whatever its outcome (see res), or -1
 * when the harness itself failed (err says how). Always call
 * tl_handshake_result_free(res) afterwards.
 */
int tl_world_handshake(tl_world *w, const tl_handshake_opts *opts,
                       tl_handshake_result *res, tl_error *err);

/* Where a world is: the events it has logged and the handshakes it has run. */
typedef struct tl_world_mark {
    size_t events;
    int handshakes;
} tl_world_mark;

/* tl_world_get_mark - where w is now, for tl_world_rewind(). Never fails. */
void tl_world_get_mark(const tl_world *w, tl_world_mark *m);

/*
 * tl_world_rewind - forget what came after mark m: the log is cut back to
 * m->events and the next handshake gets index m->handshakes. Nothing else
 * changes: the key ring, policy, issuer, SSL_CTXs, RNG and clock are the
 * caller's to put back. Never fails.
 */
void tl_world_rewind(tl_world *w, const tl_world_mark *m);

/* tl_handshake_result_free - free tickets and sessions in res. */
void tl_handshake_result_free(tl_handshake_result *res);

/* Accessors: the parts a test or a scenario may look at or tweak. */
tl_keyring *tl_world_keyring(tl_world *w);
tl_policy *tl_world_policy(tl_world *w);
const tl_event_log *tl_world_events(const tl_world *w);
tl_issuer *tl_world_issuer(tl_world *w);
SSL_CTX *tl_world_server_ctx(tl_world *w);
SSL_CTX *tl_world_client_ctx(tl_world *w);
const tl_world_config *tl_world_get_config(const tl_world *w);

/*
 * tl_world_set_server_early - the server's early data from the next
 * handshake on: max_early_data `max`, 0 for none (BoringSSL and AWS-LC:
 * on or off, early_data.h). Tickets already issued keep what they allowed.
 * Returns 0, or -1 with err.
 */
int tl_world_set_server_early(tl_world *w, uint32_t max, tl_error *err);

/*
 * tl_world_pin_defaults - set ctx's key groups to `groups` (NULL:
 * TL_DEFAULT_GROUPS) and, when `suites` is non-zero, its TLS 1.3 suites to
 * TL_DEFAULT_CIPHERSUITES, so that nothing depends on the release's defaults.
 * Returns 0, or -1 with err when OpenSSL refuses the list.
 */
int tl_world_pin_defaults(SSL_CTX *ctx, const char *groups, int suites, tl_error *err);

/*
 * tl_session_with_ticket - a copy of sess whose ticket bytes are replaced by
 * `ticket` (len may be 0). The client then offers exactly those bytes.
 * Returns a new session (caller frees) or NULL with err.
 */
SSL_SESSION *tl_session_with_ticket(const SSL_SESSION *sess,
                                    const unsigned char *ticket, size_t len,
                                    tl_error *err);

/* tl_alert_name - "decode_error", ... for an alert description, "none" for -1. */
const char *tl_alert_name(int alert);

#endif
