/* test_keyfile.c - every key file format, its refusals and generate round trips. */
#include <stdlib.h>
#include <string.h>

#include "ticketlab/clock.h"
#include "ticketlab/codec.h"
#include "ticketlab/keyfile.h"
#include "ticketlab/keyring.h"
#include "ticketlab/rng.h"
#include "tl_test.h"

static void pattern(unsigned char *p, size_t n, unsigned char start)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(start + i);
}

/* Decode and expect the exact error message; the ring must stay as it was. */
static void expect_refusal(tl_keyfmt fmt, const void *data, size_t len,
                           const char *label, const char *want)
{
    tl_keyring *kr = tl_keyring_new(0);
    unsigned char key[48] = { 0 };
    tl_error err;

    tl_keyring_add_libtls(kr, 77, key, sizeof(key));
    err.msg[0] = '\0';
    TL_CHECK_INT(tl_keyfile_decode(kr, data, len, fmt, label, &err), -1);
    TL_CHECK_STR(err.msg, want);
    TL_CHECK_INT(tl_keyring_count(kr), 1);
    TL_CHECK_INT(tl_keyring_slot(kr, 0)->revision, 77);
    tl_keyring_free(kr);
}

static void test_format_names(void)
{
    tl_keyfmt f;

    TL_CHECK_INT(tl_keyfmt_parse("nginx", &f), 0);
    TL_CHECK_INT(f, TL_KEYFMT_NGINX);
    TL_CHECK_INT(tl_keyfmt_parse("haproxy", &f), 0);
    TL_CHECK_INT(f, TL_KEYFMT_HAPROXY);
    TL_CHECK_INT(tl_keyfmt_parse("NGINX", &f), -1);
    TL_CHECK_STR(tl_keyfmt_name(TL_KEYFMT_ENVOY), "envoy");
    TL_CHECK_STR(tl_keyfmt_name(TL_KEYFMT_LIBTLS), "libtls");
}

static void test_nginx_48(void)
{
    tl_keyring *kr = tl_keyring_new(0);
    unsigned char f[48];
    const tl_key *k;
    tl_error err;

    pattern(f, sizeof(f), 0);
    TL_CHECK_INT(tl_keyfile_decode(kr, f, 48, TL_KEYFMT_NGINX, "k48", &err), 0);
    k = tl_keyring_current(kr);
    TL_CHECK(k != NULL && memcmp(k->name, f, 16) == 0);
    TL_CHECK_INT(k->aes_len, 16);
    TL_CHECK_INT(k->aes[0], 16);
    TL_CHECK_INT(k->hmac_len, 16);
    TL_CHECK_INT(k->hmac[0], 32);
    tl_keyring_free(kr);
}

static void test_nginx_and_envoy_80(void)
{
    unsigned char f[80];
    tl_error err;

    pattern(f, sizeof(f), 0);
    for (int fmt = TL_KEYFMT_NGINX; fmt <= TL_KEYFMT_ENVOY; fmt++) {
        tl_keyring *kr = tl_keyring_new(0);
        const tl_key *k;

        TL_CHECK_INT(tl_keyfile_decode(kr, f, 80, (tl_keyfmt)fmt, "k80", &err), 0);
        k = tl_keyring_current(kr);
        TL_CHECK(k != NULL && memcmp(k->name, f, 16) == 0);
        /* name | HMAC 32 | AES 32 */
        TL_CHECK_INT(k->hmac_len, 32);
        TL_CHECK_INT(k->hmac[0], 16);
        TL_CHECK_INT(k->aes_len, 32);
        TL_CHECK_INT(k->aes[0], 48);
        tl_keyring_free(kr);
    }
}

static void test_libtls_records(void)
{
    tl_keyring *kr = tl_keyring_new(0);
    unsigned char f[3 * 52];
    unsigned char name[16];
    int newest = -1;
    tl_error err;

    for (int i = 0; i < 3; i++) {
        unsigned char *r = f + 52 * i;

        r[0] = 0; r[1] = 0; r[2] = 1; r[3] = (unsigned char)i;  /* revision 256 + i */
        pattern(r + 4, 48, (unsigned char)(i * 10));
    }
    TL_CHECK_INT(tl_keyfile_decode(kr, f, sizeof(f), TL_KEYFMT_LIBTLS, "l", &err), 0);
    TL_CHECK_INT(tl_keyring_count(kr), 3);
    /* file order: the last record is the newest and encrypts */
    TL_CHECK_INT(tl_keyring_current(kr)->revision, 258);
    TL_CHECK_INT(tl_keyring_current(kr)->aes[0], 20);
    TL_CHECK_INT(tl_keyring_current(kr)->hmac[0], 20 + 32);
    TL_CHECK_INT(tl_keyring_current(kr)->hmac_len, 16);
    tl_key_libtls_name(256, name);
    TL_CHECK(tl_keyring_find(kr, name, &newest) != NULL);
    TL_CHECK_INT(newest, 0);
    tl_keyring_free(kr);
}

/* haproxy: 3 keys, name|AES|HMAC, the penultimate encrypts. */
static void test_haproxy(void)
{
    unsigned char raw[3][80];
    char text[1024];
    size_t off = 0;
    tl_error err;

    for (size_t size = 48; size <= 80; size += 32) {
        tl_keyring *kr = tl_keyring_new(0);
        const tl_key *k;
        int newest = -1;

        off = (size_t)snprintf(text, sizeof(text), "# haproxy keys\n\n");
        for (int i = 0; i < 3; i++) {
            char *b64;

            pattern(raw[i], size, (unsigned char)(i * 100));
            b64 = tl_base64_encode(raw[i], size);
            off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s", b64,
                                    i == 1 ? "\r\n" : "\n");
            free(b64);
        }
        TL_CHECK_INT(tl_keyfile_decode(kr, (unsigned char *)text, off, TL_KEYFMT_HAPROXY,
                                       "h", &err), 0);
        TL_CHECK_INT(tl_keyring_count(kr), 3);
        k = tl_keyring_current(kr);
        /* the second (penultimate) key encrypts */
        TL_CHECK(k != NULL && memcmp(k->name, raw[1], 16) == 0);
        TL_CHECK_INT(k->aes_len, size == 48 ? 16 : 32);
        TL_CHECK_INT(k->hmac_len, size == 48 ? 16 : 32);
        TL_CHECK_INT(k->aes[0], 100 + 16);   /* AES right after the name */
        TL_CHECK_INT(k->hmac[0], (unsigned char)(100 + 16 + k->aes_len));
        /* haproxy's search order enc, enc+1, enc+2: slots 0, 1, 2 */
        TL_CHECK(memcmp(tl_keyring_slot(kr, 1)->name, raw[2], 16) == 0);
        TL_CHECK(memcmp(tl_keyring_slot(kr, 2)->name, raw[0], 16) == 0);
        TL_CHECK(tl_keyring_find(kr, raw[0], &newest) != NULL);
        TL_CHECK_INT(newest, 0);
        tl_keyring_free(kr);
    }
}

/* More than 3 keys: haproxy keeps the last 3 and encrypts with the penultimate. */
static void test_haproxy_four_keys(void)
{
    unsigned char raw[4][48];
    char text[1024];
    size_t off = 0;
    tl_keyring *kr = tl_keyring_new(0);
    tl_error err;

    for (int i = 0; i < 4; i++) {
        char *b64;

        pattern(raw[i], 48, (unsigned char)(i * 50 + 1));
        b64 = tl_base64_encode(raw[i], 48);
        off += (size_t)snprintf(text + off, sizeof(text) - off, "%s\n", b64);
        free(b64);
    }
    TL_CHECK_INT(tl_keyfile_decode(kr, (unsigned char *)text, off, TL_KEYFMT_HAPROXY,
                                   "h4", &err), 0);
    TL_CHECK_INT(tl_keyring_count(kr), 3);
    TL_CHECK(memcmp(tl_keyring_current(kr)->name, raw[2], 16) == 0);
    TL_CHECK(tl_keyring_find(kr, raw[0], NULL) == NULL);
    TL_CHECK(tl_keyring_find(kr, raw[3], NULL) != NULL);
    tl_keyring_free(kr);
}

static void test_refusals(void)
{
    unsigned char buf[6 * 52];
    char text[512];
    unsigned char raw[80];
    char *b48, *b80, *b33;

    memset(buf, 0, sizeof(buf));
    expect_refusal(TL_KEYFMT_NGINX, buf, 52, "keys.bin",
                   "keys.bin: nginx key files are 48 or 80 bytes, this one is 52");
    expect_refusal(TL_KEYFMT_NGINX, buf, 0, "keys.bin",
                   "keys.bin: the file is empty: no nginx ticket keys in it");
    expect_refusal(TL_KEYFMT_ENVOY, buf, 48, "e.bin",
                   "e.bin: envoy key files are 80 bytes, this one is 48");
    expect_refusal(TL_KEYFMT_LIBTLS, buf, 51, "l.bin",
                   "l.bin: libtls key files are whole 52-byte records (4-byte revision, "
                   "48 key bytes), this one is 51 bytes");
    expect_refusal(TL_KEYFMT_LIBTLS, buf, 5 * 52, "l.bin",
                   "l.bin: too many keys: the ring holds 4, this file has 5");
    /* two records with revision 0: the same name */
    expect_refusal(TL_KEYFMT_LIBTLS, buf, 2 * 52, "l.bin",
                   "l.bin: duplicate key name 00000000000000000000000000000000 (keys 1 and 2)");
    /* the ring's own key (revision 77) with other bytes */
    buf[3] = 77;
    buf[4] = 1;
    expect_refusal(TL_KEYFMT_LIBTLS, buf, 52, "l.bin",
                   "l.bin: key name 0000004d000000000000000000000000 is already in the key ring");

    pattern(raw, 80, 1);
    b48 = tl_base64_encode(raw, 48);
    b80 = tl_base64_encode(raw, 80);
    b33 = tl_base64_encode(raw, 33);
    snprintf(text, sizeof(text), "%s\n%s\n*not base64*\n", b48, b48);
    expect_refusal(TL_KEYFMT_HAPROXY, text, strlen(text), "keys.txt",
                   "keys.txt:3: not base64");
    snprintf(text, sizeof(text), "# c\n%s\n", b33);
    expect_refusal(TL_KEYFMT_HAPROXY, text, strlen(text), "keys.txt",
                   "keys.txt:2: haproxy keys are 48 or 80 bytes once decoded, this one is 33");
    snprintf(text, sizeof(text), "%s\n%s\n", b48, b80);
    expect_refusal(TL_KEYFMT_HAPROXY, text, strlen(text), "keys.txt",
                   "keys.txt:2: haproxy keys in one file must be the same size: "
                   "line 1 is 48 bytes, this one is 80");
    snprintf(text, sizeof(text), "%s\n%s\n", b48, b48);
    expect_refusal(TL_KEYFMT_HAPROXY, text, strlen(text), "keys.txt",
                   "keys.txt: haproxy needs at least 3 keys, this file has 2");
    snprintf(text, sizeof(text), "# only a comment\n\n");
    expect_refusal(TL_KEYFMT_HAPROXY, text, strlen(text), "keys.txt",
                   "keys.txt: haproxy needs at least 3 keys, this file has 0");
    snprintf(text, sizeof(text), "%s\n%s\n%s\n", b48, b48, b48);
    expect_refusal(TL_KEYFMT_HAPROXY, text, strlen(text), "keys.txt",
                   "keys.txt: duplicate key name 0102030405060708090a0b0c0d0e0f10 "
                   "(lines 1 and 2)");
    free(b48);
    free(b80);
    free(b33);
}

static void test_generate_round_trip(void)
{
    static const struct { tl_keyfmt fmt; size_t size, len; size_t keys; } cases[] = {
        { TL_KEYFMT_NGINX, 48, 48, 1 },  { TL_KEYFMT_NGINX, 80, 80, 1 },
        { TL_KEYFMT_NGINX, 0, 80, 1 },   { TL_KEYFMT_ENVOY, 0, 80, 1 },
        { TL_KEYFMT_HAPROXY, 48, 3 * 65, 3 }, { TL_KEYFMT_HAPROXY, 80, 3 * 109, 3 },
        { TL_KEYFMT_LIBTLS, 0, 52, 1 },
    };
    tl_error err;

    tl_rng_seed(3);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char *out = NULL, name[16];
        size_t len = 0;
        tl_keyring *kr = tl_keyring_new(0);
        const tl_key *k;

        TL_CHECK_INT(tl_keyfile_generate(cases[i].fmt, cases[i].size, 9, &out, &len, &err), 0);
        TL_CHECK_INT(len, cases[i].len);
        TL_CHECK_INT(tl_keyfile_decode(kr, out, len, cases[i].fmt, "gen", &err), 0);
        TL_CHECK_INT(tl_keyring_count(kr), cases[i].keys);
        k = tl_keyring_current(kr);
        tl_key_libtls_name(9, name);
        if (cases[i].fmt == TL_KEYFMT_HAPROXY)
            name[4] = 1;                 /* haproxy encrypts with key 1 of 0..2 */
        TL_CHECK(k != NULL && memcmp(k->name, name, 16) == 0);
        free(out);
        tl_keyring_free(kr);
    }
    {
        unsigned char *out = NULL;
        size_t len = 0;

        TL_CHECK_INT(tl_keyfile_generate(TL_KEYFMT_ENVOY, 48, 1, &out, &len, &err), -1);
        TL_CHECK_STR(err.msg, "envoy keys are 80 bytes, not 48");
        TL_CHECK_INT(tl_keyfile_generate(TL_KEYFMT_NGINX, 64, 1, &out, &len, &err), -1);
        TL_CHECK_STR(err.msg, "nginx keys are 48 or 80 bytes, not 64");
        TL_CHECK(out == NULL);
    }
}

static void test_load_errors(void)
{
    tl_keyring *kr = tl_keyring_new(0);
    tl_error err;

    TL_CHECK_INT(tl_keyfile_load(kr, "/nonexistent/keys.bin", TL_KEYFMT_NGINX, &err), -1);
    TL_CHECK(strncmp(err.msg, "/nonexistent/keys.bin: ", 23) == 0);
    TL_CHECK_INT(tl_keyfile_load(kr, "/", TL_KEYFMT_NGINX, &err), -1);
    TL_CHECK(strncmp(err.msg, "/: ", 3) == 0);
    TL_CHECK_INT(tl_keyring_count(kr), 0);
    tl_keyring_free(kr);
}

int main(void)
{
    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_RUN(test_format_names);
    TL_RUN(test_nginx_48);
    TL_RUN(test_nginx_and_envoy_80);
    TL_RUN(test_libtls_records);
    TL_RUN(test_haproxy);
    TL_RUN(test_haproxy_four_keys);
    TL_RUN(test_refusals);
    TL_RUN(test_generate_round_trip);
    TL_RUN(test_load_errors);
    return TL_DONE();
}
