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
 * Oracle: nobody can forge a ticket. Whatever resumes must authenticate
 * under the server's own keys when the offline codec (ticket.c, written
 * apart from OpenSSL) checks it; anything else resuming is a MAC bypass and
 * aborts. (Not "only the genuine ticket": a seed minted by another OpenSSL
 * version under the same keys is just as valid.)
 */
#include <string.h>

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
    if (tl_probe_run(p, data + 1, size - 1, &r, &err) != 0)
        tl_fuzz_die("probe failed: %s", err.msg);
    tl_fuzz_feedback_probe(w, &r);

    genuine = tl_probe_ticket(p, &genuine_len);
    if (r.resumed && (size - 1 != genuine_len || memcmp(data + 1, genuine, genuine_len) != 0)) {
        tl_ticket_info info;

        memset(&info, 0, sizeof(info));
        if (tl_ticket_open(server_keys(w, data[0] & 7), data + 1, size - 1, &info, &err) != 0)
            tl_fuzz_die("the codec failed: %s", err.msg);
        if (info.verdict != TL_TICKET_OK)
            tl_fuzz_die("the server resumed from a %zu-byte ticket that does not authenticate "
                        "under its keys (%s): a forged ticket was accepted", size - 1,
                        tl_ticket_verdict_name(info.verdict));
        tl_ticket_info_clear(&info);
    }
    return 0;
}
