/*
 * sessder.c - replace the ticket inside a DER SSL_SESSION.
 *
 * A client offers whatever ticket its SSL_SESSION carries, and OpenSSL has
 * no setter for it. So we edit the DER: SSL_SESSION_ASN1 (ssl/ssl_asn1.c)
 * is a SEQUENCE whose field tlsext_tick is [10] EXPLICIT OCTET STRING. We
 * copy every other field unchanged and write a new [10] in its place, in
 * tag order, then let d2i_SSL_SESSION parse the result.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/world.h"
#include "sessder_memo.h"

#define TAG_TICKET 0xAA   /* context-specific, constructed, number 10 */

/* Read one TLV header at p (n bytes left). Returns the header length, 0 if bad. */
static size_t der_header(const unsigned char *p, size_t n, size_t *content_len)
{
    size_t len, hdr;

    if (n < 2 || (p[0] & 0x1f) == 0x1f)
        return 0;   /* high tag numbers never occur in SSL_SESSION */
    if (p[1] < 0x80) {
        len = p[1];
        hdr = 2;
    } else {
        size_t k = p[1] & 0x7f;

        if (k == 0 || k > 4 || n < 2 + k)
            return 0;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | p[2 + i];
        hdr = 2 + k;
    }
    if (len > n - hdr)
        return 0;
    *content_len = len;
    return hdr;
}

static size_t der_put_header(unsigned char *out, unsigned char tag, size_t len)
{
    size_t n = 0;

    out[n++] = tag;
    if (len < 0x80) {
        out[n++] = (unsigned char)len;
    } else if (len < 0x100) {
        out[n++] = 0x81;
        out[n++] = (unsigned char)len;
    } else if (len < 0x10000) {
        out[n++] = 0x82;
        out[n++] = (unsigned char)(len >> 8);
        out[n++] = (unsigned char)len;
    } else {
        out[n++] = 0x83;
        out[n++] = (unsigned char)(len >> 16);
        out[n++] = (unsigned char)(len >> 8);
        out[n++] = (unsigned char)len;
    }
    return n;
}

/* Write [10] EXPLICIT OCTET STRING { ticket }. Returns bytes written. */
static size_t put_ticket_field(unsigned char *out, const unsigned char *ticket,
                               size_t len)
{
    unsigned char inner[8];
    size_t ih = der_put_header(inner, 0x04, len);
    size_t n = der_put_header(out, TAG_TICKET, ih + len);

    memcpy(out + n, inner, ih);
    n += ih;
    if (len)
        memcpy(out + n, ticket, len);
    return n + len;
}

/* Is `tag` a context tag numbered after [10]? Then [10] goes before it. */
static int after_ticket(unsigned char tag)
{
    return (tag & 0xc0) == 0x80 && (tag & 0x1f) > 10;
}

SSL_SESSION *tl_session_with_ticket(const SSL_SESSION *sess,
                                    const unsigned char *ticket, size_t len,
                                    tl_error *err)
{
    unsigned char *der = NULL, *out = NULL, *body;
    const unsigned char *p;
    size_t hdr, content, pos, n = 0;
    int der_len;
    SSL_SESSION *copy = NULL;
    int placed = 0;

    if (len > 0xffffff)
        return tl_error_set(err, "a ticket of %zu bytes is too large", len), NULL;
    der_len = i2d_SSL_SESSION((SSL_SESSION *)sess, &der);
    if (der_len <= 0)
        return tl_error_set_ssl(err, "cannot encode the session"), NULL;
    hdr = der_header(der, (size_t)der_len, &content);
    if (hdr == 0 || der[0] != 0x30) {
        tl_error_set(err, "the session's DER is not a SEQUENCE");
        goto done;
    }
    /* Room for everything old plus the new field and its two headers. */
    body = out = malloc((size_t)der_len + len + 32);
    if (out == NULL) {
        tl_error_set(err, "out of memory");
        goto done;
    }
    body += 8;   /* leave space to prepend the outer header */
    for (pos = hdr; pos < hdr + content;) {
        size_t flen, fhdr = der_header(der + pos, hdr + content - pos, &flen);

        if (fhdr == 0) {
            tl_error_set(err, "the session's DER has a malformed field");
            goto done;
        }
        if (!placed && (der[pos] == TAG_TICKET || after_ticket(der[pos]))) {
            n += put_ticket_field(body + n, ticket, len);
            placed = 1;
        }
        if (der[pos] != TAG_TICKET) {
            memcpy(body + n, der + pos, fhdr + flen);
            n += fhdr + flen;
        }
        pos += fhdr + flen;
    }
    if (!placed) {
        n += put_ticket_field(body + n, ticket, len);
    }
    {
        unsigned char head[8];
        size_t h = der_put_header(head, 0x30, n);

        memcpy(body - h, head, h);
        p = body - h;
        copy = tl_session_d2i_memo(p, n + h);
        if (copy == NULL)
            tl_error_set_ssl(err, "the edited session does not parse");
    }
done:
    OPENSSL_free(der);
    free(out);
    return copy;
}
