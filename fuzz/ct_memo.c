/*
 * ct_memo.c - what fuzz_client_ticket's costly checks concluded, remembered
 * by the bytes they concluded it from. See client_ticket.h.
 *
 * A check that is a pure function of some bytes (a session's DER and the
 * clock for the offer; a genuine ticket for its opening; a DER for its
 * re-encoding) gives the same answer for the same bytes: the world starts
 * every input in the same state. Only answers of checks that passed are
 * kept (a failed check ends the process).
 *
 * Everything lives in one arena allocated with the first entry and reused
 * when it is full (all entries dropped at once), so that an input that
 * adds entries makes no more allocations than frees: libFuzzer runs such
 * an input a second time, leak check and all.
 * Off when tl_memo_enabled() is 0 (TICKETLAB_NO_MEMO=1).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client_ticket.h"
#include "fuzz_common.h"
#include "memo.h"

#define SLOTS 8192                   /* a power of two; at most SLOTS / 2 entries */
#define ARENA (48u << 20)            /* key bytes; a 65,535-byte ticket is ~1/750 of it */

typedef struct {
    uint64_t hash;                   /* 0: a free slot */
    size_t off, len;                 /* the key in the arena */
    unsigned char val[CT_MEMO_VAL_MAX];
    size_t val_len;
} slot;

static slot *table;
static unsigned char *arena;
static size_t arena_used, entries;

#define WHOLE 1024                   /* body bytes hashed whole; past them, a sample */

static uint64_t mix(uint64_t h, const unsigned char *p)
{
    uint64_t w;

    memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

/* n bytes at p into h: eight at a time, then one at a time. */
static uint64_t mix_all(uint64_t h, const unsigned char *p, size_t n)
{
    size_t i = 0;

    for (; i + 8 <= n; i += 8)
        h = mix(h, p + i);
    for (; i < n; i++)   /* n > i: p is not NULL */
        h = (h ^ p[i]) * 0x100000001b3ull;
    return (h ^ n) * 0xc4ceb9fe1a85ec53ull;
}

/*
 * A 64-bit hash of kind || head || body, never 0: the head whole, of a long
 * body its first and last WHOLE / 2 bytes and every 64th word between (the
 * key is compared whole on a match, so a sample only has to spread keys;
 * hashing a 65,535-byte DER whole cost more than the checks it saves).
 */
static uint64_t hash_key(unsigned kind, const void *head, size_t head_len,
                         const unsigned char *body, size_t body_len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ kind;

    h = mix_all(h, head, head_len);
    if (body_len <= WHOLE) {
        h = mix_all(h, body, body_len);
    } else {
        h = mix_all(h, body, WHOLE / 2);
        for (size_t i = WHOLE / 2; i + 8 <= body_len - WHOLE / 2; i += 512)
            h = mix(h, body + i);
        h = mix_all(h, body + body_len - WHOLE / 2, WHOLE / 2);
        h = (h ^ body_len) * 0xc4ceb9fe1a85ec53ull;
    }
    h ^= h >> 29;
    return h ? h : 1;
}

static int same_key(const slot *s, unsigned kind, const void *head, size_t head_len,
                    const unsigned char *body, size_t body_len)
{
    const unsigned char *k = arena + s->off;

    return s->len == 1 + head_len + body_len && k[0] == (unsigned char)kind
           && (head_len == 0 || memcmp(k + 1, head, head_len) == 0)
           && (body_len == 0 || memcmp(k + 1 + head_len, body, body_len) == 0);
}

/* The slot of the key: the one holding it, else the free one it would take. */
static slot *find(uint64_t h, unsigned kind, const void *head, size_t head_len,
                  const unsigned char *body, size_t body_len)
{
    for (size_t i = (size_t)h & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
        slot *s = &table[i];

        if (s->hash == 0 || (s->hash == h && same_key(s, kind, head, head_len, body, body_len)))
            return s;
    }
}

int tl_ct_memo_get(unsigned kind, const void *head, size_t head_len,
                   const unsigned char *body, size_t body_len, unsigned char *val, size_t *val_len)
{
    const slot *s;

    if (table == NULL || !tl_memo_enabled())
        return 0;
    s = find(hash_key(kind, head, head_len, body, body_len), kind, head, head_len, body,
             body_len);
    if (s->hash == 0)
        return 0;
    if (val != NULL)
        memcpy(val, s->val, s->val_len);
    if (val_len != NULL)
        *val_len = s->val_len;
    return 1;
}

void tl_ct_memo_put(unsigned kind, const void *head, size_t head_len,
                    const unsigned char *body, size_t body_len, const unsigned char *val,
                    size_t val_len)
{
    size_t len = 1 + head_len + body_len;
    uint64_t h;
    slot *s;

    if (!tl_memo_enabled() || len > ARENA || val_len > CT_MEMO_VAL_MAX)
        return;
    if (table == NULL) {
        table = calloc(SLOTS, sizeof(*table));
        arena = malloc(ARENA);
        if (table == NULL || arena == NULL)
            tl_fuzz_die("out of memory");
    }
    if (entries >= SLOTS / 2 || ARENA - arena_used < len) {   /* full: start again */
        memset(table, 0, SLOTS * sizeof(*table));
        arena_used = entries = 0;
    }
    h = hash_key(kind, head, head_len, body, body_len);
    s = find(h, kind, head, head_len, body, body_len);
    if (s->hash != 0)
        return;   /* known already */
    s->hash = h;
    s->off = arena_used;
    s->len = len;
    arena[arena_used] = (unsigned char)kind;
    if (head_len > 0)
        memcpy(arena + arena_used + 1, head, head_len);
    if (body_len > 0)
        memcpy(arena + arena_used + 1 + head_len, body, body_len);
    arena_used += len;
    if (val_len > 0)
        memcpy(s->val, val, val_len);
    s->val_len = val_len;
    entries++;
}
