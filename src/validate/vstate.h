/*
 * vstate.h - the state of one plug-in validation, shared by the files
 * that implement validate.h (validate.c, vrows.c, vprobes.c, vkeys.c,
 * vrotate.c). Internal.
 *
 * The plug-in's key callback is wrapped twice: the issuer (issuer.c) logs
 * every call and return; inside it, the validator's shim watches the
 * encryption calls (their returns, their IVs, and a copy of the first
 * contexts, for the key checks).
 */
#ifndef TICKETLAB_VSTATE_H
#define TICKETLAB_VSTATE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "keyhunt.h"
#include "ticketlab/plugin.h"
#include "validate.h"
#include "ticketlab/world.h"

#define TL_V_IV_TARGET 1000      /* tickets the IV check looks at */
#define TL_V_RET_MAX 8           /* distinct decrypt-callback returns kept per status */

typedef struct tl_vstate {
    tl_user_callbacks shim;      /* first: the issuer hands &shim back as iss->user */
    tl_plugin *plugin;
    const tl_user_callbacks *cbs;    /* the plug-in's own */
    tl_validation *out;
    int64_t now;                 /* the harness clock, carried from world to world */
    uint64_t seed;
    /* encryption calls, as the shim saw them */
    size_t enc_calls, enc_one, enc_zero, enc_neg, enc_other;
    int enc_other_ret;
    tl_key_oracle oracle;
    int oracle_tried;
    char oracle_error[TL_ERROR_MAX];
    int collect_ivs;
    unsigned char (*ivs)[16];
    size_t n_ivs;
    /* decrypt callback returns by status (index status - SSL_TICKET_EMPTY) */
    int dret[4][TL_V_RET_MAX];
    size_t n_dret[4];
    size_t gen_calls, gen_zero;
    int gen_other_ret;
    char suite[64];              /* the TLS 1.3 suite negotiated */
} tl_vstate;

/* tl_vcheck - append a check (seen is printf-style). Out of memory drops it silently. */
void tl_vcheck(tl_vstate *v, const char *name, tl_verdict verdict, const char *expected,
               const char *why, const char *seen_fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* tl_vworld - a world of `version` whose server runs the plug-in's callbacks,
 * on the validator's clock. timeout 0: OpenSSL's default. NULL with err. */
tl_world *tl_vworld(tl_vstate *v, int version, int num_tickets, long timeout, tl_error *err);

/* tl_vworld_done - take the world's log into the tallies, keep its clock, free it. */
void tl_vworld_done(tl_vstate *v, tl_world *w);

/* tl_vhandshake - one handshake offering `sess` (NULL: none) with its ticket
 * replaced by ticket/len when ticket is not NULL. Returns 0 or -1. */
int tl_vhandshake(tl_vstate *v, tl_world *w, SSL_SESSION *sess, const unsigned char *ticket,
                  size_t len, int new_tickets, tl_handshake_result *r, tl_error *err);

/* tl_vevent - the n-th event of `kind` (key callback: with that enc) in r, or NULL. */
const tl_event *tl_vevent(tl_world *w, const tl_handshake_result *r, tl_event_kind kind,
                          int enc, size_t n);

/* A ticket the plug-in minted, with the client's session for it. */
typedef struct tl_vticket {
    unsigned char *bytes;        /* malloc'd */
    size_t len;
    SSL_SESSION *sess;           /* owned */
} tl_vticket;

/* tl_vticket_free - free and zero t. */
void tl_vticket_free(tl_vticket *t);

/* tl_vmint - a full handshake in w whose first ticket and session are
 * kept in t. Returns 1 when a ticket came, 0 when none did (why says what
 * happened), -1 on error. */
int tl_vmint(tl_vstate *v, tl_world *w, tl_vticket *t, char *why, size_t why_size, tl_error *err);

/* tl_vhandshake_text - "full handshake", "resumed", "handshake failed (alert ...)". */
void tl_vhandshake_text(const tl_handshake_result *r, char *buf, size_t size);

/* The probes, each in its own file; each adds its checks. Return -1 only on harness errors. */
int tl_vprobe_rows(tl_vstate *v, tl_error *err);           /* vrows.c */
void tl_vcheck_decrypt_cb(tl_vstate *v);                    /* vrows.c */
int tl_vprobe_tamper(tl_vstate *v, tl_error *err);         /* vprobes.c */
int tl_vprobe_ivs(tl_vstate *v, tl_error *err);            /* vprobes.c */
int tl_vprobe_keys(tl_vstate *v, tl_error *err);           /* vkeys.c */
int tl_vprobe_rotation(tl_vstate *v, tl_error *err);       /* vrotate.c */

#endif
