/*
 * spack.c - curl's session data packing; see spack.h.
 *
 * Verified against curl's lib/vtls/vtls_spack.c (8.12 and master): version
 * byte 0x01 first; tags 0x02 IETF id (u16), 0x03 valid-until (u64, from a
 * signed curl_off_t; packing refuses a negative one), 0x04 ticket and 0x07
 * QUIC parameters (u16 length + bytes), 0x05 ALPN (u16 length + bytes, a
 * string), 0x06 early-data max (u32); all integers big-endian; any other
 * tag is an error. Its packer writes ticket, IETF id, valid-until, then
 * ALPN / early data / QUIC parameters when present. Our reader is stricter:
 * a repeated tag (curl issue 22323) or a missing required field is refused.
 */
#include "ticketlab/spack.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"

static const struct {
    const char *name;
    const char *text;
} errtab[] = {
    [TL_SPACK_OK] = { "ok", "ok" },
    [TL_SPACK_ERR_EMPTY] = { "empty", "session data is empty" },
    [TL_SPACK_ERR_BAD_VERSION] = { "bad_version", "wrong version byte" },
    [TL_SPACK_ERR_UNKNOWN_TAG] = { "unknown_tag", "unknown tag" },
    [TL_SPACK_ERR_DUPLICATE_TAG] = { "duplicate_tag", "duplicate tag" },
    [TL_SPACK_ERR_TRUNCATED] = { "truncated", "truncated inside a field" },
    [TL_SPACK_ERR_LENGTH_PAST_END] = { "length_past_end", "length runs past the end" },
    [TL_SPACK_ERR_NO_TICKET] = { "no_ticket", "no ticket field" },
    [TL_SPACK_ERR_EMPTY_TICKET] = { "empty_ticket", "empty ticket field" },
    [TL_SPACK_ERR_NO_IETF_ID] = { "no_ietf_id", "no TLS version field" },
    [TL_SPACK_ERR_BAD_IETF_ID] = { "bad_ietf_id", "unknown TLS version id" },
    [TL_SPACK_ERR_NO_VALID_UNTIL] = { "no_valid_until", "no valid-until field" },
    [TL_SPACK_ERR_BAD_VALID_UNTIL] = { "bad_valid_until", "valid-until out of range" },
    [TL_SPACK_ERR_BAD_ALPN] = { "bad_alpn", "ALPN contains a NUL byte" },
    [TL_SPACK_ERR_NOMEM] = { "nomem", "out of memory" },
    [TL_SPACK_ERR_BAD_SHASH_SIZE] = { "bad_shash_size", "salted hash is not 64 bytes" },
    [TL_SPACK_ERR_BAD_SESSION] = { "bad_session", "DER session does not parse" },
    [TL_SPACK_ERR_VERSION_MISMATCH] = { "version_mismatch", "TLS version id does not match the session" },
    [TL_SPACK_ERR_EXPIRED] = { "expired", "valid-until is in the past" },
    [TL_SPACK_ERR_NO_PEER] = { "no_peer", "neither a peer key nor a salted hash" },
    [TL_SPACK_ERR_NO_SEPARATOR] = { "no_separator", "no ':' separator" },
    [TL_SPACK_ERR_BAD_BASE64_SHASH] = { "bad_base64_shash", "salted hash is not valid base64" },
    [TL_SPACK_ERR_BAD_BASE64_SDATA] = { "bad_base64_sdata", "session data is not valid base64" },
};

const char *tl_spack_strerror(tl_spack_err e)
{
    if ((size_t)e >= sizeof(errtab) / sizeof(errtab[0]) || errtab[e].text == NULL)
        return "unknown error";
    return errtab[e].text;
}

const char *tl_spack_errname(tl_spack_err e)
{
    if ((size_t)e >= sizeof(errtab) / sizeof(errtab[0]) || errtab[e].name == NULL)
        return "unknown";
    return errtab[e].name;
}

void tl_sdata_clear(tl_sdata *s)
{
    if (s == NULL)
        return;
    free(s->ticket);
    free(s->alpn);
    free(s->quic_tp);
    memset(s, 0, sizeof(*s));
}

/* --- reading ---------------------------------------------------------- */

/* A u16 length and that many bytes, copied with a NUL after them. */
static tl_spack_err get_blob16(tl_bytes *r, unsigned tag, size_t at,
                               unsigned char **out, size_t *outlen,
                               tl_error *err)
{
    uint16_t n;
    const unsigned char *bytes;
    size_t left;

    if (tl_bytes_u16(r, &n) != 0) {
        tl_error_set(err, "tag 0x%02x at offset %zu: the data ends inside its length",
                     tag, at);
        return TL_SPACK_ERR_TRUNCATED;
    }
    left = tl_bytes_left(r);
    if (tl_bytes_take(r, n, &bytes) != 0) {
        tl_error_set(err, "tag 0x%02x at offset %zu: length %u runs past the end "
                     "(%zu bytes left)", tag, at, (unsigned)n, left);
        return TL_SPACK_ERR_LENGTH_PAST_END;
    }
    *out = malloc((size_t)n + 1);
    if (*out == NULL) {
        tl_error_set(err, "out of memory");
        return TL_SPACK_ERR_NOMEM;
    }
    if (n > 0)
        memcpy(*out, bytes, n);
    (*out)[n] = '\0';
    *outlen = n;
    return TL_SPACK_OK;
}

static tl_spack_err unpack_field(tl_bytes *r, unsigned tag, size_t at,
                                 tl_sdata *s, tl_error *err)
{
    uint64_t v = 0;
    size_t width = tag == TL_SPACK_IETF_ID ? 2
                 : tag == TL_SPACK_VALID_UNTIL ? 8
                 : tag == TL_SPACK_EARLYDATA ? 4 : 0;
    size_t alen;
    tl_spack_err e;

    if (width > 0 && tl_bytes_uint(r, width, &v) != 0) {
        tl_error_set(err, "tag 0x%02x at offset %zu: needs %zu bytes, %zu left",
                     tag, at, width, r->len - r->off);
        return TL_SPACK_ERR_TRUNCATED;
    }
    switch (tag) {
    case TL_SPACK_IETF_ID:
        if (v < 0x0301 || v > 0x0304) {
            tl_error_set(err, "tag 0x02 at offset %zu: TLS version id 0x%04x is not "
                         "TLS 1.0 to 1.3", at, (unsigned)v);
            return TL_SPACK_ERR_BAD_IETF_ID;
        }
        s->ietf_id = (uint16_t)v;
        return TL_SPACK_OK;
    case TL_SPACK_VALID_UNTIL:
        if (v > (uint64_t)INT64_MAX) {
            tl_error_set(err, "tag 0x03 at offset %zu: valid-until 0x%016llx is "
                         "negative as curl's signed time", at, (unsigned long long)v);
            return TL_SPACK_ERR_BAD_VALID_UNTIL;
        }
        s->valid_until = (int64_t)v;
        return TL_SPACK_OK;
    case TL_SPACK_EARLYDATA:
        s->earlydata_max = (uint32_t)v;
        return TL_SPACK_OK;
    case TL_SPACK_TICKET:
        e = get_blob16(r, tag, at, &s->ticket, &s->ticket_len, err);
        if (e == TL_SPACK_OK && s->ticket_len == 0) {
            tl_error_set(err, "tag 0x04 at offset %zu: the ticket is empty", at);
            return TL_SPACK_ERR_EMPTY_TICKET;
        }
        return e;
    case TL_SPACK_ALPN:
        e = get_blob16(r, tag, at, (unsigned char **)&s->alpn, &alen, err);
        if (e == TL_SPACK_OK && memchr(s->alpn, '\0', alen) != NULL) {
            tl_error_set(err, "tag 0x05 at offset %zu: the ALPN holds a NUL byte", at);
            return TL_SPACK_ERR_BAD_ALPN;
        }
        return e;
    case TL_SPACK_QUICTP:
        return get_blob16(r, tag, at, &s->quic_tp, &s->quic_tp_len, err);
    case TL_SPACK_FLAG:
        s->flag = 1;
        return TL_SPACK_OK;
    default:
        tl_error_set(err, "unknown tag 0x%02x at offset %zu", tag, at);
        return TL_SPACK_ERR_UNKNOWN_TAG;
    }
}

tl_spack_err tl_sdata_unpack(const unsigned char *data, size_t len,
                             tl_sdata *out, tl_error *err)
{
    tl_bytes r;
    tl_sdata s;
    uint8_t version;
    unsigned seen = 0;
    tl_spack_err e = TL_SPACK_OK;

    memset(out, 0, sizeof(*out));
    memset(&s, 0, sizeof(s));
    tl_bytes_init(&r, data, len);
    if (tl_bytes_u8(&r, &version) != 0) {
        tl_error_set(err, "session data is empty");
        return TL_SPACK_ERR_EMPTY;
    }
    if (version != TL_SPACK_VERSION) {
        tl_error_set(err, "version byte is 0x%02x, expected 0x01", version);
        return TL_SPACK_ERR_BAD_VERSION;
    }
    while (tl_bytes_left(&r) > 0) {
        size_t at = r.off;
        uint8_t tag;

        if (tl_bytes_u8(&r, &tag) != 0)   /* a byte is left: cannot fail */
            break;
        /* Tags 0x02..0x08 fit a bit mask; anything else is unknown below. */
        if (tag >= TL_SPACK_IETF_ID && tag <= TL_SPACK_FLAG) {
            if (seen & (1u << tag)) {
                tl_error_set(err, "tag 0x%02x at offset %zu repeats", tag, at);
                e = TL_SPACK_ERR_DUPLICATE_TAG;
                goto fail;
            }
            seen |= 1u << tag;
        }
        e = unpack_field(&r, tag, at, &s, err);
        if (e != TL_SPACK_OK)
            goto fail;
    }
    if (!(seen & (1u << TL_SPACK_TICKET))) {
        tl_error_set(err, "no ticket field (tag 0x04)");
        e = TL_SPACK_ERR_NO_TICKET;
    } else if (!(seen & (1u << TL_SPACK_IETF_ID))) {
        tl_error_set(err, "no TLS version field (tag 0x02)");
        e = TL_SPACK_ERR_NO_IETF_ID;
    } else if (!(seen & (1u << TL_SPACK_VALID_UNTIL))) {
        tl_error_set(err, "no valid-until field (tag 0x03)");
        e = TL_SPACK_ERR_NO_VALID_UNTIL;
    }
    if (e != TL_SPACK_OK)
        goto fail;
    *out = s;
    return TL_SPACK_OK;

fail:
    tl_sdata_clear(&s);
    return e;
}

/* --- writing ---------------------------------------------------------- */

static unsigned char *put_uint(unsigned char *p, uint64_t v, size_t width)
{
    for (size_t i = 0; i < width; i++)
        p[i] = (unsigned char)(v >> (8 * (width - 1 - i)));
    return p + width;
}

static unsigned char *put_blob16(unsigned char *p, unsigned tag,
                                 const void *data, size_t len)
{
    *p++ = (unsigned char)tag;
    p = put_uint(p, len, 2);
    if (len > 0)
        memcpy(p, data, len);
    return p + len;
}

int tl_sdata_pack(const tl_sdata *s, unsigned char **out, size_t *outlen,
                  tl_error *err)
{
    size_t alen = s->alpn ? strlen(s->alpn) : 0;
    size_t n;
    unsigned char *buf, *p;

    if (s->ticket == NULL || s->ticket_len == 0)
        return tl_error_set(err, "cannot pack a session without a ticket");
    if (s->ticket_len > 0xffff)
        return tl_error_set(err, "cannot pack a %zu-byte ticket: curl's limit is 65535",
                            s->ticket_len);
    if (alen > 0xffff || s->quic_tp_len > 0xffff)
        return tl_error_set(err, "cannot pack ALPN or QUIC parameters over 65535 bytes");
    if (s->valid_until < 0)
        return tl_error_set(err, "cannot pack a negative valid-until (%lld)",
                            (long long)s->valid_until);
    n = 1 + (3 + s->ticket_len) + 3 + 9;
    if (s->alpn)
        n += 3 + alen;
    if (s->earlydata_max)
        n += 5;
    if (s->quic_tp && s->quic_tp_len)
        n += 3 + s->quic_tp_len;
    if (s->flag)
        n += 1;
    buf = malloc(n);
    if (buf == NULL)
        return tl_error_set(err, "out of memory");
    p = buf;
    *p++ = TL_SPACK_VERSION;
    p = put_blob16(p, TL_SPACK_TICKET, s->ticket, s->ticket_len);
    *p++ = TL_SPACK_IETF_ID;
    p = put_uint(p, s->ietf_id, 2);
    *p++ = TL_SPACK_VALID_UNTIL;
    p = put_uint(p, (uint64_t)s->valid_until, 8);
    if (s->alpn)
        p = put_blob16(p, TL_SPACK_ALPN, s->alpn, alen);
    if (s->earlydata_max) {
        *p++ = TL_SPACK_EARLYDATA;
        p = put_uint(p, s->earlydata_max, 4);
    }
    if (s->quic_tp && s->quic_tp_len)
        p = put_blob16(p, TL_SPACK_QUICTP, s->quic_tp, s->quic_tp_len);
    if (s->flag)
        *p++ = TL_SPACK_FLAG;
    *out = buf;
    *outlen = (size_t)(p - buf);
    return 0;
}
