/*
 * fuzz_cache_import - curl-format session data and session-file lines.
 *
 * Input: one selector byte, then the data.
 *   selector & 1 == 0   the data is one sdata blob (curl_easy_ssls_import),
 *                       imported under a fixed salted hash
 *   selector & 1 == 1   the data is session-file text (curl --ssl-sessions)
 *
 * Oracles: whatever is accepted re-exports to canonical bytes, and those
 * bytes import again and re-export to the very same bytes. An accepted
 * sdata blob also packs back to bytes that unpack to the same fields, and
 * passes a second, independent walk of curl's layout (below): no unknown
 * tag, no repeated tag, no field cut short. Nothing leaks (LeakSanitizer
 * checks every run).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "ticketlab/cache.h"
#include "ticketlab/clock.h"
#include "ticketlab/rng.h"
#include "ticketlab/sessfile.h"
#include "ticketlab/spack.h"

/* The session-file text of c, malloc'd. */
static char *export_text(tl_cache *c, size_t *len)
{
    tl_error err = { "" };
    char *out = NULL;

    if (tl_sessfile_format(c, &out, len, NULL, &err) != 0)
        tl_fuzz_die("export failed: %s", err.msg);
    return out;
}

/* Re-import the export of c into a new cache; its export must be identical. */
static void check_round_trip(tl_cache *c)
{
    tl_error err = { "" };
    size_t len1, len2;
    char *first, *second;
    tl_cache *again = tl_cache_new(0, &err);
    tl_sessfile_stats st;

    if (again == NULL)
        tl_fuzz_die("out of memory");
    first = export_text(c, &len1);
    if (tl_sessfile_parse(again, first, len1, NULL, NULL, &st, &err) != 0)
        tl_fuzz_die("our own export does not parse: %s", err.msg);
    if (st.bad != 0)
        tl_fuzz_die("our own export has %zu bad lines", st.bad);
    tl_rng_seed(TL_FUZZ_SEED);   /* salts are drawn again: same seed, same salts */
    second = export_text(again, &len2);
    if (len1 != len2 || memcmp(first, second, len1) != 0)
        tl_fuzz_die("export, import, export changed the bytes (%zu -> %zu bytes)", len1, len2);
    free(first);
    free(second);
    tl_cache_free(again);
}

/*
 * An independent walk of curl's sdata layout (lib/vtls/vtls_spack.c):
 * version 0x01, then tags 0x02 u16, 0x03 u64, 0x04/0x05/0x07 u16 length +
 * bytes, 0x06 u32, 0x08 no value, each at most once. Returns NULL if the
 * structure is sound, else what is wrong. Deliberately separate from
 * spack.c, so that a bug there cannot hide itself.
 */
static const char *structure_problem(const uint8_t *d, size_t n)
{
    unsigned seen = 0;
    size_t i = 1;

    if (n < 1 || d[0] != 0x01)
        return "wrong version byte";
    while (i < n) {
        unsigned tag = d[i++];
        size_t need;

        if (tag < 0x02 || tag > 0x08)
            return "unknown tag";
        if (seen & (1u << tag))
            return "repeated tag";
        seen |= 1u << tag;
        switch (tag) {
        case 0x02: need = 2; break;
        case 0x03: need = 8; break;
        case 0x06: need = 4; break;
        case 0x08: need = 0; break;
        default:
            if (n - i < 2)
                return "length cut short";
            need = 2 + ((size_t)d[i] << 8 | d[i + 1]);
        }
        if (n - i < need)
            return "field cut short";
        i += need;
    }
    return NULL;
}

static void check_sdata_repack(const uint8_t *data, size_t size)
{
    tl_sdata a, b;
    tl_error err = { "" };
    unsigned char *packed = NULL, *packed2 = NULL;
    size_t plen, plen2;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    tl_fuzz_feedback(TL_FB_VERDICT, (unsigned)tl_sdata_unpack(data, size, &a, &err));
    if (a.ticket == NULL) {
        tl_sdata_clear(&a);
        return;
    }
    if (structure_problem(data, size) != NULL)
        tl_fuzz_die("the importer accepted sdata with a structural fault: %s",
                    structure_problem(data, size));
    if (tl_sdata_pack(&a, &packed, &plen, &err) != 0)
        tl_fuzz_die("an unpacked sdata does not pack: %s", err.msg);
    if (tl_sdata_unpack(packed, plen, &b, &err) != TL_SPACK_OK)
        tl_fuzz_die("our own packing does not unpack: %s", err.msg);
    if (tl_sdata_pack(&b, &packed2, &plen2, &err) != 0 || plen != plen2
        || memcmp(packed, packed2, plen) != 0)
        tl_fuzz_die("pack, unpack, pack is not stable");
    free(packed);
    free(packed2);
    tl_sdata_clear(&a);
    tl_sdata_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char shash[TL_SHASH_LEN] = { 0x5a };
    tl_error err = { "" };
    tl_cache *c;

    if (size < 1)
        return 0;
    tl_rng_seed(TL_FUZZ_SEED);
    tl_clock_freeze(TL_CLOCK_EPOCH);
    c = tl_cache_new(0, &err);
    if (c == NULL)
        tl_fuzz_die("out of memory");
    if ((data[0] & 1) == 0) {
        tl_spack_err why = TL_SPACK_OK;

        check_sdata_repack(data + 1, size - 1);
        if (tl_cache_import(c, NULL, shash, sizeof(shash), data + 1, size - 1, &why, &err) != 0
            && why == TL_SPACK_OK)
            tl_fuzz_die("import failed without a reason: %s", err.msg);
        tl_fuzz_feedback(TL_FB_VERDICT, 32u + (unsigned)why);
    } else {
        tl_sessfile_stats st;

        if (tl_sessfile_parse(c, (const char *)data + 1, size - 1, NULL, NULL, &st, &err) != 0)
            tl_fuzz_die("session file parse failed outright: %s", err.msg);
        tl_fuzz_feedback(TL_FB_OUTCOME, (unsigned)(st.imported > 3 ? 3 : st.imported) << 2
                                        | (unsigned)(st.bad > 3 ? 3 : st.bad));
    }
    tl_rng_seed(TL_FUZZ_SEED);
    check_round_trip(c);
    tl_cache_free(c);
    return 0;
}
