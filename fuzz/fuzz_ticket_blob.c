/*
 * fuzz_ticket_blob - raw bytes presented to the server as the ticket.
 *
 * Input: one selector byte, then the ticket.
 *   selector bit 0     0 = TLS 1.2 (session_ticket extension), 1 = TLS 1.3 (PSK identity)
 *   selector bits 1-2  key source: 0 built-in keys, 1 EVP key callback,
 *                      2 legacy HMAC callback, 3 SSL_CTX_set_tlsext_ticket_keys
 * The server alone processes a captured ClientHello carrying the ticket
 * (probe.h): length, key name, MAC and decryption checks, then session
 * parsing for what gets through.
 *
 * With a static libssl the same bytes then also go straight into libssl's
 * tls_decrypt_ticket() in a heap buffer of exactly their size
 * (decrypt_direct.h), so that ASan reports any read past the ticket's end.
 *
 * In TLS 1.3 the PSK binder is recomputed for each input from the genuine
 * session (tl_probe_run_psk), so any ticket that decrypts into a session
 * with the genuine PSK resumes for real, not only the captured bytes.
 *
 * Oracle: nobody can forge a ticket. Whatever resumes, and whatever the
 * decrypt callback or the direct call sees as SUCCESS or SUCCESS_RENEW
 * (which also covers a TLS 1.3 forgery into a session of another PSK,
 * which the binder stops from resuming), must authenticate under the
 * server's own keys when the offline codec (ticket.c, written apart from
 * OpenSSL) checks it; anything else is a MAC bypass and aborts. (Not "only
 * the genuine ticket": a seed minted by another OpenSSL version under the
 * same keys is just as valid.)
 */
#include <string.h>

#include "decrypt_direct.h"
#include "fuzz_common.h"
#include "ticketlab/ticket.h"

/* The keys the server of w encrypts with, as a ring the codec can use. */
static const tl_keyring *server_keys(tl_world *w, int slot)
{
    static tl_keyring *rings[8];
    unsigned char keys[80];
    tl_key k;

    if (tl_world_get_config(w)->key_source != TL_KEYS_BUILTIN)
        return tl_world_keyring(w);
    if (rings[slot] != NULL)
        return rings[slot];
    /* OpenSSL's own random keys: name 16 | HMAC 32 | AES 32. */
    if (SSL_CTX_get_tlsext_ticket_keys(tl_world_server_ctx(w), keys, sizeof(keys)) != 1)
        tl_fuzz_die("cannot read OpenSSL's built-in ticket keys");
    memset(&k, 0, sizeof(k));
    memcpy(k.name, keys, 16);
    memcpy(k.hmac, keys + 16, 32);
    memcpy(k.aes, keys + 48, 32);
    k.hmac_len = k.aes_len = 32;
    rings[slot] = tl_keyring_new(0);
    if (rings[slot] == NULL || tl_keyring_add_named(rings[slot], &k) != 0)
        tl_fuzz_die("cannot hold the built-in keys in a ring");
    return rings[slot];
}

/* Abort unless `ticket` authenticates under the server's keys. */
static void must_authenticate(tl_world *w, int slot, const uint8_t *ticket, size_t len, const char *how)
{
    tl_ticket_info info;
    tl_error err = { "" };

    memset(&info, 0, sizeof(info));
    if (tl_ticket_open(server_keys(w, slot), ticket, len, &info, &err) != 0)
        tl_fuzz_die("the codec failed: %s", err.msg);
    if (info.verdict != TL_TICKET_OK)
        tl_fuzz_die("%s a %zu-byte ticket that does not authenticate under the server's keys (%s): "
                    "a forged ticket was accepted", how, len, tl_ticket_verdict_name(info.verdict));
    tl_ticket_info_clear(&info);
}

/* Did the decrypt callback see a decrypted session in this run? */
static int callback_saw_success(tl_world *w, const tl_probe_result *r)
{
    const tl_event_log *log = tl_world_events(w);

    for (size_t i = r->ev_begin; i < r->ev_end && i < log->n; i++)
        if (log->ev[i].kind == TL_EV_DECRYPT_CB
            && (log->ev[i].status == SSL_TICKET_SUCCESS || log->ev[i].status == SSL_TICKET_SUCCESS_RENEW))
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tl_key_source sources[4] = { TL_KEYS_BUILTIN, TL_KEYS_EVP_CB,
                                              TL_KEYS_LEGACY_CB, TL_KEYS_SET_KEYS };
    tl_world *w;
    tl_probe *p;
    tl_probe_result r;
    tl_error err = { "" };
    const unsigned char *genuine;
    size_t genuine_len;
    int version;

    if (size < 1 || size - 1 > TL_PROBE_MAX_TICKET)
        return 0;
    version = (data[0] & 1) ? TLS1_3_VERSION : TLS1_2_VERSION;
    p = tl_fuzz_probe(version, sources[(data[0] >> 1) & 3], &w);
    if (tl_probe_run_psk(p, data + 1, size - 1,
                         version == TLS1_3_VERSION ? tl_probe_session(p) : NULL, &r, &err) != 0)
        tl_fuzz_die("probe failed: %s", err.msg);
    tl_fuzz_feedback_probe(w, &r);

    genuine = tl_probe_ticket(p, &genuine_len);
    if (size - 1 == genuine_len && memcmp(data + 1, genuine, genuine_len) == 0)
        return 0;
    if (r.resumed)
        must_authenticate(w, data[0] & 7, data + 1, size - 1, "the server resumed from");
    else if (callback_saw_success(w, &r))
        must_authenticate(w, data[0] & 7, data + 1, size - 1, "the decrypt callback got a session from");
    if (tl_fuzz_direct_available()) {
        int st = tl_fuzz_decrypt_direct(tl_probe_server(p), data + 1, size - 1);

        tl_fuzz_feedback(TL_FB_STATUS, (unsigned)st + 8);
        if (st == SSL_TICKET_SUCCESS || st == SSL_TICKET_SUCCESS_RENEW)
            must_authenticate(w, data[0] & 7, data + 1, size - 1, "tls_decrypt_ticket decrypted");
    }
    return 0;
}
