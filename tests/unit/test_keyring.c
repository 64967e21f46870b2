/* test_keyring.c - every libtls key ring rule, on a frozen clock. */
#include <string.h>

#include "ticketlab/clock.h"
#include "ticketlab/keyring.h"
#include "ticketlab/rng.h"
#include "tl_test.h"

static void fill(unsigned char key[48], unsigned char v)
{
    memset(key, v, 48);
}

static void test_libtls_name(void)
{
    unsigned char name[16], want[16] = { 0x01, 0x02, 0x03, 0x04 };

    tl_key_libtls_name(0x01020304, name);
    TL_CHECK(memcmp(name, want, 16) == 0);
}

static void test_slot_order_and_eviction(void)
{
    tl_keyring *kr = tl_keyring_new(TL_DEFAULT_LIFETIME);
    unsigned char key[48], name[16];

    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_CHECK_INT(tl_keyring_count(kr), 0);
    for (uint32_t rev = 1; rev <= 4; rev++) {
        fill(key, (unsigned char)rev);
        TL_CHECK_INT(tl_keyring_add_libtls(kr, rev, key, 48), 0);
    }
    TL_CHECK_INT(tl_keyring_count(kr), 4);
    /* newest first */
    for (size_t i = 0; i < 4; i++)
        TL_CHECK_INT(tl_keyring_slot(kr, i)->revision, 4 - i);
    TL_CHECK(tl_keyring_slot(kr, 4) == NULL);
    TL_CHECK_INT(tl_keyring_slot(kr, 0)->aes_len, 32);
    TL_CHECK_INT(tl_keyring_slot(kr, 0)->hmac_len, 16);
    TL_CHECK_INT(tl_keyring_slot(kr, 0)->aes[0], 4);
    /* a 5th key evicts the oldest (revision 1) */
    fill(key, 5);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 5, key, 48), 0);
    TL_CHECK_INT(tl_keyring_count(kr), 4);
    TL_CHECK_INT(tl_keyring_slot(kr, 0)->revision, 5);
    TL_CHECK_INT(tl_keyring_slot(kr, 3)->revision, 2);
    tl_key_libtls_name(1, name);
    TL_CHECK(tl_keyring_find(kr, name, NULL) == NULL);
    TL_CHECK(tl_keyring_current(kr) == tl_keyring_slot(kr, 0));
    tl_keyring_free(kr);
}

static void test_wrong_length(void)
{
    tl_keyring *kr = tl_keyring_new(0);
    unsigned char key[48] = { 0 };

    TL_CHECK_INT(tl_keyring_add_libtls(kr, 1, key, 47), -1);
    TL_CHECK(strstr(tl_keyring_error(kr), "48 bytes, this one is 47") != NULL);
    TL_CHECK_INT(tl_keyring_count(kr), 0);
    tl_keyring_free(kr);
}

static void test_readd(void)
{
    tl_keyring *kr = tl_keyring_new(TL_DEFAULT_LIFETIME);
    unsigned char key[48];

    tl_clock_freeze(TL_CLOCK_EPOCH);
    fill(key, 1);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 1, key, 48), 0);
    fill(key, 2);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 2, key, 48), 0);
    /* identical newest key: a no-op success */
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 2, key, 48), 0);
    TL_CHECK_INT(tl_keyring_count(kr), 2);
    /* newest name with other bytes: refused */
    fill(key, 9);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 2, key, 48), -1);
    TL_CHECK(strstr(tl_keyring_error(kr), "already present") != NULL);
    /* an older key, even identical: refused */
    fill(key, 1);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 1, key, 48), -1);
    TL_CHECK(strstr(tl_keyring_error(kr), "slot 1") != NULL);
    TL_CHECK_INT(tl_keyring_count(kr), 2);
    /* revision 0 (an all-zero name) is a normal key */
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 0, key, 48), 0);
    tl_keyring_free(kr);
}

static void test_rotation_boundary(void)
{
    tl_keyring *kr = tl_keyring_new(7200);
    unsigned char key[48];
    const tl_key *cur;

    tl_clock_freeze(TL_CLOCK_EPOCH);
    tl_rng_seed(7);
    fill(key, 1);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 1, key, 48), 0);
    tl_keyring_set_autorotate(kr, 2);
    /* exactly 3/4 of the lifetime (5400 s): not yet (strictly greater) */
    tl_clock_advance(5400);
    cur = tl_keyring_current(kr);
    TL_CHECK(cur != NULL && cur->revision == 1);
    TL_CHECK_INT(tl_keyring_count(kr), 1);
    /* one second later: a fresh key, revision 2, becomes current */
    tl_clock_advance(1);
    cur = tl_keyring_current(kr);
    TL_CHECK(cur != NULL && cur->revision == 2);
    TL_CHECK_INT(tl_keyring_count(kr), 2);
    TL_CHECK_INT(tl_keyring_slot(kr, 1)->revision, 1);
    /* no second rotation right after */
    cur = tl_keyring_current(kr);
    TL_CHECK(cur != NULL && cur->revision == 2);
    TL_CHECK_INT(tl_keyring_count(kr), 2);
    tl_keyring_free(kr);

    /* odd lifetime: 3 * (7 / 4) = 3 with integer division, as libtls */
    kr = tl_keyring_new(7);
    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 1, key, 48), 0);
    tl_keyring_set_autorotate(kr, 10);
    tl_clock_advance(3);
    TL_CHECK_INT(tl_keyring_current(kr)->revision, 1);
    tl_clock_advance(1);
    TL_CHECK_INT(tl_keyring_current(kr)->revision, 10);
    tl_keyring_free(kr);
}

static void test_autorotate_empty_ring(void)
{
    tl_keyring *kr = tl_keyring_new(7200);
    const tl_key *cur;

    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_CHECK(tl_keyring_current(kr) == NULL);
    TL_CHECK(strstr(tl_keyring_error(kr), "empty") != NULL);
    tl_keyring_set_autorotate(kr, 5);
    cur = tl_keyring_current(kr);
    TL_CHECK(cur != NULL && cur->revision == 5);
    tl_keyring_free(kr);
}

static void test_retirement(void)
{
    tl_keyring *kr = tl_keyring_new(7200);
    unsigned char key[48], name[16];
    int is_newest = -1, retired = -1;

    tl_clock_freeze(TL_CLOCK_EPOCH);
    fill(key, 1);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 1, key, 48), 0);
    tl_key_libtls_name(1, name);
    /* at exactly the lifetime the key still works (strict comparison) */
    tl_clock_advance(7200);
    TL_CHECK(tl_keyring_find(kr, name, &is_newest) != NULL);
    TL_CHECK_INT(is_newest, 1);
    TL_CHECK(tl_keyring_current(kr) != NULL);
    /* one second later it is retired */
    tl_clock_advance(1);
    TL_CHECK(tl_keyring_find(kr, name, &is_newest) == NULL);
    TL_CHECK(tl_keyring_current(kr) == NULL);
    TL_CHECK(strstr(tl_keyring_error(kr), "older than the lifetime of 7200") != NULL);
    TL_CHECK(tl_keyring_find_any(kr, name, &retired) != NULL);
    TL_CHECK_INT(retired, 1);
    tl_keyring_free(kr);

    /* lifetime 0: keys never retire */
    kr = tl_keyring_new(0);
    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_CHECK_INT(tl_keyring_add_libtls(kr, 1, key, 48), 0);
    tl_clock_advance(INT64_C(10) * 365 * 86400);
    TL_CHECK(tl_keyring_find(kr, name, NULL) != NULL);
    TL_CHECK(tl_keyring_current(kr) != NULL);
    TL_CHECK_INT(tl_keyring_lifetime(kr), 0);
    tl_keyring_free(kr);
}

static void test_find_is_newest(void)
{
    tl_keyring *kr = tl_keyring_new(TL_DEFAULT_LIFETIME);
    unsigned char key[48], name[16];
    int is_newest = -1, retired = -1;
    const tl_key *k;

    tl_clock_freeze(TL_CLOCK_EPOCH);
    for (uint32_t rev = 1; rev <= 3; rev++) {
        fill(key, (unsigned char)rev);
        TL_CHECK_INT(tl_keyring_add_libtls(kr, rev, key, 48), 0);
    }
    tl_key_libtls_name(3, name);
    k = tl_keyring_find(kr, name, &is_newest);
    TL_CHECK(k != NULL && k->revision == 3);
    TL_CHECK_INT(is_newest, 1);
    tl_key_libtls_name(1, name);
    k = tl_keyring_find(kr, name, &is_newest);
    TL_CHECK(k != NULL && k->revision == 1);
    TL_CHECK_INT(is_newest, 0);
    tl_key_libtls_name(99, name);
    TL_CHECK(tl_keyring_find(kr, name, &is_newest) == NULL);
    TL_CHECK(tl_keyring_find_any(kr, name, &retired) == NULL);
    TL_CHECK_INT(retired, 0);
    tl_keyring_free(kr);
}

static void test_named_keys(void)
{
    tl_keyring *kr = tl_keyring_new(0);
    tl_key k;

    memset(&k, 0, sizeof(k));
    memset(k.name, 0xab, 16);
    k.aes_len = 16;
    k.hmac_len = 16;
    TL_CHECK_INT(tl_keyring_add_named(kr, &k), 0);
    TL_CHECK_INT(tl_keyring_add_named(kr, &k), 0);      /* identical newest */
    TL_CHECK_INT(tl_keyring_count(kr), 1);
    k.aes[0] = 1;
    TL_CHECK_INT(tl_keyring_add_named(kr, &k), -1);
    k.aes_len = 24;
    memset(k.name, 0xcd, 16);
    TL_CHECK_INT(tl_keyring_add_named(kr, &k), -1);
    TL_CHECK(strstr(tl_keyring_error(kr), "24 bytes") != NULL);
    tl_keyring_free(kr);
    tl_keyring_free(NULL);
}

int main(void)
{
    TL_RUN(test_libtls_name);
    TL_RUN(test_slot_order_and_eviction);
    TL_RUN(test_wrong_length);
    TL_RUN(test_readd);
    TL_RUN(test_rotation_boundary);
    TL_RUN(test_autorotate_empty_ring);
    TL_RUN(test_retirement);
    TL_RUN(test_find_is_newest);
    TL_RUN(test_named_keys);
    return TL_DONE();
}
