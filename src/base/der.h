/*
 * der.h - DER tag and length headers, read and written with OpenSSL's
 * ASN1_get_object() and ASN1_put_object().
 *
 * For code that edits DER field by field (the ticket inside an
 * SSL_SESSION, the fuzzers' structure-aware mutator): only the headers
 * are read and written here, the contents are copied as they are. Only
 * one-byte tags are handled (tag numbers up to 30), which is all that
 * SSL_SESSION_ASN1 uses.
 */
#ifndef TICKETLAB_DER_H
#define TICKETLAB_DER_H

#include <stddef.h>

/* The most bytes tl_der_put_header() writes: a tag and a 4-byte length. */
#define TL_DER_MAX_HEADER 6

/*
 * tl_der_header - read the header of the DER element at p (n bytes left).
 * Accepted: a one-byte tag, a definite length written in at most
 * max_len_octets bytes (after the 0x8k byte), content that fits in the n
 * bytes. Returns the header's size (tag and length bytes) and sets
 * *content_len, or returns 0 when the header is malformed or anything
 * above does not hold (OpenSSL's error queue is left as it was).
 * ASN1_get_object() also refuses a long-form length of 0 that ends the n
 * bytes (it wants a byte after a long-form length); DER writes 0 in the
 * short form, so only non-DER input meets that.
 */
size_t tl_der_header(const unsigned char *p, size_t n, size_t max_len_octets,
                     size_t *content_len);

/*
 * tl_der_put_header - write the header of an element with the tag byte
 * `tag` (class, constructed bit and a tag number below 31) and `len`
 * content bytes, the length in its shortest form, at out (room for
 * TL_DER_MAX_HEADER bytes). len must be below 2^31.
 * Returns the number of bytes written.
 */
size_t tl_der_put_header(unsigned char *out, unsigned tag, size_t len);

#endif
