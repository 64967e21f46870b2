/*
 * vrotate.c - the rotation checks, for plug-ins that export
 * tl_plugin_rotate; see validate.h.
 *
 * The harness clock moves ROTATE_STEP seconds before every rotation, so a
 * plug-in that retires keys by age (libtls) and one that retires them by
 * count (a fixed number of slots) are both seen to retire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticketlab/clock.h"
#include "vstate.h"

#define ROTATE_STEP 3600
#define ROTATIONS_MAX 16
#define LONG_TIMEOUT (30L * 24 * 3600)   /* OpenSSL must not expire the sessions first */

/* Offer m; *ret is the key callback's decrypt return (TL_NATURAL if not called). */
static int offer(tl_vstate *v, tl_world *w, const tl_vticket *m, int *ret, int *resumed,
                 unsigned char new_name[16], char *hs, size_t hs_size, tl_error *err)
{
    tl_handshake_result r;
    const tl_event *e;

    if (tl_vhandshake(v, w, m->sess, NULL, 0, 0, &r, err) != 0)
        return -1;
    e = tl_vevent(w, &r, TL_EV_KEY_CB, 0, 0);
    *ret = e ? e->ret : TL_NATURAL;
    *resumed = r.server.reused && r.client.reused;
    if (new_name != NULL) {
        memset(new_name, 0, 16);
        if (r.n_tickets > 0 && r.tickets[0].ticket_len >= 16)
            memcpy(new_name, r.tickets[0].ticket, 16);
    }
    tl_vhandshake_text(&r, hs, hs_size);
    tl_handshake_result_free(&r);
    return 0;
}

static int rotate(tl_vstate *v, char *why, size_t size)
{
    tl_error e = { "" };

    tl_clock_advance(ROTATE_STEP);
    if (tl_plugin_call_rotate(v->plugin, &e) != 0) {
        snprintf(why, size, "%s", e.msg);
        return -1;
    }
    return 0;
}

static void check_renew(tl_vstate *v, int ret, int resumed, const char *hs,
                        const unsigned char old_name[16], const unsigned char new_name[16])
{
    static const char expected[] = "2 (use and renew) for a ticket under the previous key, and a "
                                   "new ticket under the new key";
    int renamed = memcmp(old_name, new_name, 16) != 0;

    if (ret == 2 && resumed)
        tl_vcheck(v, "rotation.renew", renamed ? TL_VERDICT_PASS : TL_VERDICT_WARN, expected,
                  renamed ? "Clients move to the new key one resumption at a time, before the old "
                            "key retires."
                          : "The new ticket still carries the old key's name.",
                  "after one rotation, a ticket under the previous key: key callback returned 2, %s, "
                  "new ticket %s", hs, renamed ? "under another key name" : "under the same key name");
    else if (ret == 1)
        tl_vcheck(v, "rotation.renew", TL_VERDICT_FAIL, expected,
                  "Never renewing: clients keep tickets under the old key until it retires, and "
                  "then all of them fall back to full handshakes at once.",
                  "after one rotation, a ticket under the previous key: key callback returned 1 "
                  "(use, no renewal), %s", hs);
    else if (ret == 0)
        tl_vcheck(v, "rotation.renew", TL_VERDICT_FAIL, expected,
                  "The previous key is dropped at rotation: every client holding a ticket does a "
                  "full handshake after each rotation.",
                  "after one rotation, a ticket under the previous key: key callback returned 0, %s", hs);
    else
        tl_vcheck(v, "rotation.renew", TL_VERDICT_FAIL, expected,
                  "The ticket under the previous key was not resumed and renewed.",
                  "after one rotation, a ticket under the previous key: key callback returned %d, %s",
                  ret, hs);
}

static int probe_new_key(tl_vstate *v, tl_world *w, const tl_vticket *old, tl_error *err)
{
    static const char expected[] = "a new key name after rotation, and 1 for its tickets";
    tl_vticket m = { 0 };
    char why[256], hs[192];
    int got, ret, resumed;

    got = tl_vmint(v, w, &m, why, sizeof(why), err);
    if (got < 0)
        return -1;
    if (got == 0) {
        tl_vcheck(v, "rotation.new-key", TL_VERDICT_FAIL, expected,
                  "After a rotation the server must still issue tickets.", "%s", why);
        return 0;
    }
    if (m.len < 16 || memcmp(m.bytes, old->bytes, 16) == 0) {
        tl_vcheck(v, "rotation.new-key", TL_VERDICT_FAIL, expected,
                  "tl_plugin_rotate() did not change the key that encrypts: rotation is a no-op.",
                  "the ticket minted after the rotation has the same key name as before");
        tl_vticket_free(&m);
        return 0;
    }
    if (offer(v, w, &m, &ret, &resumed, NULL, hs, sizeof(hs), err) != 0) {
        tl_vticket_free(&m);
        return -1;
    }
    tl_vcheck(v, "rotation.new-key", ret == 1 && resumed ? TL_VERDICT_PASS : TL_VERDICT_FAIL,
              expected,
              ret == 1 ? "Tickets under the current key are used as they are."
              : ret == 2 ? "Renewing tickets under the current key makes every resumption cost a "
                           "new ticket, and the callback cannot tell its current key from old ones."
                         : "Tickets under the current key must resume.",
              "a ticket under the new key: key callback returned %d, %s", ret, hs);
    tl_vticket_free(&m);
    return 0;
}

static int probe_retire(tl_vstate *v, tl_world *w, const tl_vticket *old, tl_error *err)
{
    static const char expected[] = "the first key retires: its tickets stop resuming (key callback 0)";
    char why[256], hs[192];
    int ret = 0, resumed;

    for (int k = 2; k <= ROTATIONS_MAX + 1; k++) {
        if (rotate(v, why, sizeof(why)) != 0) {
            tl_vcheck(v, "rotation.retire", TL_VERDICT_FAIL, expected,
                      "The server's rotation must keep working.", "rotation %d: %s", k, why);
            return 0;
        }
        if (offer(v, w, old, &ret, &resumed, NULL, hs, sizeof(hs), err) != 0)
            return -1;
        if (ret == TL_NATURAL) {
            tl_vcheck(v, "rotation.retire", TL_VERDICT_SKIP, expected, "",
                      "not checked: the client stopped offering the first ticket (%s)", hs);
            return 0;
        }
        if (!resumed) {
            tl_vcheck(v, "rotation.retire", TL_VERDICT_PASS, expected,
                      "Old keys retire, so a stolen key opens a bounded window of tickets.",
                      "the first ticket stopped resuming (key callback %d, %s) after %d "
                      "rotations, %d hours after it was issued", ret, hs, k,
                      k * ROTATE_STEP / 3600);
            return 0;
        }
    }
    tl_vcheck(v, "rotation.retire", TL_VERDICT_WARN, expected,
              "Keys that never retire: a key stolen today decrypts every ticket it ever made, and "
              "the forward secrecy of resumed sessions is gone.",
              "after %d rotations and %d hours the first ticket was still accepted (key callback %d, %s)",
              ROTATIONS_MAX + 1, (ROTATIONS_MAX + 1) * ROTATE_STEP / 3600, ret, hs);
    return 0;
}

int tl_vprobe_rotation(tl_vstate *v, tl_error *err)
{
    static const char *const names[] = { "rotation.renew", "rotation.new-key", "rotation.retire" };
    tl_world *w;
    tl_vticket m = { 0 };
    unsigned char new_name[16];
    char why[256], hs[192];
    int got, ret, resumed, rc = -1;

    if (!tl_plugin_can_rotate(v->plugin)) {
        for (size_t i = 0; i < 3; i++)
            tl_vcheck(v, names[i], TL_VERDICT_SKIP, "", "",
                      "not checked: the plug-in exports no tl_plugin_rotate");
        return 0;
    }
    if ((w = tl_vworld(v, TLS1_3_VERSION, -1, LONG_TIMEOUT, err)) == NULL)
        return -1;
    got = tl_vmint(v, w, &m, why, sizeof(why), err);
    if (got <= 0 || m.len < 16) {
        if (got == 0)
            for (size_t i = 0; i < 3; i++)
                tl_vcheck(v, names[i], TL_VERDICT_SKIP, "", "", "not checked: %s", why);
        rc = got < 0 ? -1 : 0;
        goto done;
    }
    if (rotate(v, why, sizeof(why)) != 0) {
        for (size_t i = 0; i < 3; i++)
            tl_vcheck(v, names[i], TL_VERDICT_FAIL, "tl_plugin_rotate() returns 0",
                      "The server's rotation must work.", "%s", why);
        rc = 0;
        goto done;
    }
    if (offer(v, w, &m, &ret, &resumed, new_name, hs, sizeof(hs), err) != 0)
        goto done;
    check_renew(v, ret, resumed, hs, m.bytes, new_name);
    if (probe_new_key(v, w, &m, err) != 0 || probe_retire(v, w, &m, err) != 0)
        goto done;
    rc = 0;
done:
    tl_vticket_free(&m);
    tl_vworld_done(v, w);
    return rc;
}
