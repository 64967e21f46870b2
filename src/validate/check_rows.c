/*
 * check_rows.c - conformance rows for a plug-in, and the decrypt callback's
 * returns by status; see validate.h.
 *
 * A row runs one conformance scenario with the plug-in's callbacks on the
 * server: no ticket, the plug-in's fresh ticket, that ticket with a bad
 * MAC, with an unknown key name, truncated after the MAC's room, and cut
 * shorter than a name and IV, in TLS 1.3 and 1.2. (Rows that script the
 * callbacks' returns do not apply: the plug-in chooses its own. Rows that
 * reseal a ticket need the plug-in's keys, which ticketlab does not have.) The scenario is
 * then given the returns the plug-in actually chose (kdec=, kenc=, dret=,
 * gen=) and the expectation engine (expect.h) predicts what OpenSSL 3.0
 * does with them. The row passes when the handshake did exactly that.
 * Key names and app data are the plug-in's own, so the callback logs are
 * compared without them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "ticketlab/tlslib.h"
#include "outcome.h"
#include "scenario.h"
#include "state.h"

#define DIFF_MAX (2 * TL_OUTCOME_LINE_MAX)

/* The outcome of r, with the callback log in stripped form, and the
 * plug-in's returns written into the scenario. */
static void observe(tl_world *w, const tl_handshake_result *r, tl_outcome *obs, tl_scenario *sc)
{
    const tl_event_log *log = tl_world_events(w);

    tl_outcome_observe(obs, r);
    for (size_t i = r->ev_begin; i < r->ev_end && i < log->n; i++) {
        const tl_event *e = &log->ev[i];

        tl_cb_entry entry = { .ret = e->ret };

        /* The plug-in's key names and app data are its own: the log keeps
         * calls and returns only (tl_cblog_strip's form). */
        switch (e->kind) {
        case TL_EV_KEY_CB:
            entry.kind = e->enc ? TL_CB_KENC : TL_CB_KDEC;
            if (e->enc && sc->n_kenc < TL_SCENARIO_SCRIPT_MAX)
                sc->kenc[sc->n_kenc++] = e->ret;
            if (!e->enc && sc->n_kdec < TL_SCENARIO_SCRIPT_MAX)
                sc->kdec[sc->n_kdec++] = e->ret;
            break;
        case TL_EV_DECRYPT_CB:
            entry.kind = TL_CB_DCB;
            entry.status = e->status;
            sc->dret = e->ret;
            break;
        case TL_EV_GENERATE_CB:
            entry.kind = TL_CB_GEN;
            if (sc->gen == TL_NATURAL || e->ret == 0)
                sc->gen = e->ret == 0 ? 0 : 1;
            break;
        case TL_EV_AEAD_OPEN:
        case TL_EV_AEAD_SEAL:
            /* plug-ins are key callbacks: never from them */
            entry.kind = e->kind == TL_EV_AEAD_OPEN ? TL_CB_OPEN : TL_CB_SEAL;
            break;
        }
        tl_cblog_add(&obs->log, &entry);
    }
}

typedef struct row_kind {
    tl_present present;
    const char *name;
    const char *what;
} row_kind;

static const row_kind kinds[] = {
    { TL_PRESENT_NONE, "none", "a client without a ticket" },
    { TL_PRESENT_NEWEST, "fresh", "the plug-in's own fresh ticket" },
    { TL_PRESENT_BAD_HMAC, "bad-mac", "that ticket with its last MAC byte flipped" },
    { TL_PRESENT_UNKNOWN_KEY, "unknown-key", "that ticket with the last key name byte flipped" },
    { TL_PRESENT_TRUNCATED, "truncated", "that ticket cut to name + IV + MAC (64 bytes)" },
    { TL_PRESENT_SHORT, "short", "that ticket cut to 31 bytes" },
};

static int run_row(tl_vstate *v, tl_world *w, int version, const row_kind *k, tl_error *err)
{
    char name[TL_CHECK_NAME_MAX], why[TL_EXPECT_WHY_MAX], diff[DIFF_MAX];
    char seen[TL_OUTCOME_LINE_MAX], want[TL_OUTCOME_LINE_MAX], nomint[256];
    tl_vticket t = { 0 };
    tl_handshake_result r;
    tl_outcome obs, pred, raw;
    tl_scenario sc;
    int rc = -1;

    snprintf(name, sizeof(name), "row.tls1%c.%s", version == TLS1_3_VERSION ? '3' : '2', k->name);
    tl_scenario_init(&sc);
    sc.tls = sc.from = version;
    sc.keys = v->cbs->key_evp ? TL_KEYS_EVP_CB : TL_KEYS_LEGACY_CB;
    sc.ticket_cb = tl_world_get_config(w)->ticket_cb;   /* none on BoringSSL, AWS-LC */
    sc.present = k->present;
    if (k->present != TL_PRESENT_NONE) {
        int got = tl_vmint(v, w, &t, nomint, sizeof(nomint), err);

        if (got < 0)
            return -1;
        if (got == 0 || t.len < 64) {
            tl_vcheck(v, name, TL_VERDICT_SKIP, "", "", "not checked: %s",
                      got == 0 ? nomint : "the plug-in's ticket is shorter than 64 bytes");
            rc = 0;
            goto done;
        }
        if (k->present == TL_PRESENT_BAD_HMAC)
            t.bytes[t.len - 1] ^= 0x01;
        else if (k->present == TL_PRESENT_UNKNOWN_KEY)
            t.bytes[15] ^= 0x01;
        else if (k->present == TL_PRESENT_TRUNCATED)
            t.len = 64;
        else if (k->present == TL_PRESENT_SHORT)
            t.len = 31;
    }
    if (tl_vhandshake(v, w, t.sess, k->present == TL_PRESENT_NEWEST ? NULL : t.bytes, t.len, 0,
                      &r, err) != 0)
        goto done;
    observe(w, &r, &obs, &sc);
    tl_handshake_result_free(&r);
    if (tl_expect_predict(&sc, &raw, why, sizeof(why)) != 0) {
        tl_vcheck(v, name, TL_VERDICT_SKIP, "", why, "not checked: outside the expectation engine's model");
        rc = 0;
        goto done;
    }
    if (why[0] == '\0')
        snprintf(why, sizeof(why), "expect.h: OpenSSL 3.0's default path, no special rule");
    pred = raw;
    tl_cblog_strip(&pred.log);
    tl_outcome_format(&obs, seen, sizeof(seen));
    tl_outcome_format(&pred, want, sizeof(want));
    if (tl_outcome_diff(&pred, &obs, diff, sizeof(diff)) == 0)
        tl_vcheck(v, name, TL_VERDICT_PASS, want, why, "%s: %s", k->what, seen);
    else
        tl_vcheck(v, name, TL_VERDICT_FAIL, want, why,
                  "%s: %s -- differs from what OpenSSL 3.0 does with these returns (%s): the "
                  "callbacks set up contexts that do not match what they returned", k->what, seen, diff);
    rc = 0;
done:
    tl_vticket_free(&t);
    return rc;
}

int tl_vprobe_rows(tl_vstate *v, tl_error *err)
{
    static const int versions[] = { TLS1_3_VERSION, TLS1_2_VERSION };

    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        tl_world *w = tl_vworld(v, versions[i], -1, 0, err);

        if (w == NULL)
            return -1;
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
            if (run_row(v, w, versions[i], &kinds[k], err) != 0) {
                tl_vworld_done(v, w);
                return -1;
            }
        tl_vworld_done(v, w);
    }
    return 0;
}

/* ---- the decrypt callback ------------------------------------------------------ */

#define P TL_VERDICT_PASS
#define W TL_VERDICT_WARN
#define F TL_VERDICT_FAIL

/* verdicts[status - EMPTY][return]: ABORT, IGNORE, IGNORE_RENEW, USE, USE_RENEW */
static const tl_verdict verdicts[4][5] = {
    /* EMPTY */         { F, W, P, F, F },
    /* NO_DECRYPT */    { F, W, P, F, F },
    /* SUCCESS */       { F, W, W, P, P },
    /* SUCCESS_RENEW */ { F, W, W, W, P },
};

#undef P
#undef W
#undef F

static const char *const expected_by_status[4] = {
    "IGNORE_RENEW (the default: no session, a new ticket in TLS 1.2)",
    "IGNORE_RENEW (the default: full handshake and a fresh ticket)",
    "USE or USE_RENEW",
    "USE_RENEW (the ticket's key is old: give the client a ticket under the new key)",
};

static const char *consequence(int status, int ret)
{
    int no_session = status == SSL_TICKET_EMPTY || status == SSL_TICKET_NO_DECRYPT;

    if (ret < SSL_TICKET_RETURN_ABORT || ret > SSL_TICKET_RETURN_USE_RENEW)
        return "OpenSSL treats a return outside SSL_TICKET_RETURN as fatal: the handshake fails "
               "with internal_error.";
    if (ret == SSL_TICKET_RETURN_ABORT)
        return no_session ? "ABORT here fails the handshake of every client that has no usable "
                            "ticket, which a server must simply serve with a full handshake."
                          : "ABORT fails the handshake of a client whose ticket is valid.";
    if (no_session && (ret == SSL_TICKET_RETURN_USE || ret == SSL_TICKET_RETURN_USE_RENEW))
        return "There is no session to use: OpenSSL fails the handshake (internal_error) for "
               "every client that offers no ticket or an undecryptable one.";
    if (ret == SSL_TICKET_RETURN_IGNORE)
        return status == SSL_TICKET_EMPTY
                   ? "The documentation asks for IGNORE_RENEW on EMPTY to keep the defaults; "
                     "IGNORE also suppresses the new ticket a TLS 1.2 client asked for."
                   : "IGNORE suppresses the new ticket: the client keeps sending a ticket that "
                     "will not resume.";
    if (status == SSL_TICKET_SUCCESS_RENEW && ret == SSL_TICKET_RETURN_USE)
        return "The key callback asked for a renewal; USE drops it, so the client keeps a "
               "ticket under a key that will retire and then does a full handshake.";
    if ((status == SSL_TICKET_SUCCESS || status == SSL_TICKET_SUCCESS_RENEW)
        && ret == SSL_TICKET_RETURN_IGNORE_RENEW)
        return "A valid ticket is thrown away: resumption never happens.";
    return "As documented.";
}

void tl_vcheck_decrypt_cb(tl_vstate *v)
{
    const char *lacks = tl_tlslib_lacks(TL_API_DECRYPT_CB);

    if (lacks != NULL) {
        /* BoringSSL, AWS-LC: the plug-in's decrypt callback, if any, is never installed. */
        tl_vcheck(v, "decrypt-cb", TL_VERDICT_SKIP, "", "", "n/a: %s", lacks);
        return;
    }
    if (v->cbs->decrypt == NULL) {
        tl_vcheck(v, "decrypt-cb", TL_VERDICT_SKIP, "", "",
                  "not checked: the plug-in exports no decrypt callback (OpenSSL's defaults apply)");
        return;
    }
    for (int st = SSL_TICKET_EMPTY; st <= SSL_TICKET_SUCCESS_RENEW; st++) {
        size_t s = (size_t)(st - SSL_TICKET_EMPTY);
        tl_verdict worst = TL_VERDICT_PASS;
        char name[TL_CHECK_NAME_MAX], seen[256] = "", why[TL_CHECK_TEXT_MAX] = "";

        snprintf(name, sizeof(name), "decrypt-cb.%s", tl_ticket_status_name(st));
        if (v->n_dret[s] == 0) {
            tl_vcheck(v, name, TL_VERDICT_SKIP, expected_by_status[s], "",
                      "not checked: no probe reached status %s%s", tl_ticket_status_name(st),
                      st == SSL_TICKET_SUCCESS_RENEW ? " (the key callback never returned 2: "
                                                       "export tl_plugin_rotate)" : "");
            continue;
        }
        for (size_t k = 0; k < v->n_dret[s]; k++) {
            int ret = v->dret[s][k];
            tl_verdict vd = ret >= 0 && ret <= 4 ? verdicts[s][ret] : TL_VERDICT_FAIL;
            size_t used = strlen(seen);

            snprintf(seen + used, sizeof(seen) - used, "%s%s", k ? ", " : "",
                     tl_ticket_return_name(ret));
            if (vd > worst) {
                worst = vd;
                snprintf(why, sizeof(why), "%s", consequence(st, ret));
            }
        }
        if (worst == TL_VERDICT_PASS)
            snprintf(why, sizeof(why), "%s", consequence(st, v->dret[s][0]));
        tl_vcheck(v, name, worst, expected_by_status[s], why,
                  "on %s the decrypt callback returned %s", tl_ticket_status_name(st), seen);
    }
}
