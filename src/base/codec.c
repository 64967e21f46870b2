/* codec.c - base64 and hex, strict; see codec.h. */
#include "ticketlab/codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

int tl_base64_decode(const char *in, size_t inlen, unsigned char **out,
                     size_t *outlen)
{
    size_t pad = 0, n = 0;
    unsigned char *buf;

    if (inlen % 4 != 0)
        return -1;
    if (inlen >= 1 && in[inlen - 1] == '=')
        pad++;
    if (inlen >= 2 && in[inlen - 2] == '=')
        pad++;
    buf = malloc(inlen / 4 * 3 + 1);
    if (buf == NULL)
        return -1;
    for (size_t i = 0; i < inlen; i += 4) {
        int v[4];
        int last = i + 4 == inlen;

        for (int k = 0; k < 4; k++) {
            v[k] = b64_value(in[i + k]);
            /* '=' only in the padding positions of the last quad */
            if (v[k] < 0 && !(last && in[i + k] == '=' && k >= 4 - (int)pad)) {
                free(buf);
                return -1;
            }
        }
        buf[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
        if (!(last && pad == 2))
            buf[n++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
        if (!(last && pad >= 1))
            buf[n++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
    }
    *out = buf;
    *outlen = n;
    return 0;
}

char *tl_base64_encode(const unsigned char *data, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;

        if (i + 1 < len)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            v |= data[i + 2];
        *p++ = b64[v >> 18 & 63];
        *p++ = b64[v >> 12 & 63];
        *p++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
        *p++ = i + 2 < len ? b64[v & 63] : '=';
    }
    *p = '\0';
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int tl_hex_decode(const char *in, unsigned char **out, size_t *outlen)
{
    size_t len = strlen(in);
    unsigned char *buf;

    if (len % 2 != 0)
        return -1;
    buf = malloc(len / 2 + 1);
    if (buf == NULL)
        return -1;
    for (size_t i = 0; i < len; i += 2) {
        int hi = hex_value(in[i]), lo = hex_value(in[i + 1]);

        if (hi < 0 || lo < 0) {
            free(buf);
            return -1;
        }
        buf[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    *out = buf;
    *outlen = len / 2;
    return 0;
}

char *tl_hex_encode(const unsigned char *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
    return out;
}
