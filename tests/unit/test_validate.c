/*
 * test_validate.c - plug-in validation: the good example plug-ins pass,
 * each broken one fails (or warns) on the check named after its flaw, and
 * loading errors are errors.
 *
 * The plug-ins are built by conformance/plugins/CMakeLists.txt into the
 * build's lib/ directory, next to this test's bin/ directory (override with
 * TICKETLAB_PLUGIN_DIR).
 */
#define _GNU_SOURCE     /* dladdr */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ticketlab/keyfile.h"
#include "validate.h"
#include "tl_test.h"

static char plugin_dir[PATH_MAX + 16];

static int find_plugin_dir(void)
{
    const char *env = getenv("TICKETLAB_PLUGIN_DIR");
    char exe[PATH_MAX];
    ssize_t n;
    char *slash;

    if (env != NULL) {
        snprintf(plugin_dir, sizeof(plugin_dir), "%s", env);
        return 0;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    if ((slash = strrchr(exe, '/')) == NULL)
        return -1;
    *slash = '\0';   /* .../build/bin */
    snprintf(plugin_dir, sizeof(plugin_dir), "%s/../lib", exe);
    return 0;
}

static void plugin_path(const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/lib%s.so", plugin_dir, name);
}

/* Validate `name`; returns 0 and fills v, or -1 (printed). */
static int validate(const char *name, const char *arg, tl_validation *v)
{
    char path[2 * PATH_MAX];
    tl_error err = { "" };

    plugin_path(name, path, sizeof(path));
    if (tl_validate_plugin(path, arg, v, &err) != 0) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        return -1;
    }
    return 0;
}

static void print_failures(const char *name, const tl_validation *v)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->checks[i].verdict == TL_VERDICT_FAIL || v->checks[i].verdict == TL_VERDICT_WARN)
            fprintf(stderr, "  %s: %s %s: %s\n", name, tl_verdict_name(v->checks[i].verdict),
                    v->checks[i].name, v->checks[i].seen);
}

static int verdict_of(const tl_validation *v, const char *check)
{
    const tl_check *c = tl_validation_find(v, check);

    return c ? (int)c->verdict : -1;
}

/* Write a fresh nginx key file of `size` bytes; returns 0. */
static int nginx_key_file(const char *path, size_t size)
{
    unsigned char *data = NULL;
    size_t len = 0;
    tl_error err = { "" };
    FILE *f;
    int rc = -1;

    if (tl_keyfile_generate(TL_KEYFMT_NGINX, size, 7, &data, &len, &err) != 0)
        return -1;
    if ((f = fopen(path, "wb")) != NULL) {
        rc = fwrite(data, 1, len, f) == len ? 0 : -1;
        if (fclose(f) != 0)
            rc = -1;
    }
    free(data);
    return rc;
}

static void test_minimal_passes(void)
{
    tl_validation v;

    TL_CHECK_INT(validate("tl_example_minimal", NULL, &v), 0);
    print_failures("minimal", &v);
    TL_CHECK_INT(tl_validation_failed(&v), 0);
    TL_CHECK_INT(tl_validation_count(&v, TL_VERDICT_WARN), 0);
    TL_CHECK_INT(verdict_of(&v, "keys.distinct"), TL_VERDICT_PASS);   /* its keys are static: found */
    TL_CHECK_INT(verdict_of(&v, "ivs.unique"), TL_VERDICT_PASS);
    TL_CHECK_INT(verdict_of(&v, "rotation.renew"), TL_VERDICT_SKIP);  /* no tl_plugin_rotate */
    TL_CHECK_INT(verdict_of(&v, "decrypt-cb"), TL_VERDICT_SKIP);
    TL_CHECK(v.handshakes > 50);
    TL_CHECK(v.callback_calls > 1000);
    tl_validation_free(&v);
}

static void test_libtls_passes_everything(void)
{
    static const char *const all[] = {
        "row.tls13.none", "row.tls13.fresh", "row.tls13.bad-mac", "row.tls13.unknown-key",
        "row.tls13.truncated", "row.tls13.short", "row.tls12.none", "row.tls12.fresh",
        "row.tls12.bad-mac", "row.tls12.unknown-key", "row.tls12.truncated", "row.tls12.short",
        "encrypt", "tamper.key-name", "tamper.iv", "tamper.body", "tamper.mac",
        "tamper.unmodified", "unknown-key", "ivs.unique", "ivs.nonzero", "keys.constant",
        "keys.distinct", "keys.strength", "rotation.renew", "rotation.new-key",
        "rotation.retire", "decrypt-cb.EMPTY", "decrypt-cb.NO_DECRYPT", "decrypt-cb.SUCCESS",
        "decrypt-cb.SUCCESS_RENEW", "generate-cb",
    };
    tl_validation v;

    TL_CHECK_INT(validate("tl_example_libtls", "7200", &v), 0);
    print_failures("libtls", &v);
    TL_CHECK_INT(v.n, sizeof(all) / sizeof(all[0]));
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        int got = verdict_of(&v, all[i]);

        if (got != TL_VERDICT_PASS)
            fprintf(stderr, "  libtls: %s is %d\n", all[i], got);
        TL_CHECK_INT(got, TL_VERDICT_PASS);
    }
    TL_CHECK_STR(v.provides, "key_evp decrypt generate rotate");
    tl_validation_free(&v);
}

static void test_legacy_hmac_callback_passes(void)
{
    tl_validation v;

    TL_CHECK_INT(validate("tl_example_legacy_hmac", NULL, &v), 0);
    print_failures("legacy", &v);
    TL_CHECK_STR(v.provides, "key_legacy rotate");
    TL_CHECK_INT(tl_validation_failed(&v), 0);
    TL_CHECK_INT(tl_validation_count(&v, TL_VERDICT_WARN), 0);
    /* The HMAC_CTX is copied for the key checks like an EVP_MAC_CTX. */
    TL_CHECK_INT(verdict_of(&v, "keys.distinct"), TL_VERDICT_PASS);
    TL_CHECK_INT(verdict_of(&v, "rotation.renew"), TL_VERDICT_PASS);
    TL_CHECK_INT(verdict_of(&v, "rotation.retire"), TL_VERDICT_PASS);
    tl_validation_free(&v);
}

static void test_nginx_key_files(void)
{
    char dir[] = "/tmp/tl_validate_XXXXXX", k80[64], k48[64], both[160];
    tl_validation v;

    TL_CHECK(mkdtemp(dir) != NULL);
    snprintf(k80, sizeof(k80), "%s/ticket80.key", dir);
    snprintf(k48, sizeof(k48), "%s/ticket48.key", dir);
    TL_CHECK_INT(nginx_key_file(k80, 80), 0);
    TL_CHECK_INT(nginx_key_file(k48, 48), 0);

    TL_CHECK_INT(validate("tl_example_nginx", k80, &v), 0);
    print_failures("nginx 80", &v);
    TL_CHECK_INT(tl_validation_failed(&v), 0);
    TL_CHECK_INT(tl_validation_count(&v, TL_VERDICT_WARN), 0);
    TL_CHECK_INT(verdict_of(&v, "keys.distinct"), TL_VERDICT_PASS);
    tl_validation_free(&v);

    /* A 48-byte file is AES-128: fine, but weaker than the 256-bit suite. */
    TL_CHECK_INT(validate("tl_example_nginx", k48, &v), 0);
    TL_CHECK_INT(tl_validation_failed(&v), 0);
    TL_CHECK_INT(verdict_of(&v, "keys.strength"), TL_VERDICT_WARN);
    tl_validation_free(&v);

    /* Two files with the same name: the second is never looked at, fine. */
    snprintf(both, sizeof(both), "%s,%s", k80, k48);
    TL_CHECK_INT(validate("tl_example_nginx", both, &v), 0);
    TL_CHECK_INT(tl_validation_failed(&v), 0);
    tl_validation_free(&v);
    unlink(k80);
    unlink(k48);
    rmdir(dir);
}

typedef struct broken_case {
    const char *plugin;
    const char *check;
    tl_verdict verdict;
} broken_case;

static const broken_case broken[] = {
    { "broken_enc_returns_0", "encrypt", TL_VERDICT_FAIL },
    { "broken_never_renew", "rotation.renew", TL_VERDICT_FAIL },
    { "broken_never_retire", "rotation.retire", TL_VERDICT_WARN },
    { "broken_zero_key", "keys.constant", TL_VERDICT_FAIL },
    { "broken_constant_iv", "ivs.unique", TL_VERDICT_FAIL },
    { "broken_unknown_key_minus1", "unknown-key", TL_VERDICT_FAIL },
    { "broken_unknown_key_accepts", "unknown-key", TL_VERDICT_FAIL },
    { "broken_same_aes_hmac", "keys.distinct", TL_VERDICT_FAIL },
    { "broken_decrypt_use_on_nodecrypt", "decrypt-cb.NO_DECRYPT", TL_VERDICT_FAIL },
    { "broken_ignore_on_empty", "decrypt-cb.EMPTY", TL_VERDICT_WARN },
};

static void test_broken_plugins_fail_on_their_flaw(void)
{
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        const broken_case *b = &broken[i];
        tl_validation v;
        int got;

        if (validate(b->plugin, NULL, &v) != 0) {
            TL_CHECK(0);
            continue;
        }
        got = verdict_of(&v, b->check);
        if (got != (int)b->verdict) {
            fprintf(stderr, "%s: %s is %d, expected %d\n", b->plugin, b->check, got, b->verdict);
            print_failures(b->plugin, &v);
        }
        TL_CHECK_INT(got, b->verdict);
        TL_CHECK_INT(tl_validation_failed(&v), b->verdict == TL_VERDICT_FAIL);
        /* A warning flaw is the only thing wrong with the plug-in. */
        if (b->verdict == TL_VERDICT_WARN)
            TL_CHECK_INT(tl_validation_count(&v, TL_VERDICT_WARN), 1);
        tl_validation_free(&v);
    }
}

static void test_minus1_is_called_an_availability_bug(void)
{
    tl_validation v;
    const tl_check *c;

    TL_CHECK_INT(validate("broken_unknown_key_minus1", NULL, &v), 0);
    c = tl_validation_find(&v, "unknown-key");
    TL_CHECK(c != NULL && strstr(c->why, "AVAILABILITY") != NULL);
    TL_CHECK(c != NULL && strstr(c->seen, "returned -1, handshake failed") != NULL);
    tl_validation_free(&v);

    TL_CHECK_INT(validate("broken_unknown_key_accepts", NULL, &v), 0);
    c = tl_validation_find(&v, "unknown-key");
    TL_CHECK(c != NULL && strstr(c->why, "AVAILABILITY") == NULL);
    TL_CHECK(c != NULL && strstr(c->seen, "returned 1, full handshake") != NULL);
    tl_validation_free(&v);
}

static void test_enc_returns_0_skips_what_needs_tickets(void)
{
    tl_validation v;
    const tl_check *c;

    TL_CHECK_INT(validate("broken_enc_returns_0", NULL, &v), 0);
    c = tl_validation_find(&v, "encrypt");
    TL_CHECK(c != NULL && strstr(c->why, "full handshake") != NULL);
    /* Nothing that needs a ticket may pass: it is "not checked". */
    TL_CHECK_INT(verdict_of(&v, "tamper.mac"), TL_VERDICT_SKIP);
    TL_CHECK_INT(verdict_of(&v, "ivs.unique"), TL_VERDICT_SKIP);
    TL_CHECK_INT(verdict_of(&v, "keys.constant"), TL_VERDICT_SKIP);
    TL_CHECK_INT(verdict_of(&v, "keys.distinct"), TL_VERDICT_SKIP);
    tl_validation_free(&v);
}

static void test_load_errors(void)
{
    tl_validation v;
    tl_error err = { "" };
    char path[2 * PATH_MAX];
    Dl_info info;

    TL_CHECK_INT(tl_validate_plugin("/nonexistent/libnothing.so", NULL, &v, &err), -1);
    TL_CHECK(strstr(err.msg, "cannot load the plug-in") != NULL);
    tl_validation_free(&v);

    plugin_path("tl_example_nginx", path, sizeof(path));
    TL_CHECK_INT(tl_validate_plugin(path, NULL, &v, &err), -1);
    TL_CHECK_STR(err.msg, "tl_plugin_init(NULL) returned 1");
    tl_validation_free(&v);

    plugin_path("tl_example_libtls", path, sizeof(path));
    TL_CHECK_INT(tl_validate_plugin(path, "soon", &v, &err), -1);
    TL_CHECK_STR(err.msg, "tl_plugin_init(\"soon\") returned 1");
    tl_validation_free(&v);

    /* A shared object with no tl_plugin_* names at all: libcrypto itself. */
    TL_CHECK(dladdr((void *)EVP_MD_fetch, &info) != 0 && info.dli_fname != NULL);
    if (info.dli_fname != NULL && strchr(info.dli_fname, '/') != NULL) {
        TL_CHECK_INT(tl_validate_plugin(info.dli_fname, NULL, &v, &err), -1);
        TL_CHECK(strstr(err.msg, "exports no key callback") != NULL);
        tl_validation_free(&v);
    }
}

int main(void)
{
    if (find_plugin_dir() != 0) {
        fprintf(stderr, "cannot find the plug-in directory\n");
        return 1;
    }
    TL_RUN(test_minimal_passes);
    TL_RUN(test_libtls_passes_everything);
    TL_RUN(test_legacy_hmac_callback_passes);
    TL_RUN(test_nginx_key_files);
    TL_RUN(test_broken_plugins_fail_on_their_flaw);
    TL_RUN(test_minus1_is_called_an_availability_bug);
    TL_RUN(test_enc_returns_0_skips_what_needs_tickets);
    TL_RUN(test_load_errors);
    return TL_DONE();
}
