/*
 * test_spack.c - curl session data: packing, and every malformed input
 * class refused with its own reason and without a leak (run it under ASan
 * and LSan: TICKETLAB_SANITIZE=ON).
 *
 * The crafted inputs are hex strings, spaces ignored. Layout reminder:
 * 01 version | 02 u16 IETF id | 03 u64 valid-until | 04 u16+DER ticket |
 * 05 u16+ALPN | 06 u32 early data | 07 u16+QUIC params | 08 flag.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticketlab/cache.h"
#include "ticketlab/clock.h"
#include "ticketlab/codec.h"
#include "ticketlab/sessfile.h"
#include "ticketlab/spack.h"
#include "tl_test.h"
#include "tl_test_session.h"

/* Decode hex with spaces; the caller frees. */
static unsigned char *hex(const char *s, size_t *len)
{
    char *compact = malloc(strlen(s) + 1), *q = compact;
    unsigned char *out = NULL;

    for (; *s; s++)
        if (*s != ' ')
            *q++ = *s;
    *q = '\0';
    if (tl_hex_decode(compact, &out, len) != 0)
        out = NULL;
    free(compact);
    return out;
}

/* Fields that make a complete record, to append to or leave out. */
#define T1   "04 0001 30"                 /* ticket: one byte */
#define ID13 "02 0304"
#define VU   "03 000000006b3a6c00"        /* 1798990848 */
#define GOOD "01" T1 ID13 VU

static const struct {
    const char *name;
    const char *hex;
    tl_spack_err want;
} bad_sdata[] = {
    { "empty input", "", TL_SPACK_ERR_EMPTY },
    { "version 0x00", "00" T1 ID13 VU, TL_SPACK_ERR_BAD_VERSION },
    { "version 0x02", "02" T1 ID13 VU, TL_SPACK_ERR_BAD_VERSION },
    { "version 0xff", "ff" T1 ID13 VU, TL_SPACK_ERR_BAD_VERSION },
    { "version only byte wrong", "04", TL_SPACK_ERR_BAD_VERSION },
    { "tag 0x09", GOOD "09", TL_SPACK_ERR_UNKNOWN_TAG },
    { "tag 0x00", "01 00" T1 ID13 VU, TL_SPACK_ERR_UNKNOWN_TAG },
    { "tag 0x01 (version as a field)", "01 01" T1 ID13 VU, TL_SPACK_ERR_UNKNOWN_TAG },
    { "tag 0xff", GOOD "ff 0000", TL_SPACK_ERR_UNKNOWN_TAG },
    { "tag 0x80", "01 80", TL_SPACK_ERR_UNKNOWN_TAG },
    { "duplicate ticket (curl #22323)", "01 04 0004 41414141 04 0001 42" ID13 VU,
      TL_SPACK_ERR_DUPLICATE_TAG },
    { "duplicate IETF id", GOOD "02 0303", TL_SPACK_ERR_DUPLICATE_TAG },
    { "duplicate valid-until", GOOD VU, TL_SPACK_ERR_DUPLICATE_TAG },
    { "duplicate ALPN", GOOD "05 0002 6832 05 0002 6833", TL_SPACK_ERR_DUPLICATE_TAG },
    { "duplicate early data", GOOD "06 00004000 06 00000001", TL_SPACK_ERR_DUPLICATE_TAG },
    { "duplicate QUIC params", GOOD "07 0001 aa 07 0001 bb", TL_SPACK_ERR_DUPLICATE_TAG },
    { "duplicate flag", GOOD "08 08", TL_SPACK_ERR_DUPLICATE_TAG },
    { "duplicate tag, second one cut", GOOD "04 00", TL_SPACK_ERR_DUPLICATE_TAG },
    { "IETF id with no bytes", "01" T1 VU "02", TL_SPACK_ERR_TRUNCATED },
    { "IETF id with one byte", "01" T1 VU "02 03", TL_SPACK_ERR_TRUNCATED },
    { "valid-until with 3 bytes", "01" T1 ID13 "03 000000", TL_SPACK_ERR_TRUNCATED },
    { "valid-until with 7 bytes", "01" T1 ID13 "03 00000000000000", TL_SPACK_ERR_TRUNCATED },
    { "valid-until with no bytes", "01" T1 ID13 "03", TL_SPACK_ERR_TRUNCATED },
    { "early data with 3 bytes", GOOD "06 000040", TL_SPACK_ERR_TRUNCATED },
    { "early data with no bytes", GOOD "06", TL_SPACK_ERR_TRUNCATED },
    { "ticket without length", "01 04", TL_SPACK_ERR_TRUNCATED },
    { "ticket with half a length", "01 04 00", TL_SPACK_ERR_TRUNCATED },
    { "ALPN with half a length", GOOD "05 00", TL_SPACK_ERR_TRUNCATED },
    { "QUIC params without length", GOOD "07", TL_SPACK_ERR_TRUNCATED },
    { "ticket length 5, 2 bytes", "01 04 0005 aabb", TL_SPACK_ERR_LENGTH_PAST_END },
    { "ticket length 0xffff", "01 04 ffff 30", TL_SPACK_ERR_LENGTH_PAST_END },
    { "ticket length 1, 0 bytes", "01 04 0001", TL_SPACK_ERR_LENGTH_PAST_END },
    { "ALPN length 16, 2 bytes", GOOD "05 0010 6832", TL_SPACK_ERR_LENGTH_PAST_END },
    { "ALPN length 1 at the end", GOOD "05 0001", TL_SPACK_ERR_LENGTH_PAST_END },
    { "QUIC params length 2, 1 byte", GOOD "07 0002 00", TL_SPACK_ERR_LENGTH_PAST_END },
    { "version byte only", "01", TL_SPACK_ERR_NO_TICKET },
    { "no ticket field", "01" ID13 VU, TL_SPACK_ERR_NO_TICKET },
    { "no ticket, with ALPN and flag", "01" ID13 VU "05 0002 6832 08", TL_SPACK_ERR_NO_TICKET },
    { "empty ticket", "01 04 0000" ID13 VU, TL_SPACK_ERR_EMPTY_TICKET },
    { "no IETF id", "01" T1 VU, TL_SPACK_ERR_NO_IETF_ID },
    { "IETF id 0x0300 (SSL 3)", "01" T1 "02 0300" VU, TL_SPACK_ERR_BAD_IETF_ID },
    { "IETF id 0x0305", "01" T1 "02 0305" VU, TL_SPACK_ERR_BAD_IETF_ID },
    { "IETF id 0xfefd (DTLS 1.2)", "01" T1 "02 fefd" VU, TL_SPACK_ERR_BAD_IETF_ID },
    { "IETF id 0x0000", "01" T1 "02 0000" VU, TL_SPACK_ERR_BAD_IETF_ID },
    { "no valid-until", "01" T1 ID13, TL_SPACK_ERR_NO_VALID_UNTIL },
    { "valid-until 2^63", "01" T1 ID13 "03 8000000000000000", TL_SPACK_ERR_BAD_VALID_UNTIL },
    { "valid-until all ones", "01" T1 ID13 "03 ffffffffffffffff", TL_SPACK_ERR_BAD_VALID_UNTIL },
    { "ALPN with a NUL", GOOD "05 0003 683200", TL_SPACK_ERR_BAD_ALPN },
    { "ALPN that is one NUL", GOOD "05 0001 00", TL_SPACK_ERR_BAD_ALPN },
};

static void test_malformed_sdata(void)
{
    size_t n = sizeof(bad_sdata) / sizeof(bad_sdata[0]);

    TL_CHECK(n >= 40);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        unsigned char *data = bad_sdata[i].hex[0] ? hex(bad_sdata[i].hex, &len)
                                                   : calloc(1, 1);
        tl_sdata s;
        tl_error err = { "" };
        tl_spack_err got;

        TL_CHECK(data != NULL);
        if (data == NULL)
            continue;
        got = tl_sdata_unpack(data, len, &s, &err);
        if (got != bad_sdata[i].want)
            fprintf(stderr, "  case \"%s\": got %s (%s), want %s\n", bad_sdata[i].name,
                    tl_spack_errname(got), err.msg, tl_spack_errname(bad_sdata[i].want));
        TL_CHECK_INT(got, bad_sdata[i].want);
        TL_CHECK(err.msg[0] != '\0');
        TL_CHECK(s.ticket == NULL && s.alpn == NULL && s.quic_tp == NULL);
        free(data);
    }
}

static void test_good_sdata_unpacks(void)
{
    size_t len;
    unsigned char *data = hex(GOOD "05 0002 6832 06 00004000 07 0002 abcd 08", &len);
    tl_sdata s;
    tl_error err = { "" };
    unsigned char *again;
    size_t again_len;

    TL_CHECK_INT(tl_sdata_unpack(data, len, &s, &err), TL_SPACK_OK);
    TL_CHECK_INT(s.ticket_len, 1);
    TL_CHECK_INT(s.ticket[0], 0x30);
    TL_CHECK_INT(s.ietf_id, 0x0304);
    TL_CHECK_INT(s.valid_until, 1798990848);
    TL_CHECK_STR(s.alpn, "h2");
    TL_CHECK_INT(s.earlydata_max, 0x4000);
    TL_CHECK_INT(s.quic_tp_len, 2);
    TL_CHECK(s.flag);
    /* Our packer writes curl's order, so this canonical input comes back whole. */
    TL_CHECK_INT(tl_sdata_pack(&s, &again, &again_len, &err), 0);
    TL_CHECK_INT(again_len, len);
    TL_CHECK(again_len == len && memcmp(again, data, len) == 0);
    free(again);
    tl_sdata_clear(&s);
    free(data);
}

static void test_any_field_order(void)
{
    size_t len;
    unsigned char *data = hex("01 08 03 000000006b3a6c00 05 0000 02 0303 04 0001 30", &len);
    tl_sdata s;

    TL_CHECK_INT(tl_sdata_unpack(data, len, &s, NULL), TL_SPACK_OK);
    TL_CHECK_INT(s.ietf_id, 0x0303);
    TL_CHECK(s.alpn != NULL && s.alpn[0] == '\0');  /* present but empty */
    tl_sdata_clear(&s);
    free(data);
}

static void test_pack_refusals(void)
{
    tl_sdata s;
    unsigned char *out = NULL, big[70000];
    size_t len;
    tl_error err;

    memset(&s, 0, sizeof(s));
    TL_CHECK_INT(tl_sdata_pack(&s, &out, &len, &err), -1);   /* no ticket */
    memset(big, 0x30, sizeof(big));
    s.ticket = big;
    s.ticket_len = sizeof(big);
    TL_CHECK_INT(tl_sdata_pack(&s, &out, &len, &err), -1);   /* over u16 */
    s.ticket_len = 10;
    s.valid_until = -1;
    TL_CHECK_INT(tl_sdata_pack(&s, &out, &len, &err), -1);   /* negative time */
    s.valid_until = 5;
    TL_CHECK_INT(tl_sdata_pack(&s, &out, &len, &err), 0);
    TL_CHECK_INT(len, 1 + 3 + 10 + 3 + 9);
    free(out);
}

/* Refusals that need the cache: peer identification, DER, version, time. */
static void test_malformed_imports(void)
{
    tl_cache *c = tl_cache_new(8, NULL);
    int64_t now = tl_clock_now();
    unsigned char shash[65];
    size_t der_len, sd_len;
    unsigned char *der = tl_test_der(TLS1_3_VERSION, 7, &der_len);
    unsigned char *good = tl_test_sdata(TLS1_3_VERSION, 7, now + 600, "h2", &sd_len);
    struct {
        const char *name;
        size_t shash_len;
        int64_t valid_until;
        uint16_t ietf;
        int der_edit;     /* 0 keep, 1 garbage, 2 trailing byte, 3 cut one byte */
        tl_spack_err want;
    } cases[] = {
        { "salted hash of 63 bytes", 63, 600, 0x0304, 0, TL_SPACK_ERR_BAD_SHASH_SIZE },
        { "salted hash of 65 bytes", 65, 600, 0x0304, 0, TL_SPACK_ERR_BAD_SHASH_SIZE },
        { "salted hash of 32 bytes", 32, 600, 0x0304, 0, TL_SPACK_ERR_BAD_SHASH_SIZE },
        { "salted hash of 0 bytes", 0, 600, 0x0304, 0, TL_SPACK_ERR_BAD_SHASH_SIZE },
        { "DER that is not a session", 64, 600, 0x0304, 1, TL_SPACK_ERR_BAD_SESSION },
        { "DER with a trailing byte", 64, 600, 0x0304, 2, TL_SPACK_ERR_BAD_SESSION },
        { "DER cut by one byte", 64, 600, 0x0304, 3, TL_SPACK_ERR_BAD_SESSION },
        { "IETF id 1.2, session 1.3", 64, 600, 0x0303, 0, TL_SPACK_ERR_VERSION_MISMATCH },
        { "valid-until one second ago", 64, -1, 0x0304, 0, TL_SPACK_ERR_EXPIRED },
        { "valid-until zero", 64, INT64_MIN, 0x0304, 0, TL_SPACK_ERR_EXPIRED },
    };
    tl_spack_err why;
    tl_error err;

    TL_CHECK(c != NULL && der != NULL && good != NULL);
    if (c == NULL || der == NULL || good == NULL)
        goto out;
    memset(shash, 0x5a, sizeof(shash));
    /* the control: a good record imports */
    TL_CHECK_INT(tl_cache_import(c, NULL, shash, 64, good, sd_len, &why, &err), 0);
    TL_CHECK_INT(why, TL_SPACK_OK);
    TL_CHECK_INT(tl_cache_import(c, NULL, NULL, 0, good, sd_len, &why, &err), -1);
    TL_CHECK_INT(why, TL_SPACK_ERR_NO_PEER);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tl_sdata s;
        unsigned char *packed = NULL;
        size_t packed_len = 0;
        static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

        memset(&s, 0, sizeof(s));
        s.ticket_len = cases[i].der_edit == 1 ? sizeof(junk)
                     : cases[i].der_edit == 2 ? der_len + 1
                     : cases[i].der_edit == 3 ? der_len - 1 : der_len;
        s.ticket = calloc(1, s.ticket_len + 1);
        if (cases[i].der_edit == 1)
            memcpy(s.ticket, junk, sizeof(junk));
        else
            memcpy(s.ticket, der, s.ticket_len < der_len ? s.ticket_len : der_len);
        s.ietf_id = cases[i].ietf;
        s.valid_until = cases[i].valid_until == INT64_MIN ? 0 : now + cases[i].valid_until;
        TL_CHECK_INT(tl_sdata_pack(&s, &packed, &packed_len, NULL), 0);
        err.msg[0] = '\0';
        why = TL_SPACK_OK;
        TL_CHECK_INT(tl_cache_import(c, NULL, shash, cases[i].shash_len, packed,
                                     packed_len, &why, &err), -1);
        if (why != cases[i].want)
            fprintf(stderr, "  case \"%s\": got %s (%s)\n", cases[i].name,
                    tl_spack_errname(why), err.msg);
        TL_CHECK_INT(why, cases[i].want);
        TL_CHECK(err.msg[0] != '\0');
        free(packed);
        tl_sdata_clear(&s);
    }
    TL_CHECK_INT(tl_cache_size(c), 1);   /* only the control */
out:
    free(der);
    free(good);
    tl_cache_free(c);
}

typedef struct seen_lines {
    size_t n;
    size_t line[32];
    tl_spack_err why[32];
} seen_lines;

static void note_bad(void *arg, size_t line, tl_spack_err why, const char *msg)
{
    seen_lines *s = arg;

    TL_CHECK(msg != NULL && msg[0] != '\0');
    if (s->n < 32) {
        s->line[s->n] = line;
        s->why[s->n++] = why;
    }
}

/* Session file lines: each bad one is reported with its number; the rest import. */
static void test_malformed_lines(void)
{
    int64_t now = tl_clock_now();
    size_t sd_len, dup_len;
    unsigned char *sd = tl_test_sdata(TLS1_3_VERSION, 1, now + 600, NULL, &sd_len);
    unsigned char *dup = hex("01 04 0004 41414141 04 0001 42" ID13 VU, &dup_len);
    unsigned char shash[64];
    char *b_sh, *b_sd, *b_dup, *b_short;
    char text[8192];
    tl_cache *c = tl_cache_new(16, NULL);
    seen_lines seen = { 0 };
    tl_sessfile_stats st;
    static const struct { size_t line; tl_spack_err why; } want[] = {
        { 3, TL_SPACK_ERR_NO_SEPARATOR },
        { 4, TL_SPACK_ERR_BAD_BASE64_SHASH },
        { 5, TL_SPACK_ERR_BAD_BASE64_SDATA },
        { 6, TL_SPACK_ERR_BAD_BASE64_SDATA },
        { 7, TL_SPACK_ERR_BAD_SHASH_SIZE },
        { 8, TL_SPACK_ERR_DUPLICATE_TAG },
        { 9, TL_SPACK_ERR_EMPTY },
        { 11, TL_SPACK_ERR_BAD_BASE64_SHASH },
    };

    memset(shash, 0x11, sizeof(shash));
    b_sh = tl_base64_encode(shash, 64);
    b_short = tl_base64_encode(shash, 40);
    b_sd = tl_base64_encode(sd, sd_len);
    b_dup = tl_base64_encode(dup, dup_len);
    snprintf(text, sizeof(text),
             "# comment\n"
             "%s:%s\n"            /* 2 good */
             "no separator here\n"/* 3 */
             "!!!!:%s\n"          /* 4 */
             "%s:abc\n"           /* 5: not a multiple of 4 */
             "%s:AA AA\n"         /* 6: a space inside */
             "%s:%s\n"            /* 7: 40-byte hash */
             "%s:%s\n"            /* 8: duplicate tag */
             "%s:\n"              /* 9: empty sdata */
             "\n"                 /* 10: blank */
             "Zm9=YmFy:%s\r\n"    /* 11: '=' inside */
             "%s:%s\r\n",         /* 12: good, CRLF */
             b_sh, b_sd, b_sd, b_sh, b_sh, b_short, b_sd, b_sh, b_dup, b_sh, b_sd,
             b_sh, b_sd);
    TL_CHECK_INT(tl_sessfile_parse(c, text, strlen(text), note_bad, &seen, &st, NULL), 0);
    TL_CHECK_INT(st.lines, 12);
    TL_CHECK_INT(st.sessions, 10);
    TL_CHECK_INT(st.imported, 2);
    TL_CHECK_INT(st.bad, 8);
    TL_CHECK_INT(seen.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < seen.n && i < sizeof(want) / sizeof(want[0]); i++) {
        TL_CHECK_INT(seen.line[i], want[i].line);
        TL_CHECK_INT(seen.why[i], want[i].why);
    }
    tl_cache_free(c);
    free(b_sh);
    free(b_short);
    free(b_sd);
    free(b_dup);
    free(sd);
    free(dup);
}

static void test_error_names(void)
{
    TL_CHECK_STR(tl_spack_errname(TL_SPACK_ERR_DUPLICATE_TAG), "duplicate_tag");
    TL_CHECK_STR(tl_spack_strerror(TL_SPACK_ERR_BAD_VERSION), "wrong version byte");
    TL_CHECK_STR(tl_spack_errname((tl_spack_err)999), "unknown");
    for (int e = 0; e <= TL_SPACK_ERR_BAD_BASE64_SDATA; e++)
        TL_CHECK(strcmp(tl_spack_errname((tl_spack_err)e), "unknown") != 0);
}

int main(void)
{
    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_RUN(test_malformed_sdata);
    TL_RUN(test_good_sdata_unpacks);
    TL_RUN(test_any_field_order);
    TL_RUN(test_pack_refusals);
    TL_RUN(test_malformed_imports);
    TL_RUN(test_malformed_lines);
    TL_RUN(test_error_names);
    return TL_DONE();
}
