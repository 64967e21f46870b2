/*
 * testchain.c - the embedded test chain loaded into the world's contexts;
 * see testchain.h.
 */
#include "testchain.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "memo.h"
#include "testcerts.h"
#include "ticketlab/rng.h"
#include "ticketlab/tlslib.h"

#if TL_TLSLIB_OPENSSL
/* Certificates and keys are parsed in ticketlab's library context. */
typedef OSSL_LIB_CTX world_lib;
#define world_lib_get(err) tl_libctx(err)
#else
/* BoringSSL and AWS-LC: no library contexts. */
typedef const char world_lib;
#define world_lib_get(err) ((void)(err), "")
#define X509_new_ex(lib, pq) ((void)(lib), X509_new())
#define PEM_read_bio_PrivateKey_ex(b, x, cb, u, lib, pq) ((void)(lib), PEM_read_bio_PrivateKey((b), (x), (cb), (u)))
#endif

/*
 * The embedded test chain, parsed once per process: PEM and key decoding
 * cost more than a whole resumption handshake in OpenSSL 3 (the decoder
 * lookups), and every world needs the same three objects. They are never
 * modified, only shared by reference, and stay reachable until exit.
 * TICKETLAB_NO_MEMO=1 parses them for every world (ci/bench.sh compares).
 */
static X509 *chain_cert, *chain_root;
static EVP_PKEY *chain_key;

static X509 *parse_cert(const char *pem, world_lib *libctx)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = X509_new_ex(libctx, NULL);

    if (b == NULL || x == NULL || PEM_read_bio_X509(b, &x, NULL, NULL) == NULL) {
        X509_free(x);
        x = NULL;
    }
    BIO_free(b);
    return x;
}

static EVP_PKEY *parse_key(const char *pem, world_lib *libctx)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey_ex(b, NULL, NULL, NULL, libctx, NULL) : NULL;

    BIO_free(b);
    return k;
}

/* The parsed chain, as new references (*cert, *key or *root may be NULL
 * when not wanted). Returns 0, or -1 with err. */
static int chain(world_lib *libctx, X509 **cert, EVP_PKEY **key, X509 **root, tl_error *err)
{
    X509 *c = NULL, *r = NULL;
    EVP_PKEY *k = NULL;

    if (!tl_memo_enabled()) {
        c = cert ? parse_cert(tl_testcert_server_pem, libctx) : NULL;
        k = key ? parse_key(tl_testcert_server_key, libctx) : NULL;
        r = root ? parse_cert(tl_testcert_root_pem, libctx) : NULL;
    } else {
        if (chain_cert == NULL)
            chain_cert = parse_cert(tl_testcert_server_pem, libctx);
        if (chain_key == NULL)
            chain_key = parse_key(tl_testcert_server_key, libctx);
        if (chain_root == NULL)
            chain_root = parse_cert(tl_testcert_root_pem, libctx);
        if (cert && chain_cert && X509_up_ref(chain_cert))
            c = chain_cert;
        if (key && chain_key && EVP_PKEY_up_ref(chain_key))
            k = chain_key;
        if (root && chain_root && X509_up_ref(chain_root))
            r = chain_root;
    }
    if ((cert && c == NULL) || (key && k == NULL) || (root && r == NULL)) {
        X509_free(c);
        X509_free(r);
        EVP_PKEY_free(k);
        return tl_error_set_ssl(err, "the embedded test chain does not load");
    }
    if (cert)
        *cert = c;
    if (key)
        *key = k;
    if (root)
        *root = r;
    return 0;
}

int tl_testchain_use(SSL_CTX *ctx, tl_error *err)
{
    world_lib *libctx = world_lib_get(err);
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    int rc = 0;

    if (libctx == NULL || chain(libctx, &cert, &key, NULL, err) != 0)
        return -1;
    if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1
        || SSL_CTX_check_private_key(ctx) != 1)
        rc = tl_error_set_ssl(err, "the server refuses the test certificate");
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

int tl_testchain_trust(SSL_CTX *ctx, tl_error *err)
{
    world_lib *libctx = world_lib_get(err);
    X509 *root = NULL;
    int rc = 0;

    if (libctx == NULL || chain(libctx, NULL, NULL, &root, err) != 0)
        return -1;
    if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), root) != 1)
        rc = tl_error_set_ssl(err, "cannot trust the test root");
    else
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    X509_free(root);
    return rc;
}
