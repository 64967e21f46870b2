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
 *  tls=1.2|1.3        version of the checked handshake (default 1.3)
 *  from=1.2|1.3       version of the set-up handshake that minted the ticket (default: tls)
 *  keys=evp-cb|legacy-cb|builtin|set-keys   where the ticket keys come from (default evp-cb)
 *  cb=0|1             install the generate/decrypt callbacks (default 1)
 *  present=P          what the client offers in the checked handshake:
 *     none         nothing (a full handshake; TLS 1.2 clients send an empty ticket extension)
 *     empty        an empty ticket: in TLS 1.2 as none; in TLS 1.3 an empty PSK identity,
 *                  which no OpenSSL client sends: the probe (probe.h) edits the ClientHello
 *                  and runs the server alone
 *     newest       the ticket, still under the newest key
 *     older        the ticket, after a newer key (revision 2) was added to the ring
 *     retired      the ticket, after its key outlived the ring's lifetime (3600 s)
 *     unknown-key  first key name byte flipped
 *     bad-hmac     last MAC byte flipped
 *     bad-padding  resealed under the server's key: MAC right, CBC padding wrong
 *     truncated    cut to name + IV + MAC (64 bytes): the key callback runs, then too short
 *     short        cut to 31 bytes: shorter than name + IV, no key callback
 *     trailing     resealed: the session's DER followed by 2 stray bytes
 *     bad-session  resealed: 40 bytes that are not a DER SSL_SESSION
 *  kdec=R[,R...]      key callback returns while decrypting, in the checked handshake
 *                     ("n" for a call that decides naturally, from the key ring)
 *  kenc=R[,R...]      key callback returns while encrypting, in the checked handshake
 *  dret=RET           decrypt callback return for every status: ABORT, IGNORE,
 *                     IGNORE_RENEW, USE, USE_RENEW or a number (default: natural)
 *  gen=0|1            generate callback return in the checked handshake
 *  app=N              the generate callback attaches N bytes of app data from the start
 *  app2=N             ... and N other bytes in the checked handshake
 *  nt=N               SSL_CTX_set_num_tickets (default: OpenSSL's, 2)
 *  newt=N             extra SSL_new_session_ticket() calls after the checked handshake
 *  noticket=1         SSL_OP_NO_TICKET on the server
 *  early=N            max_early_data on both sides; send0rtt=1 sends 0-RTT data when
 *                     the offered session allows it (SSL_SESSION_get_max_early_data > 0),
 *                     as a real client checks first
 *  noreplay=1         SSL_OP_NO_ANTI_REPLAY on the server
 *  replay=1           offer the same ticket in two handshakes; the second is checked
 *  hrr=1              the server only takes P-256 key shares: a HelloRetryRequest
 *  sni=switch         the servername callback moves the server to a second SSL_CTX
 *                     (other keys, other session id context) in the checked handshake
 *  sidctx=other       change the server's session id context before the checked handshake
 *  cipher=LIST        server ciphers (1.3 suites, or a 1.2 cipher list) for the checked handshake
 *  advance=S          move the clock S seconds before the checked handshake
 *  timeout=S          server session timeout (SSL_CTX_set_timeout)
 *  klife=S            key ring lifetime (default 7200)
 *  skew=S             the client believes the ticket is S seconds older than it is
 *  walpn=1            the world speaks ALPN "h2,http/1.1"; alpn=LIST: the client's in the checked handshake
 *  groups=LIST        both sides' key groups (default TL_DEFAULT_GROUPS, "X25519:P-256": classic
 *                     groups pinned, so no row depends on a release's default key shares)
 */
#ifndef TICKETLAB_SCENARIO_H
#define TICKETLAB_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

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
} tl_scenario;

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

/* tl_ticket_return_parse - "USE" (etc.) or a decimal number into *ret. Returns 0 or -1. */
int tl_ticket_return_parse(const char *name, int *ret);

/* tl_scenario_key_lifetime - the key ring lifetime the scenario runs with (retired: 3600). */
long tl_scenario_key_lifetime(const tl_scenario *sc);

/* tl_scenario_clock_advance - the seconds the clock moves before the checked handshake. */
long tl_scenario_clock_advance(const tl_scenario *sc);

/*
 * tl_scenario_run - run sc in a fresh world (seeded with 1) and observe the
 * checked handshake into obs. Returns 0 when the scenario ran (whatever
 * the handshake's outcome), -1 when the harness itself failed (the set-up
 * handshake minted no ticket, out of memory, ...) with err.
 */
int tl_scenario_run(const tl_scenario *sc, tl_outcome *obs, tl_error *err);

#endif
