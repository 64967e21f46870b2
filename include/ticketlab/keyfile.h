/*
 * keyfile.h - the ticket key files real servers use.
 *
 *  libtls   ticketlab's record of tls_config_add_ticket_key() arguments:
 *           one or more 52-byte records, each a 4-byte big-endian revision
 *           then the 48 key bytes (AES-256 32 | HMAC 16). Records are added
 *           in file order, so the last one is the newest. (libtls itself has
 *           no key file; this is the smallest faithful one.)
 *  nginx    ssl_session_ticket_key: exactly 48 bytes (name 16 | AES-128 16 |
 *           HMAC 16) or 80 bytes (name 16 | HMAC 32 | AES-256 32).
 *  envoy    session_ticket_keys: 80 bytes, the nginx 80-byte layout.
 *  haproxy  tls-ticket-keys: one base64 key per line, each decoding to 48
 *           bytes (name 16 | AES-128 16 | HMAC 16) or 80 bytes (name 16 |
 *           AES-256 32 | HMAC 32: note, not the nginx order). Blank lines and
 *           lines starting with '#' are skipped.
 *
 * Which key encrypts: for nginx and envoy the first key loaded; for haproxy
 * the one haproxy encrypts with (see keyfile.c for the rule and its source).
 */
#ifndef TICKETLAB_KEYFILE_H
#define TICKETLAB_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "ticketlab/error.h"
#include "ticketlab/keyring.h"

typedef enum tl_keyfmt {
    TL_KEYFMT_LIBTLS = 0,
    TL_KEYFMT_NGINX,
    TL_KEYFMT_ENVOY,
    TL_KEYFMT_HAPROXY
} tl_keyfmt;

/* tl_keyfmt_parse - "libtls", "nginx", "envoy" or "haproxy". Returns 0 or -1. */
int tl_keyfmt_parse(const char *name, tl_keyfmt *out);

/* tl_keyfmt_name - the format's name as tl_keyfmt_parse() takes it. */
const char *tl_keyfmt_name(tl_keyfmt fmt);

/*
 * tl_keyfile_decode - parse `len` bytes of a key file in `fmt` and add its
 * keys to kr. `label` names the input in messages (usually the path).
 * Returns 0, or -1 with e.g. "keys.bin: nginx key files are 48 or 80 bytes,
 * this one is 52" or "keys.txt:3: not base64". On failure kr is unchanged.
 */
int tl_keyfile_decode(tl_keyring *kr, const unsigned char *data, size_t len,
                      tl_keyfmt fmt, const char *label, tl_error *err);

/*
 * tl_keyfile_load - read the file at `path` (at most 1 MiB) and decode it
 * as tl_keyfile_decode() does. Returns 0 or -1 (I/O errors name the path).
 */
int tl_keyfile_load(tl_keyring *kr, const char *path, tl_keyfmt fmt,
                    tl_error *err);

/*
 * tl_keyfile_generate - make a fresh key file in `fmt` from tl_rng_bytes().
 * `size` picks 48 or 80 bytes per key where the format has both (0 = 80 for
 * nginx/envoy/haproxy); libtls ignores it. haproxy files get 3 keys. For
 * libtls the record carries `revision`; for named formats the key name is
 * derived from `revision` the libtls way, so files made with different
 * revisions never share a name. *out is malloc'd; the caller frees it.
 * Returns 0 or -1.
 */
int tl_keyfile_generate(tl_keyfmt fmt, size_t size, uint32_t revision,
                        unsigned char **out, size_t *outlen, tl_error *err);

#endif
