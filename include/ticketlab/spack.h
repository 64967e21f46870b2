/*
 * spack.h - curl's session data packing ("sdata"), read and written.
 *
 * curl 8.12 and later export each cached TLS session as a small tagged
 * blob (curl: lib/vtls/vtls_spack.c, Curl_ssl_session_pack/_unpack). We
 * read and write the same bytes, so a session curl exported can be imported
 * here and the reverse. The layout, checked against that file:
 *
 *     0x01                      version byte (CURL_SPACK_VERSION), first
 *     then tagged fields, big-endian, in any order:
 *     0x02 u16                  IETF TLS version id (0x0303, 0x0304)
 *     0x03 u64                  valid-until, seconds since the epoch. curl
 *                               holds it as a signed curl_off_t, refuses to
 *                               pack a negative one and casts back on
 *                               unpack, so values above INT64_MAX are bad.
 *     0x04 u16 len, bytes       the ticket: the DER SSL_SESSION (OpenSSL)
 *     0x05 u16 len, bytes       ALPN protocol (a string without NUL)
 *     0x06 u32                  max early data
 *     0x07 u16 len, bytes       QUIC transport parameters
 *     0x08                      a flag, no value (newer than the curl
 *                               sources we read; kept and written back)
 *
 * curl writes, in this order: version, ticket, IETF id, valid-until, then
 * ALPN if set, early data if non-zero, QUIC parameters if non-empty. We
 * write the same order and put the 0x08 flag last.
 *
 * curl's own unpacker accepts a repeated tag and leaked the first value
 * (curl issue 22323, fixed in PR 22324). We refuse repeats, and every other
 * irregularity, each with its own tl_spack_err.
 */
#ifndef TICKETLAB_SPACK_H
#define TICKETLAB_SPACK_H

#include <stddef.h>
#include <stdint.h>

#include "ticketlab/error.h"

#define TL_SPACK_VERSION      0x01
#define TL_SPACK_IETF_ID      0x02
#define TL_SPACK_VALID_UNTIL  0x03
#define TL_SPACK_TICKET       0x04
#define TL_SPACK_ALPN         0x05
#define TL_SPACK_EARLYDATA    0x06
#define TL_SPACK_QUICTP       0x07
#define TL_SPACK_FLAG         0x08

/*
 * Why session data, or a session line or import carrying it, was refused.
 * The first group comes from tl_sdata_unpack(); the rest from the cache
 * import (cache.h) and the session file reader (sessfile.h), so that every
 * refusal anywhere on the import path has one specific name.
 */
typedef enum tl_spack_err {
    TL_SPACK_OK = 0,
    TL_SPACK_ERR_EMPTY,            /* no bytes at all */
    TL_SPACK_ERR_BAD_VERSION,      /* first byte is not 0x01 */
    TL_SPACK_ERR_UNKNOWN_TAG,      /* a tag other than 0x02..0x08 */
    TL_SPACK_ERR_DUPLICATE_TAG,    /* a tag seen twice (curl issue 22323) */
    TL_SPACK_ERR_TRUNCATED,        /* the data ends inside a fixed-size value or a length */
    TL_SPACK_ERR_LENGTH_PAST_END,  /* a u16 length runs past the end of the data */
    TL_SPACK_ERR_NO_TICKET,        /* no 0x04 field */
    TL_SPACK_ERR_EMPTY_TICKET,     /* a 0x04 field of length 0 */
    TL_SPACK_ERR_NO_IETF_ID,       /* no 0x02 field */
    TL_SPACK_ERR_BAD_IETF_ID,      /* not a TLS 1.0-1.3 id (0x0301..0x0304) */
    TL_SPACK_ERR_NO_VALID_UNTIL,   /* no 0x03 field */
    TL_SPACK_ERR_BAD_VALID_UNTIL,  /* above INT64_MAX: negative for curl */
    TL_SPACK_ERR_BAD_ALPN,         /* ALPN holds a NUL byte */
    TL_SPACK_ERR_NOMEM,
    /* import (cache.h) */
    TL_SPACK_ERR_BAD_SHASH_SIZE,   /* salted hash is not 64 bytes */
    TL_SPACK_ERR_BAD_SESSION,      /* the DER SSL_SESSION does not parse whole */
    TL_SPACK_ERR_VERSION_MISMATCH, /* IETF id differs from the session's version */
    TL_SPACK_ERR_EXPIRED,          /* valid-until is in the past (harness clock) */
    TL_SPACK_ERR_NO_PEER,          /* neither a peer key nor a salted hash */
    /* session file lines (sessfile.h) */
    TL_SPACK_ERR_NO_SEPARATOR,     /* no ':' between the two base64 parts */
    TL_SPACK_ERR_BAD_BASE64_SHASH, /* the salted hash is not valid base64 */
    TL_SPACK_ERR_BAD_BASE64_SDATA  /* the session data is not valid base64 */
} tl_spack_err;

/* One unpacked session. Pointers are malloc'd and owned by the struct. */
typedef struct tl_sdata {
    unsigned char *ticket;     /* DER SSL_SESSION */
    size_t ticket_len;
    uint16_t ietf_id;          /* 0x0303, 0x0304, ... */
    int64_t valid_until;       /* seconds since the epoch */
    char *alpn;                /* NUL-terminated; NULL when the field is absent */
    uint32_t earlydata_max;    /* 0 when absent */
    unsigned char *quic_tp;    /* NULL when absent */
    size_t quic_tp_len;
    int flag;                  /* the 0x08 flag was present */
} tl_sdata;

/*
 * tl_sdata_unpack - parse `len` bytes of curl session data into *out
 * (which the caller then releases with tl_sdata_clear()).
 *
 * Returns TL_SPACK_OK, or the reason for refusing; err (may be NULL) then
 * says where, e.g. "tag 0x04 at offset 9 repeats". On failure *out is left
 * empty and nothing is leaked.
 */
tl_spack_err tl_sdata_unpack(const unsigned char *data, size_t len,
                             tl_sdata *out, tl_error *err);

/*
 * tl_sdata_pack - encode s in curl's layout into a malloc'd buffer (*out,
 * *outlen). Returns 0, or -1 with err when s cannot be packed: no ticket,
 * a ticket, ALPN or QUIC parameters longer than 65535 bytes, or a negative
 * valid-until.
 */
int tl_sdata_pack(const tl_sdata *s, unsigned char **out, size_t *outlen,
                  tl_error *err);

/* tl_sdata_clear - free what s holds and zero it. NULL is allowed. */
void tl_sdata_clear(tl_sdata *s);

/* tl_spack_strerror - a short phrase for e ("duplicate tag"). Never NULL. */
const char *tl_spack_strerror(tl_spack_err e);

/* tl_spack_errname - e's stable identifier for JSON ("duplicate_tag"). */
const char *tl_spack_errname(tl_spack_err e);

#endif
