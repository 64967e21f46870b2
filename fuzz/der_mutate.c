/* der_mutate.c - a structure-aware mutator for DER SSL_SESSIONs; see der_mutate.h. */
#include "der_mutate.h"

#include <stdlib.h>
#include <string.h>

#include "der.h"

/* libFuzzer's own mutator; absent in the replay and bench drivers, which
 * never call a custom mutator. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

#define MAX_FIELDS 40
#define MAX_VALUE 4096

typedef struct {
    size_t off;      /* where the field's tag is */
    size_t hdr;      /* tag + length bytes */
    size_t len;      /* value bytes */
} field;

/* Headers are read with lengths of at most 3 bytes (after the 0x8k byte)
 * and written by ASN1_put_object (der.h); the mutator keeps a session
 * under 64 KB. */
#define MAX_LEN_OCTETS 3

static unsigned next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 16;
}

/* Mutate one field into out; returns its new encoded size. */
static size_t mutate_field(const uint8_t *d, const field *f, uint8_t *out, unsigned *rng)
{
    uint8_t value[MAX_VALUE + 64];
    const uint8_t *v = d + f->off + f->hdr;
    size_t vlen = f->len < MAX_VALUE ? f->len : MAX_VALUE, inner_hdr = 0, inner_len = 0;
    uint8_t tag = d[f->off];

    /* An explicitly tagged field holds one TLV: mutate the value inside. */
    if ((tag & 0x20)
        && (inner_hdr = tl_der_header(v, f->len, MAX_LEN_OCTETS, &inner_len)) != 0
        && inner_hdr + inner_len == f->len) {
        size_t ilen = inner_len < MAX_VALUE ? inner_len : MAX_VALUE, n;
        uint8_t inner[MAX_VALUE + 64];

        memcpy(inner, v + inner_hdr, ilen);
        ilen = LLVMFuzzerMutate(inner, ilen, MAX_VALUE);
        n = tl_der_put_header(value, v[0], ilen);
        memcpy(value + n, inner, ilen);
        vlen = n + ilen;
    } else {
        memcpy(value, v, vlen);
        vlen = LLVMFuzzerMutate(value, vlen, MAX_VALUE);
    }
    if (next(rng) % 8 == 0)   /* now and then, another context tag */
        tag = (uint8_t)(0xa0 | next(rng) % 20);
    {
        size_t n = tl_der_put_header(out, tag, vlen);

        memcpy(out + n, value, vlen);
        return n + vlen;
    }
}

size_t tl_der_mutate(uint8_t *d, size_t size, size_t max_size, unsigned int seed)
{
    field fields[MAX_FIELDS];
    size_t nf = 0, outer_len, outer_hdr, pos, n = 0;
    unsigned rng = seed;
    uint8_t *body;
    size_t pick, action;

    if (LLVMFuzzerMutate == NULL || size < 2 || d[0] != 0x30
        || (outer_hdr = tl_der_header(d, size, MAX_LEN_OCTETS, &outer_len)) == 0)
        return 0;
    for (pos = outer_hdr; pos < outer_hdr + outer_len && nf < MAX_FIELDS;) {
        size_t len, h = tl_der_header(d + pos, outer_hdr + outer_len - pos,
                                      MAX_LEN_OCTETS, &len);

        if (h == 0)
            return 0;
        fields[nf].off = pos;
        fields[nf].hdr = h;
        fields[nf].len = len;
        nf++;
        pos += h + len;
    }
    if (nf == 0)
        return 0;
    body = malloc(size + 3 * MAX_VALUE);
    if (body == NULL)
        return 0;
    pick = next(&rng) % nf;
    action = next(&rng) % 8;   /* 0-4 mutate, 5 drop, 6 repeat, 7 swap */
    for (size_t i = 0; i < nf; i++) {
        const field *f = &fields[i];
        size_t whole = f->hdr + f->len;

        if (i == pick && action < 5) {
            n += mutate_field(d, f, body + n, &rng);
        } else if (i == pick && action == 5) {
            continue;
        } else if (i == pick && action == 7 && i + 1 < nf) {
            const field *g = &fields[i + 1];

            memcpy(body + n, d + g->off, g->hdr + g->len);
            n += g->hdr + g->len;
            memcpy(body + n, d + f->off, whole);
            n += whole;
            i++;
        } else {
            memcpy(body + n, d + f->off, whole);
            n += whole;
            if (i == pick && action == 6) {
                memcpy(body + n, d + f->off, whole);
                n += whole;
            }
        }
    }
    if (n + 4 > max_size || n >= 0x10000) {
        free(body);
        return 0;
    }
    pos = tl_der_put_header(d, 0x30, n);
    memcpy(d + pos, body, n);
    free(body);
    return pos + n;
}
