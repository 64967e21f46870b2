/*
 * outcome.h - everything a user can observe of one handshake, as a value
 * that can be written on one line, read back, and compared.
 *
 * The conformance suite pins outcomes in conformance/expectations.tl, the
 * scenario runner observes them (scenario.h), and the expectation engine
 * predicts them (expect.h). All three meet here.
 *
 * The one-line form, fields in this order, separated by single spaces:
 *
 *     hs=ok/ok reused=1/1 alert=-/- tickets=1 hints=7200 early=none
 *     log=kdec:r1=2,dcb:SUCCESS_RENEW:r1:a-=USE_RENEW,gen:a-=1,kenc:r2=1
 *
 *  hs      client/server: "ok", "fail", or "-" for a side that did not run.
 *          A side fails when its own handshake state machine hits a fatal
 *          error. For the server that covers every NewSessionTicket it
 *          writes: the num_tickets ones after the handshake and those that
 *          SSL_new_session_ticket() asks for, which OpenSSL writes through
 *          the same state machine (ossl_statem_server13_write_transition,
 *          TLS_ST_SW_SESSION_TICKET). A side that had finished and then only
 *          receives the peer's fatal alert stays "ok" (the alert field shows it):
 *          a TLS 1.3 generate-callback failure is hs=ok/fail whichever
 *          ticket it hits.
 *  reused  client/server SSL_session_reused(): 1, 0 or -
 *  alert   the alert each side sent (client/server), "-" for none
 *  tickets NewSessionTickets the client received
 *  hints   their lifetime hints, comma-separated; an "e" suffix marks an
 *          empty ticket (TLS 1.2's empty NewSessionTicket); "-" for none
 *  early   none, accepted or rejected (the client's view of 0-RTT)
 *  log     the server's ticket callbacks in order (cblog.h: structured
 *          entries; its text form, e.g. kdec:r1=1,dcb:SUCCESS:r1:a-=USE)
 */
#ifndef TICKETLAB_OUTCOME_H
#define TICKETLAB_OUTCOME_H

#include <stddef.h>

#include "cblog.h"
#include "ticketlab/error.h"

#define TL_OUTCOME_LOG_MAX TL_CBLOG_TEXT_MAX   /* the log's text form, at most */
#define TL_OUTCOME_HINTS_MAX 160
#define TL_OUTCOME_LINE_MAX (TL_OUTCOME_LOG_MAX + TL_OUTCOME_HINTS_MAX + 160)

/* Outcome classes, as the SVG colours them. */
typedef enum tl_outcome_class {
    TL_CLASS_FAILED = 0,      /* a side failed */
    TL_CLASS_FULL,            /* full handshake */
    TL_CLASS_RESUMED,         /* resumed, no new ticket */
    TL_CLASS_RESUMED_TICKET   /* resumed and a new ticket issued */
} tl_outcome_class;

typedef struct tl_outcome {
    int client_ok, server_ok;         /* 1, 0, or -1: that side did not run */
    int client_reused, server_reused; /* 1, 0 or -1 */
    int client_alert, server_alert;   /* alert description sent, -1 none */
    int n_tickets;
    char hints[TL_OUTCOME_HINTS_MAX]; /* "7200,7200", "0e", "-" */
    int early;                        /* TL_EARLY_* from world.h */
    tl_cblog log;                     /* the ticket callbacks, in order */
} tl_outcome;

/* tl_outcome_init - a blank outcome: both sides ok, nothing reused, no alerts, empty log. */
void tl_outcome_init(tl_outcome *o);

/* tl_outcome_log_text - o's callback log in its text form (cblog.h) into buf; returns buf. */
const char *tl_outcome_log_text(const tl_outcome *o, char *buf, size_t size);

/* tl_outcome_hint_add - append one lifetime hint (empty: the ticket had no bytes). */
void tl_outcome_hint_add(tl_outcome *o, unsigned long hint, int empty);

struct tl_handshake_result;

/*
 * tl_outcome_observe - fill o from a handshake's result (world.h): both
 * sides, alerts, tickets and hints, 0-RTT. The log is left "-": the caller
 * adds the events it wants with tl_cblog_add(&o->log, ...).
 */
void tl_outcome_observe(tl_outcome *o, const struct tl_handshake_result *r);

/* tl_outcome_format - the one-line form into buf (always NUL-terminated). */
void tl_outcome_format(const tl_outcome *o, char *buf, size_t size);

/*
 * tl_outcome_parse - read the one-line form. Fields may come in any order;
 * every field must be present. Returns 0, or -1 with err naming the field.
 */
int tl_outcome_parse(const char *text, tl_outcome *o, tl_error *err);

/*
 * tl_outcome_diff - compare want with got field by field and write the
 * differences into buf as "field: want X, got Y; ..." ("" when equal).
 * Returns the number of fields that differ.
 */
int tl_outcome_diff(const tl_outcome *want, const tl_outcome *got,
                    char *buf, size_t size);

/* tl_outcome_classify - the class the SVG colours a cell with. */
tl_outcome_class tl_outcome_classify(const tl_outcome *o);

/* tl_outcome_class_name - "failed", "full", "resumed", "resumed+ticket". */
const char *tl_outcome_class_name(tl_outcome_class c);

/* tl_alert_parse - the reverse of tl_alert_name(): "-" or "none" is -1. Returns 0 or -1. */
int tl_alert_parse(const char *name, int *alert);

#endif
