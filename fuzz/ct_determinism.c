/*
 * ct_determinism.c - test_ct_determinism: fuzz_client_ticket keeps its TLS
 * 1.3 connection from input to input, so an input's result could depend on
 * the inputs before it. This test shows it does not:
 *
 *   test_ct_determinism CORPUS-DIR...
 *
 * Each input runs first on a connection of its own (the kept one dropped
 * before it): its fingerprint (tl_ct_fingerprint: the messages the client
 * read, its alert and error, the DER of every session it stored, the
 * verbose line) is the reference. Then 100 rounds run every input again,
 * each round in another order (a fixed pseudo-random shuffle), so that each
 * input runs 100 times after other inputs on a kept connection; every run
 * must give the reference fingerprint.
 *
 * Prints "N inputs x 100 runs: all alike" and exits 0, or names each input
 * whose run differed (with the input that ran before it) and exits 1;
 * exits 2 when there is no input.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_ticket.h"
#include "fileio.h"

#define RUNS 100

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    char name[256];
    unsigned char *data;
    size_t len;
    uint64_t reference;
} input;

static int load(const char *dir, input **in, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL) {
        fprintf(stderr, "test_ct_determinism: %s: cannot open the directory\n", dir);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        tl_error err = { "" };
        input *bigger;
        size_t len = strlen(de->d_name);

        if (de->d_name[0] == '.' || (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        bigger = realloc(*in, (*n + 1) * sizeof(**in));
        if (bigger == NULL) {
            closedir(d);
            return -1;
        }
        *in = bigger;
        if (tl_file_read(path, 1u << 20, &(*in)[*n].data, &(*in)[*n].len, &err) != 0)
            continue;   /* a sub-directory */
        snprintf((*in)[*n].name, sizeof((*in)[*n].name), "%s", de->d_name);
        (*n)++;
    }
    closedir(d);
    return 0;
}

static uint64_t run(const input *x)
{
    LLVMFuzzerTestOneInput(x->data, x->len);
    return tl_ct_fingerprint();
}

int main(int argc, char **argv)
{
    input *in = NULL;
    size_t n = 0, *order, bad = 0;
    uint64_t lcg = 0x7469636bULL;

    for (int i = 1; i < argc; i++)
        if (load(argv[i], &in, &n) != 0)
            return 2;
    if (n == 0) {
        fprintf(stderr, "test_ct_determinism: no inputs (give corpus folders)\n");
        return 2;
    }
    order = malloc(n * sizeof(*order));
    if (order == NULL)
        return 2;
    tl_ct_fingerprint_on();
    for (size_t i = 0; i < n; i++) {
        tl_ct_forget13();
        in[i].reference = run(&in[i]);
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (int round = 0; round < RUNS; round++) {
        const input *before = NULL;

        for (size_t i = n; i > 1; i--) {   /* Fisher-Yates with a fixed LCG */
            size_t j, t;

            lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
            j = (size_t)(lcg >> 33) % i;
            t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        for (size_t k = 0; k < n; k++) {
            input *x = &in[order[k]];

            if (run(x) != x->reference) {
                fprintf(stderr, "test_ct_determinism: round %d: %s after %s differs from %s "
                        "on a connection of its own\n", round, x->name,
                        before ? before->name : "nothing", x->name);
                bad++;
            }
            before = x;
        }
    }
    if (bad == 0)
        printf("%zu inputs x %d runs: all alike\n", n, RUNS);
    else
        printf("%zu inputs x %d runs: %zu runs differ\n", n, RUNS, bad);
    for (size_t i = 0; i < n; i++)
        free(in[i].data);
    free(in);
    free(order);
    return bad ? 1 : 0;
}
