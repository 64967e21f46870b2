/*
 * sessder.c - replace the ticket inside a DER SSL_SESSION.
 *
 * A client offers whatever ticket its SSL_SESSION carries, and OpenSSL has
 * no setter for it. So we edit the DER: SSL_SESSION_ASN1 (ssl/ssl_asn1.c)
 * is a SEQUENCE whose field tlsext_tick is [10] EXPLICIT OCTET STRING. We
 * copy every other field unchanged and write a new [10] in its place, in
 * tag order, then let d2i_SSL_SESSION parse the result. The headers are
 * read and written by OpenSSL's ASN.1 primitives (der.h).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "der.h"
#include "ticketlab/world.h"
#include "sessder_memo.h"

#define TAG_TICKET 0xAA         /* context-specific, constructed, number 10 */
#define TAG_OCTET_STRING 0x04
#define TAG_SEQUENCE 0x30

/* Lengths in at most 4 bytes: a session is far smaller than 4 GB. */
#define MAX_LEN_OCTETS 4

/* Write [10] EXPLICIT OCTET STRING { ticket }. Returns bytes written. */
static size_t put_ticket_field(unsigned char *out, const unsigned char *ticket,
                               size_t len)
{
    unsigned char inner[TL_DER_MAX_HEADER];
    size_t ih = tl_der_put_header(inner, TAG_OCTET_STRING, len);
    size_t n = tl_der_put_header(out, TAG_TICKET, ih + len);

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
    hdr = tl_der_header(der, (size_t)der_len, MAX_LEN_OCTETS, &content);
    if (hdr == 0 || der[0] != TAG_SEQUENCE) {
        tl_error_set(err, "the session's DER is not a SEQUENCE");
        goto done;
    }
    /* Room for everything old plus the new field and its two headers. */
    body = out = malloc((size_t)der_len + len + 32);
    if (out == NULL) {
        tl_error_set(err, "out of memory");
        goto done;
    }
    body += TL_DER_MAX_HEADER;   /* leave space to prepend the outer header */
    for (pos = hdr; pos < hdr + content;) {
        size_t flen, fhdr = tl_der_header(der + pos, hdr + content - pos,
                                          MAX_LEN_OCTETS, &flen);

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
        unsigned char head[TL_DER_MAX_HEADER];
        size_t h = tl_der_put_header(head, TAG_SEQUENCE, n);

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
