/*
 * replay_main.c - run a fuzz target over files, without a fuzzing engine.
 *
 *   fuzz_replay_TARGET PATH...   (files, or directories read one level deep)
 *
 * Builds with any C compiler. A finding aborts, exactly as under the
 * fuzzer; otherwise it prints "N passed, 0 failed" and exits 0.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path, unsigned *count)
{
    unsigned char *buf;
    size_t len;
    tl_error err = { "" };

    if (tl_file_read(path, 16u << 20, &buf, &len, &err) != 0) {
        fprintf(stderr, "replay: %s\n", err.msg);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    (*count)++;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory, in name order, so replays run the same way everywhere. */
static int replay_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: cannot open the directory\n", dir);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;   /* sub-directories and summaries (*.txt) are not inputs */
        if (strlen(de->d_name) > 4 && strcmp(de->d_name + strlen(de->d_name) - 4, ".txt") == 0)
            continue;
        if (n == cap) {
            char **bigger = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
            if (bigger == NULL) {
                rc = -1;
                break;
            }
            names = bigger;
        }
        names[n] = strdup(path);
        if (names[n] == NULL) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc == 0)
        qsort(names, n, sizeof(*names), compare_names);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && replay_file(names[i], count) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int failed = 0;

    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            /* A target with no regressions yet has no folder: that is fine. */
            continue;
        }
        if ((S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count)
                                  : replay_file(argv[i], &count)) != 0)
            failed = 1;
    }
    printf("%u passed, %d failed\n", count, failed);
    return failed ? 1 : 0;
}
