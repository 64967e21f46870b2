/* text.c - terminal-safe text; see text.h. */
#include "text.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

void tl_text_put(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;

    while (n > 0) {
        size_t k = tl_json_utf8_len(p, n);
        /* U+0080-U+009F (C2 80-C2 9F) are controls too: U+009B is a CSI. */
        int c1 = k == 2 && p[0] == 0xc2 && p[1] < 0xa0;

        if (k == 1 && *p >= 0x20 && *p != 0x7f) {
            fputc(*p, f);
        } else if (k > 1 && !c1) {
            fwrite(p, 1, k, f);
        } else {
            k = k ? k : 1;
            for (size_t i = 0; i < k; i++)
                fprintf(f, "\\x%02x", p[i]);
        }
        p += k;
        n -= k;
    }
}

char *tl_text_vformat(const char *fmt, va_list ap)
{
    va_list again;
    char *text = NULL;
    int n;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    if (n >= 0 && (text = malloc((size_t)n + 1)) != NULL)
        vsnprintf(text, (size_t)n + 1, fmt, again);
    va_end(again);
    return text;
}

int tl_text_line(FILE *f, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = tl_text_vformat(fmt, ap);
    va_end(ap);
    if (text == NULL)
        return -1;
    tl_text_put(f, text, strlen(text));
    fputc('\n', f);
    free(text);
    return 0;
}
