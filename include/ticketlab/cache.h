/*
 * cache.h - the client's session cache, curl-style.
 *
 * The third part of the ticket world: the client keeps the sessions (and
 * the tickets in them) that servers gave it, per peer, and exports and
 * imports them the way curl's curl_easy_ssls_export()/_import() do.
 *
 *     tl_cache *c = tl_cache_new(64, &err);
 *     tl_cache_handshake(c, w, NULL, &res, &err);   // full: tickets stored
 *     tl_handshake_result_free(&res);
 *     tl_cache_handshake(c, w, NULL, &res, &err);   // resumed from the cache
 *
 * Peers. Each entry belongs to a peer key string built the way curl builds
 * one (tl_peer_key_make). A peer may also be known only by its salted hash
 * (32 random bytes, then HMAC-SHA256(salt, peer key)), after an import of a
 * line that carried no key; the first lookup by a key that hashes the same
 * recovers the key, as curl does (cf_ssl_find_peer_by_key).
 *
 * Entries. Each holds the DER SSL_SESSION, valid-until (harness clock), the
 * IETF TLS version id, ALPN and max early data. Like curl
 * (cf_scache_peer_add_session): adding a TLS 1.2 session replaces the
 * peer's other sessions; adding a TLS 1.3 one drops the peer's expired and
 * pre-1.3 ones and appends. Taking a TLS 1.3 session removes it (RFC 8446
 * C.4: tickets are for one use); a TLS 1.2 session stays. Expired entries
 * are never offered nor exported. At capacity the oldest entry goes first.
 * Sessions that used a client certificate are never exported.
 */
#ifndef TICKETLAB_CACHE_H
#define TICKETLAB_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

#include "ticketlab/error.h"
#include "ticketlab/spack.h"
#include "ticketlab/world.h"

#define TL_SHASH_LEN 64           /* salt (32) + HMAC-SHA256 (32) */
#define TL_CACHE_DEFAULT_CAPACITY 64
#define TL_CACHE_MAX_13_LIFETIME INT64_C(604800)  /* RFC 8446 4.6.1: 7 days */
#define TL_CACHE_MAX_12_LIFETIME INT64_C(86400)   /* curl's 1-day cap for TLS 1.2 */

/* What makes two connections share sessions or not. NULL/0 = not set. */
typedef struct tl_peer_config {
    const char *host;            /* required */
    int port;                    /* required, 1..65535 */
    int min_version, max_version;/* TLS1_2_VERSION, TLS1_3_VERSION, 0 = any */
    const char *alpn;            /* offered ALPN, comma-separated */
    const char *sni;             /* server name sent, if different from host or set */
    const char *ciphers;         /* TLS 1.2 cipher list */
    const char *ciphersuites;    /* TLS 1.3 suites */
    const char *groups;          /* key exchange groups */
    const char *client_cert;     /* client certificate (path or name); mTLS */
} tl_peer_config;

/* Flags for tl_cache_put(). */
#define TL_CACHE_CLIENT_CERT 0x1  /* the session used a client certificate */

typedef struct tl_cache tl_cache;

/*
 * tl_peer_key_make - build the peer key for pc into a malloc'd string:
 * "host:port", then ":TLSVER-<min>-<max>" (hex protocol ids), ":ALPN-",
 * ":SNI-", ":CIPHER-", ":CIPHER13-", ":CURVES-", ":CCERT-" for each part
 * that is set, then ":IMPL-OpenSSL/<version>". Characters ':' and '%'
 * inside a value are written %3A and %25, so no two configurations share a
 * key. Returns the key, or NULL with err (no host, bad port, no memory).
 */
char *tl_peer_key_make(const tl_peer_config *pc, tl_error *err);

/*
 * tl_peer_key_for_world - the peer key of the client of world `w` for a
 * handshake with `opts` (may be NULL): host TL_SERVER_NAME, port 443, the
 * world's (or opts') TLS version, ALPN and SNI. Returns a malloc'd key or
 * NULL with err.
 */
char *tl_peer_key_for_world(const tl_world *w, const tl_handshake_opts *opts,
                            tl_error *err);

/*
 * tl_shash_make - the salted hash of peer_key with `salt` (32 bytes):
 * salt followed by HMAC-SHA256(salt, peer_key), into out (64 bytes).
 * Returns 0, or -1 with err if OpenSSL fails.
 */
int tl_shash_make(const unsigned char salt[32], const char *peer_key,
                  unsigned char out[TL_SHASH_LEN], tl_error *err);

/*
 * tl_cache_new - an empty cache holding at most `capacity` entries
 * (0 = TL_CACHE_DEFAULT_CAPACITY). Returns NULL with err when out of memory.
 */
tl_cache *tl_cache_new(size_t capacity, tl_error *err);

/* tl_cache_free - free c and everything in it. NULL is allowed. */
void tl_cache_free(tl_cache *c);

/*
 * tl_cache_put - store a session the client got from a live handshake
 * under peer_key. valid-until is the harness clock plus the session's
 * timeout, capped at 7 days for TLS 1.3 and 1 day for TLS 1.2. flags may
 * hold TL_CACHE_CLIENT_CERT. A session that cannot be resumed (no ticket
 * nor id) or that has already expired is not stored, and that is not an
 * error. Returns 0, or -1 with err (encoding failure, no memory).
 */
int tl_cache_put(tl_cache *c, const char *peer_key, const SSL_SESSION *sess,
                 unsigned flags, tl_error *err);

/*
 * tl_cache_take - the session to offer to peer_key, or *out = NULL when
 * there is none that is still valid. The caller owns *out. A TLS 1.3
 * session is removed from the cache; a TLS 1.2 one stays. If the peer was
 * known only by a salted hash, its key is recovered here.
 * Returns 0, or -1 with err (a stored session no longer parses, no memory).
 */
int tl_cache_take(tl_cache *c, const char *peer_key, SSL_SESSION **out,
                  tl_error *err);

/*
 * tl_cache_count - the number of live (unexpired) entries of one peer,
 * found by peer_key or, when peer_key is NULL, by its 64-byte salted hash.
 * Looking up by key recovers the key of a peer known only by hash.
 */
size_t tl_cache_count(tl_cache *c, const char *peer_key,
                      const unsigned char *shash, size_t shash_len);

/* tl_cache_size - all entries held, expired or not. */
size_t tl_cache_size(const tl_cache *c);

/*
 * tl_cache_import - add one exported session, like curl_easy_ssls_import():
 * the peer is given by peer_key or, when that is NULL, by the 64-byte
 * salted hash shash. sdata is curl's session data (spack.h). Everything is
 * checked: the packing, the salted hash size, the DER session (it must
 * parse whole and match the IETF version id) and valid-until (not in the
 * past). Returns 0, or -1 with *why (may be NULL) set to the reason and a
 * sentence in err. Nothing is kept or leaked on failure.
 */
int tl_cache_import(tl_cache *c, const char *peer_key,
                    const unsigned char *shash, size_t shash_len,
                    const unsigned char *sdata, size_t sdata_len,
                    tl_spack_err *why, tl_error *err);

/*
 * tl_cache_export_fn - called once per exported session, with the
 * parameters of curl's curl_ssls_export_function (minus the easy handle):
 * session_key is NULL when the peer is known only by its hash. Return 0 to
 * go on; any other value stops the export.
 */
typedef int (*tl_cache_export_fn)(void *userp, const char *session_key,
                                  const unsigned char *shash, size_t shash_len,
                                  const unsigned char *sdata, size_t sdata_len,
                                  int64_t valid_until, int ietf_tls_id,
                                  const char *alpn, size_t earlydata_max);

/*
 * tl_cache_export - call fn for every live, exportable entry, oldest
 * first. A peer without a salted hash gets one now (salt from tl_rng_bytes,
 * so a seeded world exports the same bytes every time). Expired entries
 * are dropped, client-certificate sessions skipped. Returns 0; or -1 with
 * err when packing fails or fn returns non-zero (then *fn_rc, if not NULL,
 * holds that value and no further entry is visited).
 */
int tl_cache_export(tl_cache *c, tl_cache_export_fn fn, void *userp,
                    int *fn_rc, tl_error *err);

/*
 * tl_cache_handshake - one world handshake whose client uses the cache:
 * take a session for the peer (unless opts->session is already set), offer
 * it, then put every session the client received. res is filled as by
 * tl_world_handshake(); free it with tl_handshake_result_free().
 * Returns 0 when the handshake ran, -1 with err when the harness failed.
 */
int tl_cache_handshake(tl_cache *c, tl_world *w, const tl_handshake_opts *opts,
                       tl_handshake_result *res, tl_error *err);

#endif
