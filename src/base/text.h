/*
 * text.h - bytes from a file, a peer or the user, shown safely to a person.
 *
 * A file name, an ALPN string or a server name can hold anything: an
 * escape sequence that retitles or recolours the terminal, a newline that
 * forges a second line of output, bytes that are not UTF-8. Every line the
 * command prints for a person goes through here, so such bytes always show
 * the same way, as \xNN:
 *
 *     tl_text_line(stdout, "%s: wrote %zu sessions", path, n);
 *     // "a\x1b[31m.txt: wrote 3 sessions"
 *
 * JSON output has its own escaping (json.h), XML its own (xml.h).
 */
#ifndef TICKETLAB_TEXT_H
#define TICKETLAB_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * tl_text_put - write the n bytes at s to f: printable ASCII and valid
 * UTF-8 as they are; control bytes (0x00-0x1f, 0x7f, and tab and newline
 * too), the C1 controls U+0080-U+009F and every byte that is not part of a
 * valid UTF-8 character as \xNN, one per byte. Never fails (a write error
 * stays on f for the caller's ferror()).
 */
void tl_text_put(FILE *f, const char *s, size_t n);

/*
 * tl_text_vformat - vsnprintf into a malloc'd string of the right size.
 * Returns it (the caller frees it), or NULL when out of memory or when
 * fmt cannot be formatted.
 */
char *tl_text_vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * tl_text_line - format like printf, write the result through
 * tl_text_put(), then one newline: always exactly one line, whatever the
 * arguments hold. Returns 0, or -1 when the text could not be formatted
 * (out of memory; nothing is written then).
 */
int tl_text_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
