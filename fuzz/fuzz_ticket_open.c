/*
 * fuzz_ticket_open - the standalone codec, with every key-file format.
 *
 * Input: [format byte][key-file length, u16 big-endian][key file][ticket]
 *   format byte & 3: 0 libtls, 1 nginx, 2 envoy, 3 haproxy
 * The key file is decoded with tl_keyfile_decode (refusals are fine), and
 * the ticket is opened with the ring.
 *
 * Oracles: an opened ticket has a whole number of cipher blocks; the same
 * ticket with any one byte flipped (the position comes from the input)
 * never opens; opening is deterministic (twice, same verdict).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "ticketlab/keyfile.h"
#include "ticketlab/ticket.h"

static tl_ticket_verdict open_once(const tl_keyring *kr, const uint8_t *t, size_t n)
{
    tl_ticket_info info;
    tl_error err = { "" };
    tl_ticket_verdict v;

    memset(&info, 0, sizeof(info));
    if (tl_ticket_open(kr, t, n, &info, &err) != 0)
        tl_fuzz_die("tl_ticket_open failed internally: %s", err.msg);
    v = info.verdict;
    tl_ticket_info_clear(&info);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tl_keyfmt formats[4] = { TL_KEYFMT_LIBTLS, TL_KEYFMT_NGINX,
                                          TL_KEYFMT_ENVOY, TL_KEYFMT_HAPROXY };
    tl_keyring *kr;
    tl_error err = { "" };
    size_t klen;
    const uint8_t *ticket;
    size_t tlen;
    tl_ticket_verdict v;

    if (size < 3)
        return 0;
    klen = (size_t)data[1] << 8 | data[2];
    if (klen > size - 3)
        return 0;
    ticket = data + 3 + klen;
    tlen = size - 3 - klen;
    tl_fuzz_world(TLS1_3_VERSION, TL_KEYS_EVP_CB);   /* reset the clock and the RNG */
    kr = tl_keyring_new(TL_DEFAULT_LIFETIME);
    if (kr == NULL)
        tl_fuzz_die("out of memory");
    if (tl_keyfile_decode(kr, data + 3, klen, formats[data[0] & 3], "fuzz", &err) != 0) {
        tl_fuzz_feedback(TL_FB_VERDICT, 32u + (unsigned)(strlen(err.msg) & 31));
        tl_keyring_free(kr);
        return 0;
    }
    v = open_once(kr, ticket, tlen);
    tl_fuzz_feedback(TL_FB_VERDICT, (unsigned)v);
    if (open_once(kr, ticket, tlen) != v)
        tl_fuzz_die("the same ticket opened twice gave two verdicts");
    if (v == TL_TICKET_OK) {
        uint8_t *copy = malloc(tlen);
        size_t pos;

        if (tlen < 16 + 16 + 16 + 32 || (tlen - 16 - 16 - 32) % 16 != 0)
            tl_fuzz_die("a %zu-byte ticket opened: not name + IV + whole blocks + MAC", tlen);
        if (copy == NULL)
            tl_fuzz_die("out of memory");
        memcpy(copy, ticket, tlen);
        pos = (size_t)data[0] * 7919u % tlen;
        copy[pos] ^= 0x01;
        if (open_once(kr, copy, tlen) == TL_TICKET_OK)
            tl_fuzz_die("the ticket still opens with byte %zu flipped", pos);
        free(copy);
    }
    tl_keyring_free(kr);
    return 0;
}
