/*
 * bench_main.c - a fuzz target's speed without a fuzzing engine.
 *
 *   bench_TARGET [--seconds S | --execs N] CORPUS-DIR...
 *
 * Loads every input of the folders into memory, then calls the target on
 * them round-robin for S seconds (default 5) or N executions, and prints
 * execs/s and the resident set size after the first 1% of the run and at
 * the end (a leak shows as growth). Prints figures; asserts nothing.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    unsigned char *data;
    size_t len;
} input;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Current resident set size in KiB, from /proc (getrusage only has the peak). */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * 4;
}

static int load_dir(const char *dir, input **in, size_t *n, size_t *cap)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL)
        return 0;   /* a target without regressions has no folder */
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        tl_error err = { "" };
        size_t len = strlen(de->d_name);

        if (de->d_name[0] == '.' || (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (*n == *cap) {
            input *bigger = realloc(*in, (*cap = *cap ? *cap * 2 : 64) * sizeof(**in));
            if (bigger == NULL)
                return -1;
            *in = bigger;
        }
        if (tl_file_read(path, 1u << 20, &(*in)[*n].data, &(*in)[*n].len, &err) == 0)
            (*n)++;
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 5, start, elapsed;
    unsigned long long max_execs = 0, execs = 0;
    input *in = NULL;
    size_t n = 0, cap = 0;
    long rss_early = -1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--execs") == 0 && i + 1 < argc)
            max_execs = strtoull(argv[++i], NULL, 10);
        else if (load_dir(argv[i], &in, &n, &cap) != 0)
            return 2;
    }
    if (n == 0) {
        fprintf(stderr, "%s: no inputs (give corpus folders)\n", argv[0]);
        return 2;
    }
    LLVMFuzzerTestOneInput(in[0].data, in[0].len);   /* build the cached worlds */
    start = now();
    for (;;) {
        const input *x = &in[execs % n];

        LLVMFuzzerTestOneInput(x->data, x->len);
        execs++;
        if (max_execs ? execs == max_execs / 100 : (execs & 255) == 0 && rss_early < 0
                                                     && now() - start > seconds / 100)
            rss_early = rss_kib();
        if (max_execs ? execs >= max_execs : (execs & 63) == 0 && now() - start >= seconds)
            break;
    }
    elapsed = now() - start;
    printf("%s: %llu execs in %.1f s = %.0f execs/s over %zu inputs; RSS %ld KiB early, %ld KiB at end\n",
           argv[0], execs, elapsed, execs / elapsed, n, rss_early, rss_kib());
    for (size_t i = 0; i < n; i++)
        free(in[i].data);
    free(in);
    return 0;
}
