/*
 * bytes.h - a bounds-checked reader of big-endian bytes.
 *
 * TLS messages, curl's session packing and key files are read through a
 * cursor over constant bytes. A read that would go past the end fails:
 * it returns -1, reads nothing, sets its outputs to zero and marks the
 * cursor bad, so that every later read fails too and a parser can check
 * once at the end or at each step, as it likes.
 *
 *     tl_bytes c;
 *     uint32_t hint;
 *     const unsigned char *ticket;
 *     size_t len;
 *
 *     tl_bytes_init(&c, msg, msg_len);
 *     if (tl_bytes_u32(&c, &hint) != 0 || tl_bytes_vec16(&c, &ticket, &len) != 0)
 *         return "truncated";
 */
#ifndef TICKETLAB_BYTES_H
#define TICKETLAB_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* The fields may be read; change them only through the functions below. */
typedef struct tl_bytes {
    const unsigned char *p;   /* the bytes */
    size_t len;               /* how many */
    size_t off;               /* the next byte to read */
    int bad;                  /* a read failed */
} tl_bytes;

/* tl_bytes_init - a cursor at the start of len bytes at p. */
void tl_bytes_init(tl_bytes *b, const unsigned char *p, size_t len);

/* tl_bytes_left - how many bytes are left to read; 0 once the cursor is bad. */
size_t tl_bytes_left(const tl_bytes *b);

/*
 * tl_bytes_uint - read a big-endian unsigned integer of `width` bytes
 * (1 to 8) into *v. Returns 0, or -1 (the cursor marked bad, *v zero)
 * when fewer than width bytes are left, the cursor is bad or width is
 * out of range.
 */
int tl_bytes_uint(tl_bytes *b, size_t width, uint64_t *v);

/*
 * tl_bytes_u8 / u16 / u24 / u32 / u64 - read an integer of 1, 2, 3, 4 or
 * 8 bytes. Return 0, or -1 as tl_bytes_uint.
 */
int tl_bytes_u8(tl_bytes *b, uint8_t *v);
int tl_bytes_u16(tl_bytes *b, uint16_t *v);
int tl_bytes_u24(tl_bytes *b, uint32_t *v);
int tl_bytes_u32(tl_bytes *b, uint32_t *v);
int tl_bytes_u64(tl_bytes *b, uint64_t *v);

/*
 * tl_bytes_take - step over n bytes; *out (if out is not NULL) points at
 * them. Returns 0, or -1 (the cursor marked bad, *out NULL) when fewer
 * than n bytes are left.
 */
int tl_bytes_take(tl_bytes *b, size_t n, const unsigned char **out);

/*
 * tl_bytes_vec8 / vec16 - read a vector with a 1- or 2-byte length in
 * front (TLS's opaque<0..2^8-1> and <0..2^16-1>): *out (if not NULL)
 * points at its bytes and *len (if not NULL) is their count. Return 0, or
 * -1 (the cursor marked bad, outputs zero) when the length or the bytes
 * run past the end.
 */
int tl_bytes_vec8(tl_bytes *b, const unsigned char **out, size_t *len);
int tl_bytes_vec16(tl_bytes *b, const unsigned char **out, size_t *len);

#endif
