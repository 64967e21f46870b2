/*
 * scenario_bytes.h - a scenario as a few bytes, for fuzzing.
 *
 * fuzz_decrypt_status reads its input as a scripted world. Every byte
 * string decodes to some scenario (nothing is rejected: a fuzzer should
 * never waste an input), and the corpus generator encodes the matrix's
 * scenarios the other way. The layout, byte by byte:
 *
 *  0  bit 0 TLS 1.3 (else 1.2); bits 1-2 key source (evp-cb, legacy-cb,
 *     builtin, set-keys); bit 3 the ticket was minted in the other version
 *     (ignored when nothing is presented)
 *  1  what the client presents: value mod the number of tl_present kinds
 *  2  decrypt callback return: 0 natural, 1-5 ABORT..USE_RENEW, 6 an
 *     out-of-range value (7), anything else mod 8
 *  3  bit 0 generate returns 0; bits 1-2 app data (none, 0, 1, 16 bytes);
 *     bits 3-4 app data in the checked handshake (as before, 0, 1, 16)
 *  4  bits 0-1 num_tickets 0..3; bit 2 OpenSSL's default instead;
 *     bits 3-4 extra SSL_new_session_ticket() calls
 *  5  bits 0-2 key-callback returns scripted while decrypting (0..4);
 *     bits 3-5 while encrypting (0..4)
 *  6  flags: bit 0 SSL_OP_NO_TICKET, bit 1 early data (16384), bit 2 send
 *     0-RTT, bit 3 no anti-replay, bit 4 HelloRetryRequest
 *  7… the scripted returns, decrypting first: each byte mod 5 is -1, 0,
 *     1, 2 or natural
 *
 * Missing bytes count as 0.
 */
#ifndef TICKETLAB_SCENARIO_BYTES_H
#define TICKETLAB_SCENARIO_BYTES_H

#include <stddef.h>

#include "scenario.h"

#define TL_SCENARIO_BYTES_MAX (7 + 2 * TL_SCENARIO_SCRIPT_MAX)

/* tl_scenario_from_bytes - decode any bytes into sc. Never fails. */
void tl_scenario_from_bytes(const unsigned char *data, size_t len, tl_scenario *sc);

/*
 * tl_scenario_to_bytes - encode sc into out (TL_SCENARIO_BYTES_MAX bytes).
 * Returns the length, or 0 when sc uses something the byte form cannot say
 * (SNI switching, a cipher list, the clock, ...).
 */
size_t tl_scenario_to_bytes(const tl_scenario *sc, unsigned char *out);

#endif
