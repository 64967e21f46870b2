/*
 * validate.h - check a plug-in's ticket callbacks against OpenSSL's contract.
 *
 * tl_validate_plugin() loads a plug-in (plugin.h), installs its callbacks
 * on the server of in-process worlds (world.h), where the issuer logs every
 * call and return, and runs these checks, in this order:
 *
 *   encrypt            the key callback returns 1 when it issues a ticket
 *   row.*              conformance rows (TLS 1.3 and 1.2: no ticket, a fresh
 *                      ticket, a bad MAC, an unknown key name, truncated, too
 *                      short): what OpenSSL
 *                      did equals what the expectation engine (expect.h)
 *                      predicts for the returns the plug-in gave
 *   decrypt-cb.STATUS  the decrypt callback's return for each status it saw
 *   generate-cb        the generate callback returns 1
 *   tamper.*           bit flips in the key name, IV, body and MAC are never
 *                      accepted; the unmodified ticket resumes
 *   unknown-key        unknown names (last byte changed, first byte changed,
 *                      random) make the key callback return 0
 *   ivs.unique, ivs.nonzero   over 1,000 tickets
 *   keys.constant      no ticket opens with all-zero or one-byte-repeated keys
 *   keys.distinct      the HMAC key is not the AES key
 *   keys.strength      AES-256 ticket keys when the suite is 256-bit
 *   rotation.*         with tl_plugin_rotate: renew under the previous key,
 *                      1 under the new key, old keys retire eventually
 *
 * Each check ends pass, warn, fail, or skip ("not checked", with the
 * reason: ticketlab reports what it could not observe, it never guesses).
 */
#ifndef TICKETLAB_VALIDATE_H
#define TICKETLAB_VALIDATE_H

#include <stddef.h>

#include "ticketlab/error.h"

typedef enum tl_verdict {
    TL_VERDICT_PASS = 0,
    TL_VERDICT_WARN,
    TL_VERDICT_FAIL,
    TL_VERDICT_SKIP           /* not checked; `seen` says why */
} tl_verdict;

#define TL_CHECK_NAME_MAX 48
#define TL_CHECK_TEXT_MAX 640

typedef struct tl_check {
    char name[TL_CHECK_NAME_MAX];      /* "unknown-key", "rotation.renew", ... */
    tl_verdict verdict;
    char seen[TL_CHECK_TEXT_MAX];      /* what the callbacks did */
    char expected[TL_CHECK_TEXT_MAX];  /* what OpenSSL's contract asks */
    char why[TL_CHECK_TEXT_MAX];       /* what the difference does to clients */
} tl_check;

typedef struct tl_validation {
    char plugin[256];         /* the path loaded */
    char provides[160];       /* "key_evp decrypt generate rotate init", ... */
    tl_check *checks;
    size_t n, cap;
    size_t callback_calls;    /* calls logged over all worlds */
    size_t handshakes;
    double seconds;
} tl_validation;

/*
 * tl_validate_plugin - load the plug-in at `path`, call its tl_plugin_init(arg)
 * and run every check on it into out (initialised here; free it with
 * tl_validation_free() whatever this returns).
 * Returns 0 when the checks ran (see tl_validation_failed() for the verdict),
 * or -1 with err when the plug-in could not be loaded or initialised, or the
 * harness itself failed.
 * Not reentrant: the plug-in's callbacks run on this thread and the harness
 * clock is process-wide.
 */
int tl_validate_plugin(const char *path, const char *arg, tl_validation *out, tl_error *err);

/* tl_validation_free - free the checks. */
void tl_validation_free(tl_validation *v);

/* tl_validation_count - how many checks ended with verdict `which`. */
size_t tl_validation_count(const tl_validation *v, tl_verdict which);

/* tl_validation_failed - 1 if any check failed, else 0. */
int tl_validation_failed(const tl_validation *v);

/* tl_validation_find - the check called `name`, or NULL. */
const tl_check *tl_validation_find(const tl_validation *v, const char *name);

/* tl_verdict_name - "pass", "warn", "fail", "skip". */
const char *tl_verdict_name(tl_verdict v);

#endif
