/*
 * der_mutate.h - a structure-aware mutator for DER SSL_SESSIONs.
 *
 * libFuzzer's byte mutations mostly break a DER encoding's lengths, so a
 * session fuzzer spends its time on "does not parse". This mutator works
 * on the fields of the SSL_SESSION SEQUENCE: it mutates one field's value
 * (and, for an explicitly tagged field, the value inside it), drops,
 * repeats or swaps fields, or retags one, and then writes every length
 * again, so most outputs still parse and reach the resumption checks.
 */
#ifndef TICKETLAB_DER_MUTATE_H
#define TICKETLAB_DER_MUTATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * tl_der_mutate - mutate the DER at data[0..size) in place (capacity
 * max_size), using libFuzzer's LLVMFuzzerMutate for the bytes of a value.
 * Returns the new size, or 0 when data is not a SEQUENCE of fields (the
 * caller then falls back to plain mutation).
 */
size_t tl_der_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#endif
