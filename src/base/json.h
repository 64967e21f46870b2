/*
 * json.h - the little JSON writing the reports and the CLI need.
 */
#ifndef TICKETLAB_JSON_H
#define TICKETLAB_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * tl_json_string - write s as a JSON string literal (quotes included).
 * Control characters are \uXXXX; a byte that is not part of valid UTF-8
 * (a file name can hold any) becomes the six characters \\xNN, as text.h
 * shows it, so the output is always valid JSON.
 */
void tl_json_string(FILE *f, const char *s);

/* tl_json_hex - write `len` bytes as a JSON string of lower-case hex. */
void tl_json_hex(FILE *f, const unsigned char *data, size_t len);

#endif
