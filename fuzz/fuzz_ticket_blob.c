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
 * Oracle: nobody can forge a ticket. Only the genuine ticket may resume;
 * anything else resuming is a MAC bypass and aborts.
 */
#include <string.h>

#include "fuzz_common.h"

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
    if (r.resumed && (size - 1 != genuine_len || memcmp(data + 1, genuine, genuine_len) != 0))
        tl_fuzz_die("the server resumed from a %zu-byte ticket that is not the genuine "
                    "one: a forged ticket was accepted", size - 1);
    return 0;
}
