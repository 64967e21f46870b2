/*
 * events.h - the event log: every ticket callback call, in order.
 *
 * The issuer appends one event per call of the key callback, the decrypt
 * callback and the generate callback, with what OpenSSL passed in and what
 * the callback returned. Tests and the conformance suite assert on it.
 */
#ifndef TICKETLAB_EVENTS_H
#define TICKETLAB_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ticketlab/error.h"

typedef enum tl_event_kind {
    TL_EV_KEY_CB = 0,     /* ticket key callback (EVP or legacy HMAC) */
    TL_EV_DECRYPT_CB,     /* SSL_CTX_set_session_ticket_cb decrypt callback */
    TL_EV_GENERATE_CB,    /* SSL_CTX_set_session_ticket_cb generate callback */
    TL_EV_AEAD_OPEN,      /* SSL_TICKET_AEAD_METHOD open (BoringSSL, AWS-LC):
                             ret is an ssl_ticket_aead_result_t, TL_AEAD_* */
    TL_EV_AEAD_SEAL       /* SSL_TICKET_AEAD_METHOD seal: ret 1 sealed, 0 failed */
} tl_event_kind;

/* ssl_ticket_aead_result_t's values (BoringSSL's ssl.h), for the events of
 * TL_EV_AEAD_OPEN on any build. */
enum { TL_AEAD_SUCCESS = 0, TL_AEAD_RETRY = 1, TL_AEAD_IGNORE = 2, TL_AEAD_ERROR = 3 };

/* tl_aead_result_name - "success", "retry", "ignore", "error", or "RESULT_<n>". */
const char *tl_aead_result_name(int result);

/* tl_aead_result_parse - the reverse, or a decimal number. Returns 0 or -1. */
int tl_aead_result_parse(const char *name, int *result);

typedef struct tl_event {
    tl_event_kind kind;
    int handshake;               /* 0 for the first handshake of the world, 1, ... */
    int enc;                     /* key callback: 1 encrypt, 0 decrypt */
    unsigned char key_name[16];  /* key callback: name written/seen; decrypt: name passed */
    size_t key_name_len;         /* decrypt callback: keyname_length from OpenSSL */
    int status;                  /* decrypt callback: SSL_TICKET_STATUS seen */
    int has_session;             /* decrypt callback: ss != NULL */
    unsigned char *appdata;      /* decrypt: app data in ss; generate: app data attached */
    size_t appdata_len;
    int has_appdata;
    int ret;                     /* the value returned to OpenSSL */
    int key_found;               /* key callback, decrypt: the ring knew the name */
} tl_event;

typedef struct tl_event_log {
    tl_event *ev;
    size_t n;
    size_t cap;
} tl_event_log;

/* tl_event_log_init / tl_event_log_reset / tl_event_log_free - lifecycle. */
void tl_event_log_init(tl_event_log *log);
void tl_event_log_reset(tl_event_log *log);   /* drop all events, keep memory */
/* tl_event_log_truncate - drop the events from index n on (none when n >= log->n). */
void tl_event_log_truncate(tl_event_log *log, size_t n);
void tl_event_log_free(tl_event_log *log);

/*
 * tl_event_log_add - append a copy of *e (its appdata is copied too).
 * Returns 0, or -1 when out of memory.
 */
int tl_event_log_add(tl_event_log *log, const tl_event *e);

/* tl_event_log_count - how many events of `kind` (in handshake hs, or any if hs < 0). */
size_t tl_event_log_count(const tl_event_log *log, tl_event_kind kind, int hs);

/* tl_ticket_status_name - "EMPTY", "NO_DECRYPT", ... for SSL_TICKET_STATUS. */
const char *tl_ticket_status_name(int status);

/* tl_ticket_status_parse - the reverse of tl_ticket_status_name(). Returns 0 or -1. */
int tl_ticket_status_parse(const char *name, int *status);

/* tl_ticket_return_name - "ABORT", "IGNORE", ... or "RETURN_<n>" if unknown. */
const char *tl_ticket_return_name(int ret);

/* tl_ticket_return_parse - "USE" (etc.) or a decimal number from -1000000 to 1000000 into *ret. Returns 0 or -1. */
int tl_ticket_return_parse(const char *name, int *ret);

/* tl_event_kind_name - "key_cb", "decrypt_cb", "generate_cb", "aead_open", "aead_seal". */
const char *tl_event_kind_name(tl_event_kind kind);

/*
 * tl_event_format - one line for an event, e.g.
 * "hs1 key_cb dec name=00000001000000000000000000000000 -> 2".
 * Writes at most size bytes (always NUL-terminated).
 */
void tl_event_format(const tl_event *e, char *buf, size_t size);

/*
 * tl_event_write_json - write one event as a JSON object, e.g.
 * {"kind":"key_cb","handshake":1,"enc":false,"key_name":"0000...","ret":2}.
 */
void tl_event_write_json(FILE *f, const tl_event *e);

#endif
