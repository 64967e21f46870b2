/* json.c - JSON string writing; see json.h. */
#include "json.h"

void tl_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

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
