/*
 * policy.h - what each ticket callback decides, scripted.
 *
 * A policy says what the key callback returns on each encrypt and each
 * decrypt call, what the decrypt callback returns for each status, and what
 * the generate callback returns and attaches. Anything not scripted is
 * "natural": the key callback answers from the key ring (1 for the newest
 * key, 2 for an older live key, 0 for an unknown one); the decrypt callback
 * answers as the man page recommends (USE for SUCCESS, USE_RENEW for
 * SUCCESS_RENEW, IGNORE_RENEW for EMPTY and NO_DECRYPT); the generate
 * callback returns 1.
 */
#ifndef TICKETLAB_POLICY_H
#define TICKETLAB_POLICY_H

#include <stddef.h>
#include <limits.h>

#include "ticketlab/error.h"

#define TL_NATURAL INT_MIN        /* "do what a correct callback does" */
#define TL_POLICY_SCRIPT_MAX 16

typedef struct tl_policy {
    /* Key callback, call by call; past the end of a script: natural. */
    int key_enc[TL_POLICY_SCRIPT_MAX];
    size_t n_key_enc;
    int key_dec[TL_POLICY_SCRIPT_MAX];
    size_t n_key_dec;
    /* Decrypt callback, by status (index SSL_TICKET_EMPTY..SUCCESS_RENEW
     * minus SSL_TICKET_EMPTY); TL_NATURAL = the documented default. */
    int decrypt_ret[4];
    /* Generate callback. */
    int generate_ret;             /* 1 (or TL_NATURAL) or 0 */
    unsigned char *appdata;       /* attached by the generate callback; owned */
    size_t appdata_len;
    int set_appdata;              /* 0: attach nothing */
    /* Ticket AEAD method (keys=aead): what max_overhead reports; TL_NATURAL: the real 44 bytes. */
    int aead_overhead;
} tl_policy;

/* tl_policy_init - everything natural, no app data. */
void tl_policy_init(tl_policy *p);

/* tl_policy_free - free the app data copy. */
void tl_policy_free(tl_policy *p);

/* tl_policy_copy - deep copy src into dst (dst need not be initialised). Returns 0 or -1. */
int tl_policy_copy(tl_policy *dst, const tl_policy *src);

/*
 * tl_policy_set_appdata - attach a copy of `len` bytes (len may be 0: an
 * empty attachment, which differs from none). Returns 0 or -1 (out of memory).
 */
int tl_policy_set_appdata(tl_policy *p, const unsigned char *data, size_t len);

/* tl_policy_script_key - append one key-callback return for enc (1) or dec (0). Returns 0 or -1 when full. */
int tl_policy_script_key(tl_policy *p, int enc, int ret);

/* tl_policy_set_decrypt - the decrypt callback's return for `status`. Returns 0 or -1 for a status it never sees. */
int tl_policy_set_decrypt(tl_policy *p, int status, int ret);

/* tl_policy_natural_decrypt - the documented default return for a status. */
int tl_policy_natural_decrypt(int status);

#endif
