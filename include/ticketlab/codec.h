/*
 * codec.h - base64 and hex, strict.
 */
#ifndef TICKETLAB_CODEC_H
#define TICKETLAB_CODEC_H

#include <stddef.h>

/*
 * tl_base64_decode - decode standard base64 (RFC 4648, '=' padding required
 * to a multiple of 4, no whitespace inside). *out is malloc'd (the caller
 * frees). Returns 0, or -1 for invalid input or no memory.
 */
int tl_base64_decode(const char *in, size_t inlen, unsigned char **out,
                     size_t *outlen);

/*
 * tl_base64_encode - encode `len` bytes; returns a malloc'd NUL-terminated
 * string, or NULL when out of memory.
 */
char *tl_base64_encode(const unsigned char *data, size_t len);

/*
 * tl_hex_decode - decode hex digits (upper or lower case, even count).
 * *out is malloc'd. Returns 0 or -1.
 */
int tl_hex_decode(const char *in, unsigned char **out, size_t *outlen);

/*
 * tl_hex_encode - lower-case hex of `len` bytes into out, which must hold
 * 2 * len + 1 bytes. Returns out.
 */
char *tl_hex_encode(const unsigned char *data, size_t len, char *out);

#endif
