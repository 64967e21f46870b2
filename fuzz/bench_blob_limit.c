/*
 * bench_blob_limit.c - fuzz_ticket_blob against its limit and a naive
 * harness, on the same input (a valid TLS 1.2 ticket), side by side:
 *
 *   limit   OpenSSL alone: SSL_new, one ClientHello carrying the ticket,
 *           SSL_do_handshake, SSL_free, on the server of the built-in-keys
 *           world (no key callback; its decrypt callback only logs).
 *   target  LLVMFuzzerTestOneInput of fuzz_ticket_blob (world reset, probe,
 *           event log, feedback, oracle).
 *   naive   what a harness without a probe does: a full client+server
 *           handshake in the world per input, offering the ticket.
 *
 *   bench_blob_limit [SECONDS-EACH]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double run_limit(tl_world *w, const unsigned char *hello, size_t len, double seconds,
                        int want_resumed)
{
    SSL_CTX *ctx = tl_world_server_ctx(w);
    unsigned long n = 0;
    double start = now();
    int resumed = 0;
    tl_error err = { "" };

    while (now() - start < seconds) {
        /* The decrypt callback logs each call: empty the log now and then. */
        if ((n & 4095) == 0 && tl_seeds_world_reset(w, &err) != 0)
            tl_fuzz_die("reset: %s", err.msg);
        for (int k = 0; k < 16; k++, n++) {
            SSL *s = SSL_new(ctx);
            BIO *in = BIO_new_mem_buf(hello, (int)len), *out = BIO_new(BIO_s_mem());

            if (s == NULL || in == NULL || out == NULL)
                tl_fuzz_die("out of memory");
            BIO_set_mem_eof_return(in, -1);
            SSL_set_bio(s, in, out);
            SSL_set_accept_state(s);
            (void)SSL_do_handshake(s);
            resumed += SSL_session_reused(s);
            SSL_free(s);
            ERR_clear_error();
        }
    }
    if (resumed != (want_resumed ? (int)n : 0))
        tl_fuzz_die("the limit loop resumed %d of %lu times", resumed, n);
    return n / (now() - start);
}

static double run_target(const unsigned char *input, size_t len, double seconds)
{
    unsigned long n = 0;
    double start = now();

    while (now() - start < seconds)
        for (int k = 0; k < 16; k++, n++)
            LLVMFuzzerTestOneInput(input, len);
    return n / (now() - start);
}

static double run_naive(tl_world *w, SSL_SESSION *sess, const unsigned char *ticket,
                        size_t len, double seconds, int want_resumed)
{
    unsigned long n = 0;
    double start = now();

    while (now() - start < seconds) {
        tl_handshake_opts o = { .session = sess, .replace_ticket = 1, .ticket = ticket,
                                .ticket_len = len };
        tl_handshake_result r;
        tl_error err = { "" };

        if (tl_seeds_world_reset(w, &err) != 0 || tl_world_handshake(w, &o, &r, &err) != 0
            || r.server.reused != want_resumed || !r.client.ok)
            tl_fuzz_die("naive handshake failed: %s", err.msg);
        tl_handshake_result_free(&r);
        n++;
    }
    return n / (now() - start);
}

/* Edit the ClientHello in place: flip the last byte of the ticket (its MAC). */
static unsigned char *flipped_hello(const unsigned char *hello, size_t len,
                                    const unsigned char *ticket, size_t tlen)
{
    unsigned char *copy = malloc(len);
    size_t off = (size_t)(ticket - hello) + tlen - 1;

    if (copy == NULL)
        tl_fuzz_die("out of memory");
    memcpy(copy, hello, len);
    copy[off] ^= 1;
    return copy;
}

static void report(const char *what, double limit, double target, double naive)
{
    printf("%-34s %10.0f %10.0f %10.0f %14.2f %14.1f\n", what, limit, target, naive,
           target / limit, target / naive);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3;
    tl_world *w, *naive_world;
    tl_probe *p = tl_fuzz_probe(TLS1_2_VERSION, TL_KEYS_BUILTIN, &w);
    const unsigned char *hello, *ticket;
    size_t hello_len, ticket_len;
    unsigned char *input, *bad_hello;
    tl_handshake_result first;
    tl_error err = { "" };
    double limit, target, naive;

    hello = tl_probe_client_hello(p, &hello_len);
    ticket = tl_probe_ticket(p, &ticket_len);
    bad_hello = flipped_hello(hello, hello_len, ticket, ticket_len);
    input = malloc(ticket_len + 1);
    if (input == NULL)
        return 1;
    input[0] = 0x00;   /* TLS 1.2, built-in keys */
    memcpy(input + 1, ticket, ticket_len);

    /* The naive harness gets its own world and session, same keys. */
    naive_world = tl_seeds_world_new(TLS1_2_VERSION, TL_KEYS_BUILTIN, &err);
    if (naive_world == NULL || tl_world_handshake(naive_world, NULL, &first, &err) != 0)
        tl_fuzz_die("naive world: %s", err.msg);

    printf("%-34s %10s %10s %10s %14s %14s\n", "fuzz_ticket_blob, TLS 1.2 (execs/s)",
           "limit", "target", "naive", "target/limit", "target/naive");
    limit = run_limit(w, hello, hello_len, seconds, 1);
    target = run_target(input, ticket_len + 1, seconds);
    naive = run_naive(naive_world, first.sessions[0], input + 1, ticket_len, seconds, 1);
    report("valid ticket (resumes)", limit, target, naive);

    input[ticket_len] ^= 1;
    limit = run_limit(w, bad_hello, hello_len, seconds, 0);
    target = run_target(input, ticket_len + 1, seconds);
    naive = run_naive(naive_world, first.sessions[0], input + 1, ticket_len, seconds, 0);
    report("tampered ticket (full handshake)", limit, target, naive);
    printf("goals: target/limit >= 0.6, target/naive >= 15\n");
    tl_handshake_result_free(&first);
    tl_world_free(naive_world);
    free(input);
    free(bad_hello);
    return 0;
}
