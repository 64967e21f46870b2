/*
 * scenario.h - one conformance scenario: a fresh deterministic world, an
 * optional set-up handshake that mints a ticket, the edits between the two
 * handshakes, and the checked handshake whose outcome is observed.
 *
 * A scenario has a one-line text form of space-separated key=value fields;
 * a field left out keeps its default:
 *
 *     tls=1.3 keys=evp-cb present=older dret=USE
 *
 * The fields, with their ranges, defaults and meaning, are one table in
 * scenario_text.c; `ticketlab conformance --fields` prints it.
 */
#ifndef TICKETLAB_SCENARIO_H
#define TICKETLAB_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ticketlab/error.h"
#include "ticketlab/issuer.h"
#include "outcome.h"

#define TL_SCENARIO_SCRIPT_MAX 4
#define TL_SCENARIO_LINE_MAX 512

typedef enum tl_present {
    TL_PRESENT_NONE = 0,
    TL_PRESENT_EMPTY,
    TL_PRESENT_NEWEST,
    TL_PRESENT_OLDER,
    TL_PRESENT_RETIRED,
    TL_PRESENT_UNKNOWN_KEY,
    TL_PRESENT_BAD_HMAC,
    TL_PRESENT_BAD_PADDING,
    TL_PRESENT_TRUNCATED,
    TL_PRESENT_SHORT,
    TL_PRESENT_TRAILING,
    TL_PRESENT_BAD_SESSION
} tl_present;

#define TL_PRESENT_COUNT (TL_PRESENT_BAD_SESSION + 1)

typedef struct tl_scenario {
    int tls;                  /* TLS1_2_VERSION or TLS1_3_VERSION: the checked handshake */
    int from;                 /* version of the set-up handshake */
    tl_key_source keys;
    int ticket_cb;
    tl_present present;
    int kdec[TL_SCENARIO_SCRIPT_MAX];
    size_t n_kdec;
    int kenc[TL_SCENARIO_SCRIPT_MAX];
    size_t n_kenc;
    int dret;                 /* TL_NATURAL or the decrypt callback's return */
    int gen;                  /* TL_NATURAL, 1 or 0 */
    long app;                 /* -1: no app data */
    long app2;                /* -1: as app */
    int num_tickets;          /* -1: OpenSSL's default */
    int new_tickets;
    int no_ticket;
    uint32_t early;
    long early2;              /* -1: as early; else the checked handshake's server */
    int send_early;
    int no_anti_replay;
    int replay;
    int hrr;
    int sni_switch;
    int sid_other;
    char cipher[64];
    long advance;
    long timeout;             /* 0: OpenSSL's default (7200) */
    long key_lifetime;        /* 0: TL_DEFAULT_LIFETIME */
    long skew;
    int world_alpn;
    char alpn[32];            /* "" : the world's */
    char groups[64];          /* "" : TL_DEFAULT_GROUPS */
    int aead_overhead;        /* keys=aead: max_overhead's answer; TL_NATURAL: the real one */
} tl_scenario;

/*
 * tl_scenario_lacks - NULL when the running TLS library has every API sc
 * needs, else the sentence that makes the row n/a there, e.g. "BoringSSL
 * has no SSL_CTX_set_session_ticket_cb (no generate or decrypt callback)"
 * (scenario_lib.c). Never fails.
 */
const char *tl_scenario_lacks(const tl_scenario *sc);

/* tl_scenario_init - the defaults: TLS 1.3, EVP key callback, callbacks on, nothing presented. */
void tl_scenario_init(tl_scenario *sc);

/*
 * tl_scenario_parse - read the text form into sc (which is initialised
 * first). Returns 0, or -1 with err naming the field and what it takes.
 */
int tl_scenario_parse(const char *text, tl_scenario *sc, tl_error *err);

/* tl_scenario_format - the canonical text form (defaults left out) into buf. */
void tl_scenario_format(const tl_scenario *sc, char *buf, size_t size);

/* tl_present_name - "none", "newest", ... */
const char *tl_present_name(tl_present p);

/* tl_present_parse - the reverse. Returns 0 or -1. */
int tl_present_parse(const char *name, tl_present *out);


/* tl_scenario_key_lifetime - the key ring lifetime the scenario runs with (retired: 3600). */
/*
 * tl_scenario_fields_print - write the field table to f: a text table, or
 * with json set a JSON array of {name, syntax, default, doc} (what
 * conformance/gen_rows.py reads). Never fails; write errors are the
 * caller's to check on f.
 */
void tl_scenario_fields_print(FILE *f, int json);

long tl_scenario_key_lifetime(const tl_scenario *sc);

/* tl_scenario_clock_advance - the seconds the clock moves before the checked handshake. */
long tl_scenario_clock_advance(const tl_scenario *sc);

/* tl_scenario_server_early - the checked handshake's server's max_early_data (early2, else early). */
uint32_t tl_scenario_server_early(const tl_scenario *sc);

/*
 * tl_scenario_run - run sc in a fresh world (seeded with 1) and observe the
 * checked handshake into obs. Returns 0 when the scenario ran (whatever
 * the handshake's outcome), -1 when the harness itself failed (the set-up
 * handshake minted no ticket, out of memory, ...) with err.
 */
int tl_scenario_run(const tl_scenario *sc, tl_outcome *obs, tl_error *err);

/*
 * tl_scenario_world_key - the key under which tl_scenario_run() keeps sc's
 * world after its set-up (scenario_memo.h), into buf (at least
 * TL_SCENARIO_MEMO_KEY_MAX bytes): scenarios with the same key share one
 * set-up, so a runner that splits rows between processes keeps them
 * together. Returns 0, or -1 when sc's world is never kept (each run
 * builds its own; the memos are off, or the scenario changes settings
 * the memo cannot rewind).
 */
int tl_scenario_world_key(const tl_scenario *sc, char *buf, size_t size);

#endif
