/* xml.c - XML text escaping; see xml.h. */
#include "xml.h"

#include <string.h>

#include "jsonread.h"

void tl_xml_text(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);

    while (n > 0) {
        size_t k = tl_json_utf8_len(p, n);

        if (k == 0) {
            fputc('?', f);
            k = 1;
        } else if (k == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe) {
            fputc('?', f);
        } else if (k > 1) {
            fwrite(p, 1, k, f);
        } else {
            switch (*p) {
            case '<': fputs("&lt;", f); break;
            case '>': fputs("&gt;", f); break;
            case '&': fputs("&amp;", f); break;
            case '"': fputs("&quot;", f); break;
            default:
                if (*p >= 0x20 || *p == '\n' || *p == '\t')
                    fputc(*p, f);
            }
        }
        p += k;
        n -= k;
    }
}
