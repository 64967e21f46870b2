/*
 * jsonread.h - a small, strict, bounded JSON reader.
 *
 * It reads RFC 8259 JSON into a tree of tl_json_value: objects, arrays,
 * strings (every escape, \uXXXX with surrogate pairs), numbers, true,
 * false and null. It is written for files ticketlab wrote itself and for
 * files someone else may have written to hurt it, so it is strict and has
 * limits:
 *
 *   - the input must be UTF-8; raw control characters in strings, leading
 *     zeros, trailing commas, comments, single quotes, NaN and anything
 *     after the top-level value are errors;
 *   - strings may not contain NUL (\u0000): they come back as C strings;
 *   - input size, nesting depth and the number of values are bounded
 *     (tl_json_limits), so a hostile file is refused cleanly instead of
 *     exhausting the stack or memory.
 *
 * Errors name the input and the byte offset (and line) of the problem:
 * "a.json: byte 812 (line 3): expected ',' or '}' after an object member".
 *
 *     tl_json_value *doc;
 *     if (tl_json_read_file("run.json", NULL, &doc, &err) != 0)
 *         ... err.msg says what is wrong and where
 *     const tl_json_value *rows = tl_json_get(doc, "rows");
 *     tl_json_free(doc);
 */
#ifndef TICKETLAB_JSONREAD_H
#define TICKETLAB_JSONREAD_H

#include <stddef.h>

#include "ticketlab/error.h"

#define TL_JSON_MAX_BYTES ((size_t)64 << 20)  /* 64 MiB */
#define TL_JSON_MAX_DEPTH 64
#define TL_JSON_MAX_VALUES ((size_t)2 << 20)  /* 2 Mi values */

typedef enum tl_json_type {
    TL_JSON_NULL = 0,
    TL_JSON_BOOL,
    TL_JSON_NUMBER,
    TL_JSON_STRING,
    TL_JSON_ARRAY,
    TL_JSON_OBJECT
} tl_json_type;

typedef struct tl_json_value {
    tl_json_type type;
    size_t offset;                /* where the value starts in the input, in bytes */
    int boolean;                  /* TL_JSON_BOOL: 1 true, 0 false */
    double number;                /* TL_JSON_NUMBER */
    char *string;                 /* TL_JSON_STRING: NUL-terminated UTF-8 */
    size_t n;                     /* TL_JSON_ARRAY, TL_JSON_OBJECT: how many items */
    struct tl_json_value *items;  /* the array's elements or the object's member values */
    char **keys;                  /* TL_JSON_OBJECT: member names, parallel to items */
} tl_json_value;

/* What the reader accepts; a zero field means the default (TL_JSON_MAX_*). */
typedef struct tl_json_limits {
    size_t max_bytes;
    int max_depth;        /* arrays and objects nested this deep at most */
    size_t max_values;    /* values of every kind in the whole document */
} tl_json_limits;

/*
 * tl_json_parse - read the JSON document in text[0..len) (it need not be
 * NUL-terminated). `name` names the input in error messages (a file name;
 * NULL means "<input>"); `limits` may be NULL for the defaults.
 * Returns 0 with *out a tree to release with tl_json_free(), or -1 with
 * err saying "NAME: byte N (line L): what is wrong" and *out NULL.
 */
int tl_json_parse(const char *text, size_t len, const char *name,
                  const tl_json_limits *limits, tl_json_value **out, tl_error *err);

/*
 * tl_json_read_file - read the file at path ("-" is standard input) and
 * parse it like tl_json_parse(), naming the file in errors. A file larger
 * than the limit is refused before it is parsed. Returns 0 or -1 with err
 * ("PATH: cannot open: ...", "PATH: byte N (line L): ...").
 */
int tl_json_read_file(const char *path, const tl_json_limits *limits,
                      tl_json_value **out, tl_error *err);

/* tl_json_free - release a tree from tl_json_parse(); NULL is fine. */
void tl_json_free(tl_json_value *v);

/*
 * tl_json_get - the value of obj's first member named key. Returns NULL
 * when obj is NULL, not an object, or has no such member.
 */
const tl_json_value *tl_json_get(const tl_json_value *obj, const char *key);

/*
 * tl_json_utf8_len - the length (1 to 4) of the valid UTF-8 sequence at p,
 * looking at no more than `avail` bytes; 0 when the bytes there are not
 * UTF-8 (overlong forms, surrogates and code points above U+10FFFF are not).
 */
size_t tl_json_utf8_len(const unsigned char *p, size_t avail);

/* tl_json_type_name - "null", "a boolean", "a number", "a string", "an array", "an object". */
const char *tl_json_type_name(tl_json_type t);

#endif
