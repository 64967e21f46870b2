/* json.c - JSON string writing; see json.h. */
#include "json.h"

#include <string.h>

#include "jsonread.h"

void tl_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        size_t k = c >= 0x80 ? tl_json_utf8_len((const unsigned char *)s, strnlen(s, 4)) : 1;

        if (k == 0) {
            fprintf(f, "\\\\x%02x", c);
            continue;
        }
        if (k > 1) {
            fwrite(s, 1, k, f);
            s += k - 1;
            continue;
        }
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

void tl_json_hex(FILE *f, const unsigned char *data, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%02x", data[i]);
    fputc('"', f);
}
