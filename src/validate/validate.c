/*
 * validate.c - validating a plug-in's ticket callbacks: the whole run, and
 * the encrypt and generate checks; see validate.h. The plug-in's worlds are
 * plugin_world.c, the check list checklist.c, and the other checks
 * check_rows.c, check_tamper.c, check_keys.c and check_rotation.c.
 */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "ticketlab/clock.h"
#include "state.h"

/* ---- the encrypt path and the generate callback -------------------------------- */

static void check_encrypt(tl_vstate *v)
{
    static const char expected[] = "1 on every call that issues a ticket (0 only when no key is usable)";
    size_t n = v->enc_calls;

    if (n == 0) {
        tl_vcheck(v, "encrypt", TL_VERDICT_SKIP, expected, "",
                  "not checked: OpenSSL never asked the key callback to encrypt");
    } else if (v->enc_neg == n) {
        tl_vcheck(v, "encrypt", TL_VERDICT_FAIL, expected,
                  "Below 0 while encrypting is fatal: OpenSSL aborts the connection with an "
                  "internal_error alert when it builds the NewSessionTicket, so every handshake fails.",
                  "the key callback returned a negative value on all %zu encryption calls", n);
    } else if (v->enc_zero == n) {
        tl_vcheck(v, "encrypt", TL_VERDICT_FAIL, expected,
                  "0 means \"no ticket\": TLS 1.3 clients get no NewSessionTicket and TLS 1.2 "
                  "clients an empty one, so no client can ever resume and every connection pays "
                  "for a full handshake. A callback that set up its contexts and then returns 0 "
                  "is the classic mistake.",
                  "the key callback returned 0 on all %zu encryption calls: no ticket was issued", n);
    } else if (v->enc_neg > 0) {
        tl_vcheck(v, "encrypt", TL_VERDICT_FAIL, expected,
                  "Each negative return kills that connection with internal_error.",
                  "the key callback returned 1 on %zu, 0 on %zu and a negative value on %zu of "
                  "%zu encryption calls", v->enc_one, v->enc_zero, v->enc_neg, n);
    } else if (v->enc_other > 0 || v->enc_zero > 0) {
        tl_vcheck(v, "encrypt", TL_VERDICT_WARN, expected,
                  "OpenSSL treats any positive value as 1 when encrypting, but 2 only means "
                  "something when decrypting; each 0 leaves a client without a ticket.",
                  "the key callback returned 1 on %zu, 0 on %zu and %d on %zu of %zu encryption calls",
                  v->enc_one, v->enc_zero, v->enc_other_ret, v->enc_other, n);
    } else {
        tl_vcheck(v, "encrypt", TL_VERDICT_PASS, expected,
                  "A ticket is issued exactly when the callback says 1.",
                  "the key callback returned 1 on all %zu encryption calls", n);
    }
}

static void check_generate(tl_vstate *v)
{
    static const char expected[] = "1 (0 is fatal)";

    if (v->cbs->generate == NULL)
        return;
    if (v->gen_calls == 0)
        tl_vcheck(v, "generate-cb", TL_VERDICT_SKIP, expected, "",
                  "not checked: the generate callback was never called");
    else if (v->gen_zero > 0)
        tl_vcheck(v, "generate-cb", TL_VERDICT_FAIL, expected,
                  "A generate callback that returns 0 makes OpenSSL fail the handshake with "
                  "internal_error instead of skipping the ticket.",
                  "the generate callback returned 0 on %zu of %zu calls", v->gen_zero, v->gen_calls);
    else if (v->gen_other_ret != 0)
        tl_vcheck(v, "generate-cb", TL_VERDICT_WARN, expected,
                  "OpenSSL only tests for 0; other values work today but are not in the contract.",
                  "the generate callback returned %d", v->gen_other_ret);
    else
        tl_vcheck(v, "generate-cb", TL_VERDICT_PASS, expected, "Tickets are issued.",
                  "the generate callback returned 1 on all %zu calls", v->gen_calls);
}

/* ---- the whole run ------------------------------------------------------------ */

static void describe(tl_vstate *v)
{
    const tl_user_callbacks *c = v->cbs;
    char *p = v->out->provides;
    size_t size = sizeof(v->out->provides);

    snprintf(p, size, "%s%s%s%s", c->key_evp ? "key_evp" : "key_legacy",
             c->decrypt ? " decrypt" : "", c->generate ? " generate" : "",
             tl_plugin_can_rotate(v->plugin) ? " rotate" : "");
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tl_validate_plugin(const char *path, const char *arg, tl_validation *out, tl_error *err)
{
    return tl_validate_run(path, arg, NULL, out, err);
}

int tl_validate_run(const char *path, const char *arg, const tl_vsink *sink,
                    tl_validation *out, tl_error *err)
{
    tl_vstate v;
    double start = now_seconds();
    int rc = -1;

    memset(out, 0, sizeof(*out));
    memset(&v, 0, sizeof(v));
    snprintf(out->plugin, sizeof(out->plugin), "%s", path);
    v.out = out;
    v.sink = sink;
    v.now = TL_CLOCK_EPOCH;
    /* The plug-in's init reads the harness clock, like every later call. */
    tl_clock_freeze(v.now);
    v.plugin = tl_plugin_load(path, arg, err);
    if (v.plugin == NULL)
        return -1;
    v.cbs = tl_plugin_callbacks(v.plugin);
    describe(&v);
    if (sink != NULL && sink->loaded != NULL)
        sink->loaded(out, sink->arg);
    tl_vshim_install(&v);

    if (tl_vprobe_rows(&v, err) != 0)
        goto done;
    check_encrypt(&v);
    if (tl_vprobe_tamper(&v, err) != 0 || tl_vprobe_ivs(&v, err) != 0
        || tl_vprobe_keys(&v, err) != 0 || tl_vprobe_rotation(&v, err) != 0)
        goto done;
    /* Last, so that every status any probe reached is judged (rotation
     * is where SUCCESS_RENEW comes from). */
    tl_vcheck_decrypt_cb(&v);
    check_generate(&v);
    rc = 0;
done:
    tl_key_oracle_clear(&v.oracle);
    free(v.ivs);
    tl_plugin_unload(v.plugin);
    ERR_clear_error();
    out->seconds = now_seconds() - start;
    return rc;
}
