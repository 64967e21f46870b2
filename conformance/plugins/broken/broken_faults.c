/*
 * broken_faults.c - a plug-in that crashes, aborts, exits or hangs on
 * request, for the tests of validate's containment (it runs plug-ins in a
 * child process). Otherwise a correct single-key plug-in with a decrypt
 * callback and a rotation (the previous key renews, one more retires).
 *
 * --arg KIND@CALL[:N]  the N-th (default first) call of CALL does KIND:
 *   KIND  segv (NULL write), abort, exit0, exit3 (exit(3)), _exit3,
 *         hang (an endless loop), stack (unbounded recursion), fpe, ok
 *   CALL  init, encrypt / decrypt (the key callback, enc=1 / 0),
 *         ticket (the decrypt callback), rotate, fini
 * TL_FAULTS_CTOR=KIND in the environment does KIND when the object is loaded.
 *
 * A test fixture, not an example: never copy it.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ticketlab/plugin.h"

static char kind[16], where[16];
static long when = 1, calls;
/* keys[0] issues, keys[1] (the previous one) still opens and renews. */
static struct { unsigned char name[16], aes[32], hmac[32]; } keys[2];
static volatile unsigned sink;

/* Recurse with a frame the compiler cannot drop, until the stack runs out
 * (`sink` never holds that value; the test only hides that from the compiler). */
static int recurse(int depth)
{
    volatile char frame[512];

    frame[depth % 512] = (char)depth;
    if (sink == 0xdeadbeefu)
        return frame[0];
    return recurse(depth + 1) + frame[0];
}

static void do_fault(const char *k)
{
    if (strcmp(k, "segv") == 0)
        *(volatile int *)(uintptr_t)sink = 1;
    else if (strcmp(k, "abort") == 0)
        abort();
    else if (strcmp(k, "exit0") == 0)
        exit(0);
    else if (strcmp(k, "exit3") == 0)
        exit(3);
    else if (strcmp(k, "_exit3") == 0)
        _exit(3);
    else if (strcmp(k, "hang") == 0)
        for (;;)
            sink++;
    else if (strcmp(k, "stack") == 0)
        sink = (unsigned)recurse(0);
    else if (strcmp(k, "fpe") == 0)
        raise(SIGFPE);
}

static void maybe_fault(const char *call)
{
    if (strcmp(call, where) == 0 && ++calls == when)
        do_fault(kind);
}

static int new_key(void)
{
    keys[1] = keys[0];
    return RAND_bytes(keys[0].name, 16) == 1 && RAND_priv_bytes(keys[0].aes, 32) == 1
           && RAND_priv_bytes(keys[0].hmac, 32) == 1 ? 0 : 1;
}

__attribute__((constructor)) static void on_load(void)
{
    const char *k = getenv("TL_FAULTS_CTOR");

    if (k != NULL)
        do_fault(k);
}

int tl_plugin_init(const char *arg)
{
    const char *at = arg ? strchr(arg, '@') : NULL;
    const char *colon = at ? strchr(at, ':') : NULL;

    if (at == NULL || (size_t)(at - arg) >= sizeof(kind))
        return 1;
    memcpy(kind, arg, (size_t)(at - arg));
    snprintf(where, sizeof(where), "%.*s", colon ? (int)(colon - at - 1) : 15, at + 1);
    if (colon != NULL)
        when = atol(colon + 1);
    maybe_fault("init");
    return new_key();
}

int tl_plugin_rotate(void)
{
    maybe_fault("rotate");
    return new_key();
}

void tl_plugin_fini(void)
{
    maybe_fault("fini");
}

int tl_plugin_ticket_key_evp_cb(SSL *s, unsigned char key_name[16], unsigned char *iv,
                                EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *hctx, int enc)
{
    OSSL_PARAM sha256[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                            OSSL_PARAM_construct_end() };

    int i = 0;

    (void)s;
    maybe_fault(enc ? "encrypt" : "decrypt");
    if (!enc) {
        while (i < 2 && CRYPTO_memcmp(key_name, keys[i].name, 16) != 0)
            i++;
        if (i == 2)
            return 0;                          /* unknown or retired */
    } else {
        memcpy(key_name, keys[0].name, 16);
        if (RAND_bytes(iv, 16) != 1)
            return -1;
    }
    if (!EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, keys[i].aes, iv, enc)
        || !EVP_MAC_init(hctx, keys[i].hmac, 32, sha256))
        return -1;
    return i == 0 ? 1 : 2;
}

SSL_TICKET_RETURN tl_plugin_decrypt_session_ticket_cb(SSL *s, SSL_SESSION *ss,
                                                      const unsigned char *keyname,
                                                      size_t keyname_length,
                                                      SSL_TICKET_STATUS status, void *arg)
{
    (void)s, (void)ss, (void)keyname, (void)keyname_length, (void)arg;
    maybe_fault("ticket");
    if (status == SSL_TICKET_SUCCESS)
        return SSL_TICKET_RETURN_USE;
    if (status == SSL_TICKET_SUCCESS_RENEW)
        return SSL_TICKET_RETURN_USE_RENEW;
    return SSL_TICKET_RETURN_IGNORE_RENEW;
}
