/*
 * plugin.h - plug-ins: your own ticket callbacks, checked by `ticketlab validate`.
 *
 * NAME
 *     tl_plugin_init, tl_plugin_ticket_key_evp_cb, tl_plugin_ticket_key_cb,
 *     tl_plugin_decrypt_session_ticket_cb, tl_plugin_generate_session_ticket_cb,
 *     tl_plugin_rotate - the names a ticketlab plug-in exports
 *
 * SYNOPSIS
 *     cc -shared -fPIC -o libmycb.so mycb.c        (no need to link libssl:
 *                                                   ticketlab has it loaded)
 *     ticketlab validate --plugin ./libmycb.so [--arg STRING]
 *                        [--format table|json|junit]
 *
 * DESCRIPTION
 *     A plug-in is a shared object that exports the ticket callbacks of a
 *     server, with OpenSSL's own signatures, under the names below. Wrapping
 *     an existing callback takes a few lines:
 *
 *         #include <openssl/ssl.h>
 *         int my_server_ticket_cb(SSL *, unsigned char *, unsigned char *,
 *                                 EVP_CIPHER_CTX *, EVP_MAC_CTX *, int);
 *
 *         int tl_plugin_ticket_key_evp_cb(SSL *s, unsigned char key_name[16],
 *                                         unsigned char *iv, EVP_CIPHER_CTX *ctx,
 *                                         EVP_MAC_CTX *hctx, int enc)
 *         {
 *             return my_server_ticket_cb(s, key_name, iv, ctx, hctx, enc);
 *         }
 *
 *     `ticketlab validate` loads the plug-in with dlopen(RTLD_NOW|RTLD_LOCAL),
 *     calls tl_plugin_init() once, installs the callbacks on the server of
 *     its in-process world (the key callback with
 *     SSL_CTX_set_tlsext_ticket_key_evp_cb or SSL_CTX_set_tlsext_ticket_key_cb,
 *     the other two with SSL_CTX_set_session_ticket_cb), logs every call and
 *     its return, and runs its checks (see validate.h).
 *
 *     A plug-in must export one key callback, either one. Everything else is
 *     optional. When both key callbacks are exported the EVP one is used.
 *
 * THE PLUG-IN'S ENVIRONMENT
 *     Time.  ticketlab's executable defines time(3) and exports it, so a
 *     plug-in that calls time() reads the harness clock, which is frozen and
 *     moved by the validator. Rotation and retirement by age therefore work
 *     as they would on a server: validate moves the clock one hour before
 *     each call of tl_plugin_rotate(). Use time(); clock_gettime() reads the
 *     real clock and your keys would never age.
 *
 *     Randomness.  Use RAND_bytes() (or RAND_priv_bytes()) for keys and IVs.
 *     It reads OpenSSL's default library context, which ticketlab leaves
 *     with its real DRBG.
 *
 *     State.  Keep your keys where a server keeps them; the validator runs
 *     many handshakes in one process, like a long-lived server. Your static
 *     data is fresh each time the plug-in is loaded; free what you allocate
 *     in tl_plugin_fini().
 *
 *     The `arg` of the decrypt and generate callbacks is NULL: a plug-in
 *     keeps its state itself.
 */
#ifndef TICKETLAB_PLUGIN_H
#define TICKETLAB_PLUGIN_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "ticketlab/error.h"
#include "ticketlab/issuer.h"

/* ---- the names a plug-in exports ---------------------------------------- */

/*
 * tl_plugin_init (optional) - called once, after loading and before any
 * callback, with the string given to --arg (NULL without --arg): a key
 * file's path, a configuration, whatever the plug-in wants.
 * Return 0 when ready; any other value is the plug-in's own error code,
 * which validate prints before it gives up (exit status 2).
 */
int tl_plugin_init(const char *arg);

/*
 * tl_plugin_ticket_key_evp_cb - the key callback, exactly as for
 * SSL_CTX_set_tlsext_ticket_key_evp_cb(3):
 *
 *   enc == 1 (issuing a ticket): write a 16-byte key name and a fresh IV,
 *     initialise ctx for encryption and hctx with the HMAC key, return 1.
 *     0 means "no ticket this time", below 0 is a fatal error.
 *   enc == 0 (a client offered a ticket named key_name): if the name is one
 *     of your live keys, initialise ctx for decryption with the given iv and
 *     hctx with that key's HMAC key, and return 1, or 2 when that key is not
 *     the current one (the client then gets a new ticket under the current
 *     key). Return 0 for an unknown or retired name: OpenSSL then does a
 *     full handshake. Below 0 is fatal: the handshake fails.
 */
int tl_plugin_ticket_key_evp_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                                EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc);

/*
 * tl_plugin_ticket_key_cb - the same with the deprecated HMAC_CTX, as for
 * SSL_CTX_set_tlsext_ticket_key_cb(3). Export it only if your server still
 * uses that callback (HMAC_Init_ex() is deprecated in OpenSSL 3.0, so
 * build it with -DOPENSSL_SUPPRESS_DEPRECATED).
 */
int tl_plugin_ticket_key_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                            EVP_CIPHER_CTX *ctx, HMAC_CTX *hctx, int enc);

/*
 * tl_plugin_decrypt_session_ticket_cb (optional) - the decrypt callback of
 * SSL_CTX_set_session_ticket_cb(3). Called with EMPTY, NO_DECRYPT, SUCCESS
 * or SUCCESS_RENEW; return ABORT, IGNORE, IGNORE_RENEW, USE or USE_RENEW.
 * The man page's advice: USE or USE_RENEW only for the SUCCESS statuses,
 * IGNORE_RENEW for EMPTY and NO_DECRYPT (which keeps OpenSSL's defaults).
 */
SSL_TICKET_RETURN tl_plugin_decrypt_session_ticket_cb(SSL *s, SSL_SESSION *ss,
                                                      const unsigned char *keyname,
                                                      size_t keyname_length,
                                                      SSL_TICKET_STATUS status, void *arg);

/*
 * tl_plugin_generate_session_ticket_cb (optional) - the generate callback of
 * SSL_CTX_set_session_ticket_cb(3), called before each ticket is made, for
 * example to attach data with SSL_SESSION_set1_ticket_appdata(). Return 1;
 * 0 fails the handshake.
 */
int tl_plugin_generate_session_ticket_cb(SSL *s, void *arg);

/*
 * tl_plugin_rotate (optional) - make a new key current, as your server's
 * rotation would (a timer, a reload, libtls's automatic rekey). Keep the
 * previous keys for decryption as your server does. Return 0, or any other
 * value for "cannot rotate now". Without it the rotation checks are
 * reported as not checked.
 */
int tl_plugin_rotate(void);

/*
 * tl_plugin_fini (optional) - called once before the plug-in is unloaded
 * (dlclose): free what tl_plugin_init() and the callbacks allocated.
 * Sanitizer builds of ticketlab report memory still allocated after
 * unloading as leaked. (An addition of ticketlab's, not a server callback.)
 */
void tl_plugin_fini(void);

/* ---- loading a plug-in (ticketlab's side) ------------------------------- */

typedef struct tl_plugin tl_plugin;

/* A readable, non-executable part of a loaded plug-in's memory image. */
typedef struct tl_plugin_segment {
    const unsigned char *addr;
    size_t len;
    int writable;             /* 0: read-only data (constants compiled in) */
} tl_plugin_segment;

#define TL_PLUGIN_SEGMENTS_MAX 8

/*
 * tl_plugin_load - dlopen the shared object at `path` (a path without '/'
 * is taken relative to the current directory, never searched for), find
 * the names above, and call tl_plugin_init(arg) if it is exported.
 * Returns the plug-in, or NULL with err: the loader's message, "exports no
 * key callback", or "tl_plugin_init returned N".
 */
tl_plugin *tl_plugin_load(const char *path, const char *arg, tl_error *err);

/* tl_plugin_unload - call tl_plugin_fini() if exported, dlclose, free. NULL is allowed. */
void tl_plugin_unload(tl_plugin *p);

/*
 * tl_plugin_callbacks - the plug-in's callbacks, ready for
 * tl_world_config.user (arg is NULL). Valid until tl_plugin_unload().
 */
const tl_user_callbacks *tl_plugin_callbacks(const tl_plugin *p);

/* tl_plugin_path - the path it was loaded from. */
const char *tl_plugin_path(const tl_plugin *p);

/* tl_plugin_can_rotate - 1 if the plug-in exports tl_plugin_rotate. */
int tl_plugin_can_rotate(const tl_plugin *p);

/*
 * tl_plugin_call_rotate - call the plug-in's tl_plugin_rotate().
 * Returns 0, or -1 with err when it is not exported or returned non-zero.
 */
int tl_plugin_call_rotate(tl_plugin *p, tl_error *err);

/*
 * tl_plugin_segments - the loaded object's readable, non-executable
 * PT_LOAD segments (its data, bss and constants), at most `max`.
 * Returns how many were written to out (0 when the loader gives no map).
 */
size_t tl_plugin_segments(const tl_plugin *p, tl_plugin_segment *out, size_t max);

#endif
