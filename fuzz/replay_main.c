/*
 * replay_main.c - run a fuzz target over files, without a fuzzing engine.
 *
 *   fuzz_replay_TARGET [--junit FILE] PATH...
 *
 * PATH: files, or directories read one level deep (in name order; *.txt
 * summaries and sub-directories skipped); a PATH that does not exist is
 * skipped (a target with no regressions yet has no folder).
 *
 * Builds with any C compiler. Without --junit every input runs in this
 * process: a finding aborts, exactly as under the fuzzer; otherwise it
 * prints "N passed, 0 failed" and exits 0.
 *
 * With --junit FILE the inputs run in child processes (replay_junit.h), so
 * that a finding fails its own input only. FILE gets a JUnit <testsuite>
 * named after the target with one <testcase> per input (its name is the
 * path as given); each failing input is named on stderr ("FAIL PATH:
 * MESSAGE"). Prints "N passed, M failed". Exit: 0 all pass, 1 some fail,
 * 2 usage, a folder that cannot be listed, or FILE cannot be written
 * (nothing is left at FILE then).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "replay_junit.h"

#define INPUT_MAX (16u << 20)
#define PREFIX "fuzz_replay_"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* The inputs, as paths, in the order they run. */
typedef struct {
    char **paths;
    size_t n, cap;
} input_list;

static int replay_file(const char *path)
{
    unsigned char *buf;
    size_t len;
    tl_error err = { "" };

    if (tl_file_read(path, INPUT_MAX, &buf, &len, &err) != 0) {
        fprintf(stderr, "replay: %s\n", err.msg);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int add_input(input_list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **bigger = realloc(l->paths, cap * sizeof(*bigger));

        if (bigger == NULL)
            return -1;
        l->paths = bigger;
        l->cap = cap;
    }
    l->paths[l->n] = strdup(path);
    if (l->paths[l->n] == NULL)
        return -1;
    l->n++;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_summary(const char *name)
{
    size_t n = strlen(name);

    return n > 4 && strcmp(name + n - 4, ".txt") == 0;
}

/* The files of a directory, in name order, so replays run the same way
 * everywhere. Returns 0, or -1 after saying why on stderr. */
static int add_dir(input_list *l, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t first = l->n;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: cannot open the directory\n", dir);
        return -1;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;

        if (de->d_name[0] == '.' || is_summary(de->d_name))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;   /* sub-directories are not inputs */
        rc = add_input(l, path);
        if (rc != 0)
            fprintf(stderr, "replay: out of memory\n");
    }
    closedir(d);
    qsort(l->paths + first, l->n - first, sizeof(*l->paths), compare_names);
    return rc;
}

/* The inputs named by argv[0..argc). Returns 0, or -1 after saying why. */
static int collect(input_list *l, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0)
            continue;   /* a target with no regressions yet has no folder */
        if (S_ISDIR(st.st_mode)) {
            if (add_dir(l, argv[i]) != 0)
                return -1;
        } else if (add_input(l, argv[i]) != 0) {
            fprintf(stderr, "replay: out of memory\n");
            return -1;
        }
    }
    return 0;
}

/* The target's name: the program's, less its directory and PREFIX. */
static const char *target_name(const char *argv0)
{
    const char *base = strrchr(argv0, '/');

    base = base ? base + 1 : argv0;
    return strncmp(base, PREFIX, strlen(PREFIX)) == 0 ? base + strlen(PREFIX) : base;
}

/* All inputs in this process. Returns the exit status. */
static int replay_here(const input_list *l)
{
    unsigned count = 0;
    int failed = 0;

    for (size_t i = 0; i < l->n; i++) {
        if (replay_file(l->paths[i]) != 0)
            failed = 1;
        else
            count++;
    }
    printf("%u passed, %d failed\n", count, failed);
    return failed ? 1 : 0;
}

/* Every input in a child process, reported to junit. Returns the exit status. */
static int replay_junit(const input_list *l, const char *suite, const char *junit)
{
    tl_error err = { "" };
    long failed = tl_replay_junit(suite, l->paths, l->n, replay_file, junit, &err);

    if (failed < 0) {
        fprintf(stderr, "replay: %s\n", err.msg);
        return 2;
    }
    printf("%zu passed, %ld failed\n", l->n - (size_t)failed, failed);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    input_list l = { NULL, 0, 0 };
    const char *junit = NULL;
    int first = 1, rc;

    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1 && strcmp(argv[1], "--junit") == 0) {
        junit = argv[2];
        first = 3;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: %s [--junit FILE] FILE-OR-DIRECTORY...\n", argv[0]);
        return 2;
    }
    if (collect(&l, argc - first, argv + first) != 0)
        rc = 2;
    else if (junit != NULL)
        rc = replay_junit(&l, target_name(argv[0]), junit);
    else
        rc = replay_here(&l);
    for (size_t i = 0; i < l.n; i++)
        free(l.paths[i]);
    free(l.paths);
    return rc;
}
