/* bytes.c - the bounds-checked byte reader; see bytes.h. */
#include "bytes.h"

void tl_bytes_init(tl_bytes *b, const unsigned char *p, size_t len)
{
    b->p = p;
    b->len = len;
    b->off = 0;
    b->bad = 0;
}

size_t tl_bytes_left(const tl_bytes *b)
{
    return b->bad ? 0 : b->len - b->off;
}

static int fail(tl_bytes *b)
{
    b->bad = 1;
    return -1;
}

int tl_bytes_uint(tl_bytes *b, size_t width, uint64_t *v)
{
    *v = 0;
    if (b->bad || width < 1 || width > 8 || tl_bytes_left(b) < width)
        return fail(b);
    for (size_t i = 0; i < width; i++)
        *v = *v << 8 | b->p[b->off + i];
    b->off += width;
    return 0;
}

/* tl_bytes_u8 .. u32: tl_bytes_uint() narrowed to the type. */
#define NARROW_READ(name, type, width)            \
    int name(tl_bytes *b, type *v)                \
    {                                             \
        uint64_t x;                               \
        int rc = tl_bytes_uint(b, (width), &x);   \
                                                  \
        *v = (type)x;                             \
        return rc;                                \
    }

NARROW_READ(tl_bytes_u8, uint8_t, 1)
NARROW_READ(tl_bytes_u16, uint16_t, 2)
NARROW_READ(tl_bytes_u24, uint32_t, 3)
NARROW_READ(tl_bytes_u32, uint32_t, 4)

int tl_bytes_u64(tl_bytes *b, uint64_t *v)
{
    return tl_bytes_uint(b, 8, v);
}

int tl_bytes_take(tl_bytes *b, size_t n, const unsigned char **out)
{
    if (out != NULL)
        *out = NULL;
    if (b->bad || tl_bytes_left(b) < n)
        return fail(b);
    if (out != NULL)
        *out = b->p + b->off;
    b->off += n;
    return 0;
}

/* A vector whose length takes `width` bytes in front of it. */
static int vec(tl_bytes *b, size_t width, const unsigned char **out, size_t *len)
{
    size_t start = b->off;
    uint64_t n;

    if (len != NULL)
        *len = 0;
    if (tl_bytes_uint(b, width, &n) != 0 || tl_bytes_take(b, (size_t)n, out) != 0) {
        b->off = start;   /* nothing read, as for any failed read */
        if (out != NULL)
            *out = NULL;
        return -1;
    }
    if (len != NULL)
        *len = (size_t)n;
    return 0;
}

int tl_bytes_vec8(tl_bytes *b, const unsigned char **out, size_t *len)
{
    return vec(b, 1, out, len);
}

int tl_bytes_vec16(tl_bytes *b, const unsigned char **out, size_t *len)
{
    return vec(b, 2, out, len);
}
