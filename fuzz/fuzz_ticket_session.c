/*
 * fuzz_ticket_session - the plaintext behind the MAC.
 *
 * Input: one selector byte (bit 0: TLS 1.2 or 1.3), then the bytes the
 * server will find after decrypting: normally a DER SSL_SESSION. The
 * harness seals them with the world's own current key (EVP key callback
 * world) and a fixed IV, so every input passes the MAC and the fuzzer
 * reaches d2i_SSL_SESSION and the resumption checks behind it on a stock
 * OpenSSL with real crypto.
 *
 * In TLS 1.3 the PSK binder is recomputed from the input's own session
 * whenever d2i_SSL_SESSION() parses it (tl_probe_run_psk: its master key,
 * its cipher's handshake digest), so that a session the server accepts
 * resumes for real and the code after the binder check runs. Any cipher
 * with a handshake digest, not only TLS 1.3 suites: the server compares
 * only the session's hash with the suite's before it checks the binder.
 * The TLS 1.3 ClientHello offers early data and the probe's server takes it
 * (tl_probe_new_early), so a resumption also reaches the 0-RTT decision:
 * the ticket age against the session's time, age_add and timeout, and the
 * early traffic keys.
 *
 * Oracle: a sealed session that does not parse, or parses with bytes
 * left over, must be NO_DECRYPT and must not resume. A session that
 * resumes runs under the master key that was sealed, and in TLS 1.3 under
 * a suite with the session's hash (tls_parse_ctos_psk drops the PSK
 * otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "der_mutate.h"
#include "fuzz_common.h"
#include "ossl_compat.h"
#include "ticketlab/ticket.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

/*
 * Mutate the DER structure (der_mutate.c) three times out of four, libFuzzer's
 * bytes otherwise. TICKETLAB_FUZZ_PLAIN_MUTATOR=1 turns the structure-aware
 * part off, to measure its worth.
 */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    static int plain = -1;
    size_t n = 0;

    if (plain < 0)
        plain = getenv("TICKETLAB_FUZZ_PLAIN_MUTATOR") != NULL;
    if (!plain && size > 1 && seed % 4 != 0)
        n = tl_der_mutate(data + 1, size - 1, max_size - 1, seed);
    return n ? n + 1 : LLVMFuzzerMutate(data, size, max_size);
}

/* The session to compute the TLS 1.3 binder from: s, when the probe can
 * (a cipher with a handshake digest), else NULL (the captured binder). */
static const SSL_SESSION *binder_session(int version, const SSL_SESSION *s)
{
    const SSL_CIPHER *c = s != NULL ? SSL_SESSION_get0_cipher(s) : NULL;

    return version == TLS1_3_VERSION && c != NULL && SSL_CIPHER_get_handshake_digest(c) != NULL
           && SSL_SESSION_get_master_key(s, NULL, 0) <= TL_PROBE_MAX_PSK ? s : NULL;
}

/* Abort unless the server resumed under `sealed`'s master key and, in TLS
 * 1.3, with a suite of the same handshake hash. */
static void check_resumed(tl_probe *p, int version, const SSL_SESSION *sealed)
{
    SSL *server = tl_probe_server(p);
    SSL_SESSION *s = SSL_get_session(server);
    unsigned char want[TL_PROBE_MAX_PSK], got[TL_PROBE_MAX_PSK];
    size_t want_len = SSL_SESSION_get_master_key(sealed, want, sizeof(want));
    size_t got_len = s != NULL ? SSL_SESSION_get_master_key(s, got, sizeof(got)) : 0;

    if (s == NULL || got_len != want_len || memcmp(got, want, want_len) != 0)
        tl_fuzz_die("the server resumed, but not under the sealed session's %zu-byte master "
                    "key (%zu bytes)", want_len, got_len);
    if (version == TLS1_3_VERSION) {
        const SSL_CIPHER *suite = SSL_get_current_cipher(server);
        const EVP_MD *md = SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(sealed));

        if (suite == NULL || md == NULL || SSL_CIPHER_get_handshake_digest(suite) == NULL
            || EVP_MD_get_type(SSL_CIPHER_get_handshake_digest(suite)) != EVP_MD_get_type(md))
            tl_fuzz_die("a TLS 1.3 server resumed a %s session under %s, another hash",
                        SSL_CIPHER_get_name(SSL_SESSION_get0_cipher(sealed)),
                        suite != NULL ? SSL_CIPHER_get_name(suite) : "no suite");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char iv[TL_TICKET_IV_LEN] = { 0x1c, 0x0f, 0xfe, 0xe5 };
    tl_world *w;
    tl_probe *p;
    tl_probe_result r;
    tl_error err = { "" };
    const tl_key *key;
    unsigned char *ticket = NULL;
    size_t ticket_len = 0;
    const unsigned char *q;
    SSL_SESSION *parsed;
    int version, parses;

    if (size < 1 || size - 1 > TL_PROBE_MAX_TICKET - 128)
        return 0;
    version = (data[0] & 1) ? TLS1_3_VERSION : TLS1_2_VERSION;
    p = tl_fuzz_probe(version, TL_KEYS_EVP_CB, &w);
    key = tl_keyring_current(tl_world_keyring(w));
    if (key == NULL)
        tl_fuzz_die("the world's key ring is empty");
    if (tl_ticket_seal(key, iv, data + 1, size - 1, &ticket, &ticket_len, &err) != 0)
        tl_fuzz_die("seal failed: %s", err.msg);
    /* Would OpenSSL parse exactly these bytes as one session? Its binder
     * even when bytes are left over: the server must refuse that session,
     * and the right binder leaves nothing else to refuse it for. */
    q = data + 1;
    parsed = d2i_SSL_SESSION(NULL, &q, (long)(size - 1));
    parses = parsed != NULL && q == data + size;
    if (tl_probe_run_psk(p, ticket, ticket_len, binder_session(version, parsed), &r, &err) != 0)
        tl_fuzz_die("probe failed: %s", err.msg);
    free(ticket);
    tl_fuzz_feedback_probe(w, &r);

    if (!parses && r.resumed)
        tl_fuzz_die("the server resumed from %zu sealed bytes that are not exactly one "
                    "DER SSL_SESSION", size - 1);
    if (r.resumed)
        check_resumed(p, version, parsed);
    SSL_SESSION_free(parsed);
    for (size_t i = r.ev_begin; i < r.ev_end; i++) {
        const tl_event *e = &tl_world_events(w)->ev[i];

        if (e->kind == TL_EV_DECRYPT_CB && !parses && e->status != SSL_TICKET_NO_DECRYPT)
            tl_fuzz_die("sealed bytes that do not parse gave status %s, not NO_DECRYPT",
                        tl_ticket_status_name(e->status));
    }
    return 0;
}
