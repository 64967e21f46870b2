/*
 * test_text.c - the one escaper for lines a person reads (text.h): what
 * passes as it is, what becomes \xNN, and that a line is always one line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "text.h"
#include "tl_test.h"

/* tl_text_put of the n bytes at s, as a string (static buffer). */
static const char *put(const char *s, size_t n)
{
    static char out[512];
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    TL_CHECK(f != NULL);
    if (f == NULL)
        return "";
    tl_text_put(f, s, n);
    fclose(f);
    snprintf(out, sizeof(out), "%s", text ? text : "");
    free(text);
    return out;
}

#define PUT(lit) put(lit, sizeof(lit) - 1)

static void test_what_passes(void)
{
    TL_CHECK_STR(PUT("plain ASCII: a-z, 0-9, ~!@#$%^&*()"), "plain ASCII: a-z, 0-9, ~!@#$%^&*()");
    TL_CHECK_STR(PUT("caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x94\x91"), "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x94\x91");
    TL_CHECK_STR(PUT("\xc2\xa0nbsp"), "\xc2\xa0nbsp");   /* U+00A0: the first after C1 */
    TL_CHECK_STR(PUT("back\\slash"), "back\\slash");
}

static void test_what_is_escaped(void)
{
    TL_CHECK_STR(PUT("a\x1b]0;pwned\x07\x1b[31mRED"), "a\\x1b]0;pwned\\x07\\x1b[31mRED");
    TL_CHECK_STR(PUT("two\nlines\r\ttab"), "two\\x0alines\\x0d\\x09tab");
    TL_CHECK_STR(PUT("del\x7f"), "del\\x7f");
    TL_CHECK_STR(put("nul\0x", 5), "nul\\x00x");
    /* C1 controls, U+0080-U+009F: U+009B is a CSI on its own */
    TL_CHECK_STR(PUT("csi\xc2\x9b" "31m \xc2\x80"), "csi\\xc2\\x9b31m \\xc2\\x80");
    /* bytes that are not UTF-8: each one alone */
    TL_CHECK_STR(PUT("bad\xff\xfe"), "bad\\xff\\xfe");
    TL_CHECK_STR(PUT("over\xc0\xaflong"), "over\\xc0\\xaflong");          /* overlong '/' */
    TL_CHECK_STR(PUT("sur\xed\xa0\x80"), "sur\\xed\\xa0\\x80");            /* a UTF-16 surrogate */
    TL_CHECK_STR(PUT("cut\xe2\x82"), "cut\\xe2\\x82");                     /* cut at the end */
    TL_CHECK_STR(PUT("cut\xe2\x82z"), "cut\\xe2\\x82z");                   /* cut in the middle */
    TL_CHECK_STR(PUT("big\xf4\x90\x80\x80"), "big\\xf4\\x90\\x80\\x80");   /* above U+10FFFF */
}

static void test_one_line(void)
{
    char *text = NULL, big[3000];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    TL_CHECK(f != NULL);
    if (f == NULL)
        return;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[1000] = '\n';
    TL_CHECK_INT(tl_text_line(f, "%s: wrote %d sessions", "dst\n.txt", 3), 0);
    TL_CHECK_INT(tl_text_line(f, "%s", big), 0);
    fclose(f);
    TL_CHECK(text != NULL && strncmp(text, "dst\\x0a.txt: wrote 3 sessions\n", 30) == 0);
    TL_CHECK(text != NULL && strchr(text + 30, '\n') == text + len - 1);   /* one line each */
    TL_CHECK_INT(len, 30 + sizeof(big) - 1 + 3 + 1);
    free(text);
}

/* JSON output: a byte that is not UTF-8 becomes the text \xNN, so the output stays JSON. */
static void test_json_string(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    TL_CHECK(f != NULL);
    if (f == NULL)
        return;
    tl_json_string(f, "a\x1b\xff\xc3\xa9\"\\");
    fclose(f);
    TL_CHECK_STR(text ? text : "", "\"a\\u001b\\\\xff\xc3\xa9\\\"\\\\\"");
    free(text);
}

int main(void)
{
    TL_RUN(test_what_passes);
    TL_RUN(test_what_is_escaped);
    TL_RUN(test_one_line);
    TL_RUN(test_json_string);
    return TL_DONE();
}
