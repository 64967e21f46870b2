/* der.c - DER headers through OpenSSL's ASN.1 primitives; see der.h. */
#include "der.h"

#include <limits.h>

#include <openssl/asn1.h>
#include <openssl/err.h>

#define HIGH_TAG 0x1f   /* a tag number that goes on in the next bytes */

size_t tl_der_header(const unsigned char *p, size_t n, size_t max_len_octets,
                     size_t *content_len)
{
    const unsigned char *q = p;
    long len = 0;
    int tag, xclass, ret;
    size_t hdr;

    if (n < 2 || (p[0] & HIGH_TAG) == HIGH_TAG)
        return 0;
    /* 0x80 in the result: malformed, or the content runs past n;
     * 0x01: an indefinite length, which DER never uses */
    ERR_set_mark();
    ret = ASN1_get_object(&q, &len, &tag, &xclass, n > LONG_MAX ? LONG_MAX : (long)n);
    ERR_pop_to_mark();
    if ((ret & 0x80) || (ret & 0x01))
        return 0;
    hdr = (size_t)(q - p);
    if (hdr - 2 > max_len_octets)   /* tag byte, then 1 or 1 + k length bytes */
        return 0;
    *content_len = (size_t)len;
    return hdr;
}

size_t tl_der_put_header(unsigned char *out, unsigned tag, size_t len)
{
    unsigned char *q = out;

    ASN1_put_object(&q, (tag & V_ASN1_CONSTRUCTED) != 0, (int)len,
                    (int)(tag & HIGH_TAG), (int)(tag & V_ASN1_PRIVATE));
    return (size_t)(q - out);
}
