/*
 * bench_limits.c - what plain OpenSSL costs, with no ticketlab code in the
 * loop: the limits ci/bench.sh prints beside the fuzz targets.
 *
 *   resume   the bare resumption loop: a client and a server SSL on a BIO
 *            pair, the client offering a ticket from an earlier handshake,
 *            driven to the end of the handshake, then both freed.
 *   hello    the one-ClientHello limit: the server alone, SSL_new, one
 *            captured ClientHello carrying a valid ticket, one
 *            SSL_do_handshake (the server resumes and writes its flight),
 *            SSL_free. A fuzz target that feeds the server one ClientHello
 *            per input cannot run faster than this.
 *
 * Each for TLS 1.2 and TLS 1.3, on a P-256 certificate made at start-up,
 * OpenSSL's default ciphers and groups and its built-in ticket keys.
 *
 *   bench_limits [SECONDS-EACH]    (default 2)
 *
 * Prints one line per limit: "limit VERSION WHAT: N per s (M runs)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static __attribute__((noreturn)) void die(const char *what)
{
    fprintf(stderr, "bench_limits: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* A P-256 key and a self-signed certificate for it. The name is built on
 * its own: OpenSSL 4.0's X509_get_subject_name() returns a const name. */
static void make_identity(EVP_PKEY **key, X509 **cert)
{
    X509_NAME *name = X509_NAME_new();
    int ok;

    *key = EVP_EC_gen("P-256");
    *cert = X509_new();
    if (*key == NULL || *cert == NULL || name == NULL)
        die("cannot make a key and a certificate");
    ok = X509_set_version(*cert, 2) && ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1)
        && X509_gmtime_adj(X509_getm_notBefore(*cert), -3600)
        && X509_gmtime_adj(X509_getm_notAfter(*cert), 86400)
        && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"bench", -1, -1, 0)
        && X509_set_subject_name(*cert, name) && X509_set_issuer_name(*cert, name)
        && X509_set_pubkey(*cert, *key) && X509_sign(*cert, *key, EVP_sha256());
    X509_NAME_free(name);
    if (!ok)
        die("cannot sign the certificate");
}

/* One handshake step of s unless it is done. Returns 0, or -1 on a failure. */
static int step(SSL *s, int *done)
{
    int r;

    if (*done)
        return 0;
    r = SSL_do_handshake(s);
    if (r == 1)
        *done = 1;
    return r == 1 || SSL_get_error(s, r) == SSL_ERROR_WANT_READ ? 0 : -1;
}

/* Run the handshake between c and s to its end. Returns 1 when both finished. */
static int drive(SSL *c, SSL *s)
{
    int cdone = 0, sdone = 0;

    for (int i = 0; i < 64 && !(cdone && sdone); i++)
        if (step(c, &cdone) != 0 || step(s, &sdone) != 0)
            return 0;
    return cdone && sdone;
}

/* Free a connection that finished its handshake as one closed cleanly: a
 * connection freed unclosed makes its session unresumable (ssl_clear_bad_session). */
static void close_free(SSL *s)
{
    SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(s);
}

/* A client and a server SSL joined by a BIO pair. */
static void pair(SSL_CTX *cctx, SSL_CTX *sctx, SSL **c, SSL **s)
{
    BIO *cb = NULL, *sb = NULL;   /* die() returns as far as the compiler knows */

    *c = SSL_new(cctx);
    *s = SSL_new(sctx);
    if (*c == NULL || *s == NULL || !BIO_new_bio_pair(&cb, 0, &sb, 0))
        die("cannot make an SSL pair");
    SSL_set_bio(*c, cb, cb);
    SSL_set_bio(*s, sb, sb);
    SSL_set_connect_state(*c);
    SSL_set_accept_state(*s);
}

/* A full handshake; returns the client's session (TLS 1.3: after reading the tickets). */
static SSL_SESSION *first_session(SSL_CTX *cctx, SSL_CTX *sctx)
{
    SSL *c, *s;
    SSL_SESSION *sess;
    char byte;

    pair(cctx, sctx, &c, &s);
    if (!drive(c, s))
        die("the first handshake failed");
    (void)SSL_read(c, &byte, 1);   /* TLS 1.3: the NewSessionTickets come after the handshake */
    sess = SSL_get1_session(c);
    close_free(c);
    close_free(s);
    if (sess == NULL || !SSL_SESSION_is_resumable(sess))
        die("the first handshake gave no resumable session");
    return sess;
}

/* The client's first flight offering sess, into a malloc'd buffer. */
static unsigned char *client_hello(SSL_CTX *cctx, SSL_SESSION *sess, long *len)
{
    SSL *c = SSL_new(cctx);
    BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
    char *data;
    unsigned char *copy;

    if (c == NULL || in == NULL || out == NULL || !SSL_set_session(c, sess))
        die("cannot make the client");
    SSL_set_bio(c, in, out);
    SSL_set_connect_state(c);
    (void)SSL_do_handshake(c);
    *len = BIO_get_mem_data(out, &data);
    if (*len <= 0 || (copy = malloc((size_t)*len)) == NULL)
        die("the client wrote no ClientHello");
    for (long i = 0; i < *len; i++)
        copy[i] = (unsigned char)data[i];
    SSL_free(c);
    return copy;
}

static void resume_loop(const char *v, SSL_CTX *cctx, SSL_CTX *sctx, SSL_SESSION *sess, double seconds)
{
    unsigned long n = 0, reused = 0;
    double start = now(), t;

    do {
        for (int k = 0; k < 16; k++, n++) {
            SSL *c, *s;

            pair(cctx, sctx, &c, &s);
            if (!SSL_set_session(c, sess))
                die("cannot offer the session");
            if (!drive(c, s))
                die("a resumption failed");
            reused += SSL_session_reused(c) && SSL_session_reused(s);
            close_free(c);
            close_free(s);
            ERR_clear_error();
        }
    } while ((t = now() - start) < seconds);
    if (reused != n)
        die("a resumption did not resume");
    printf("limit %s resume: %.0f per s (%lu runs)\n", v, (double)n / t, n);
}

static void hello_loop(const char *v, SSL_CTX *sctx, const unsigned char *hello, long len, double seconds)
{
    unsigned long n = 0, reused = 0;
    double start = now(), t;

    do {
        for (int k = 0; k < 16; k++, n++) {
            SSL *s = SSL_new(sctx);
            BIO *in = BIO_new_mem_buf(hello, (int)len), *out = BIO_new(BIO_s_mem());

            if (s == NULL || in == NULL || out == NULL)
                die("out of memory");
            BIO_set_mem_eof_return(in, -1);
            SSL_set_bio(s, in, out);
            SSL_set_accept_state(s);
            (void)SSL_do_handshake(s);
            reused += SSL_session_reused(s);
            close_free(s);
            ERR_clear_error();
        }
    } while ((t = now() - start) < seconds);
    if (reused != n)
        die("the server did not resume from the ClientHello");
    printf("limit %s hello: %.0f per s (%lu runs)\n", v, (double)n / t, n);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    static const struct { const char *name; int version; } versions[] = {
        { "TLS1.2", TLS1_2_VERSION }, { "TLS1.3", TLS1_3_VERSION }
    };
    EVP_PKEY *key;
    X509 *cert;

    if (seconds <= 0)
        seconds = 2.0;
    make_identity(&key, &cert);
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
        SSL_SESSION *sess;
        unsigned char *hello;
        long len;

        if (sctx == NULL || cctx == NULL || SSL_CTX_use_certificate(sctx, cert) != 1
            || SSL_CTX_use_PrivateKey(sctx, key) != 1
            || !SSL_CTX_set_min_proto_version(sctx, versions[i].version)
            || !SSL_CTX_set_max_proto_version(sctx, versions[i].version)
            || !SSL_CTX_set_min_proto_version(cctx, versions[i].version)
            || !SSL_CTX_set_max_proto_version(cctx, versions[i].version))
            die("cannot make the contexts");
        /* Tickets only: no server-side cache, one ticket per handshake. */
        SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_set_num_tickets(sctx, 1);
        sess = first_session(cctx, sctx);
        hello = client_hello(cctx, sess, &len);
        resume_loop(versions[i].name, cctx, sctx, sess, seconds);
        hello_loop(versions[i].name, sctx, hello, len, seconds);
        free(hello);
        SSL_SESSION_free(sess);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    return 0;
}
