/*
 * bench_world.c - what one handshake costs in the world.
 *
 * For TLS 1.2 and 1.3: full handshakes and resumptions per second, each
 * with fresh SSL objects (SSL_new/SSL_free) and with reused ones
 * (SSL_clear), measured side by side in one run. Prints a table; asserts
 * nothing (see ci/bench.sh).
 *
 * usage: bench_world [ITERATIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ticketlab/world.h"
#include "ossl_compat.h"

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns handshakes per second, or -1 if any handshake failed. */
static double run(int version, int resume, int reuse, int iterations)
{
    tl_world_config cfg;
    tl_error err = { "" };
    tl_world *w;
    tl_handshake_result first, r;
    double start, elapsed;

    tl_world_config_init(&cfg);
    cfg.tls_version = version;
    cfg.reuse_ssl = reuse;
    cfg.num_tickets = 1;
    w = tl_world_new(&cfg, &err);
    if (w == NULL || tl_world_handshake(w, NULL, &first, &err) != 0 || first.n_sessions == 0) {
        fprintf(stderr, "bench_world: %s\n", err.msg[0] ? err.msg : "no session");
        tl_world_free(w);
        return -1;
    }
    start = now_seconds();
    for (int i = 0; i < iterations; i++) {
        /* An OpenSSL 3.0 client marks a TLS 1.3 session not resumable once
         * it was used, so each resumption offers a fresh copy of the
         * unused one (SSL_SESSION_dup costs a few microseconds, counted). */
        SSL_SESSION *copy = resume ? SSL_SESSION_dup(first.sessions[0]) : NULL;
        tl_handshake_opts o = { .session = copy };
        int ok = (!resume || copy != NULL) && tl_world_handshake(w, &o, &r, &err) == 0
                 && r.client.ok && r.server.ok && r.server.reused == resume;

        SSL_SESSION_free(copy);
        tl_handshake_result_free(&r);
        if (!ok) {
            fprintf(stderr, "bench_world: handshake %d failed %s\n", i, err.msg);
            tl_handshake_result_free(&first);
            tl_world_free(w);
            return -1;
        }
    }
    elapsed = now_seconds() - start;
    tl_handshake_result_free(&first);
    tl_world_free(w);
    return iterations / elapsed;
}

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 500;
    static const int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };

    if (iterations <= 0) {
        fprintf(stderr, "usage: bench_world [ITERATIONS > 0]\n");
        return 2;
    }
    printf("%-8s %-10s %14s %14s %8s %12s\n", "tls", "handshake", "SSL_new hs/s",
           "SSL_clear hs/s", "ratio", "us/hs (new)");
    for (int v = 0; v < 2; v++)
        for (int resume = 0; resume <= 1; resume++) {
            double fresh = run(versions[v], resume, 0, iterations);
            double reused = run(versions[v], resume, 1, iterations);

            if (fresh < 0 || reused < 0)
                return 1;
            printf("%-8s %-10s %14.0f %14.0f %8.2f %12.1f\n",
                   versions[v] == TLS1_3_VERSION ? "1.3" : "1.2",
                   resume ? "resumed" : "full", fresh, reused, reused / fresh, 1e6 / fresh);
        }
    return 0;
}
