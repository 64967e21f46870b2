/*
 * tl_test.h - the few macros the C tests need.
 *
 * Each test file defines test functions and lists them in main() with
 * TL_RUN. A failed check prints file:line and the expression, and the test
 * goes on. main() ends with TL_DONE(), which prints "N passed, N failed"
 * and returns non-zero if anything failed.
 */
#ifndef TL_TEST_H
#define TL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tl_test_checks_failed;
static int tl_test_passed;
static int tl_test_failed;

#define TL_CHECK(cond)                                                       \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            tl_test_checks_failed++;                                         \
        }                                                                    \
    } while (0)

#define TL_CHECK_INT(a, b)                                                   \
    do {                                                                     \
        long long tl_a_ = (long long)(a), tl_b_ = (long long)(b);            \
        if (tl_a_ != tl_b_) {                                                \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",      \
                    __FILE__, __LINE__, #a, tl_a_, #b, tl_b_);               \
            tl_test_checks_failed++;                                         \
        }                                                                    \
    } while (0)

#define TL_CHECK_STR(a, b)                                                   \
    do {                                                                     \
        const char *tl_a_ = (a), *tl_b_ = (b);                               \
        if (strcmp(tl_a_, tl_b_) != 0) {                                     \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n",        \
                    __FILE__, __LINE__, #a, tl_a_, tl_b_);                   \
            tl_test_checks_failed++;                                         \
        }                                                                    \
    } while (0)

#define TL_RUN(fn)                                                           \
    do {                                                                     \
        int tl_before_ = tl_test_checks_failed;                              \
        fn();                                                                \
        if (tl_test_checks_failed == tl_before_) {                           \
            tl_test_passed++;                                                \
            printf("ok   %s\n", #fn);                                        \
        } else {                                                             \
            tl_test_failed++;                                                \
            printf("FAIL %s\n", #fn);                                        \
        }                                                                    \
    } while (0)

#define TL_DONE()                                                            \
    (printf("%d passed, %d failed\n", tl_test_passed, tl_test_failed),       \
     tl_test_failed != 0)

/*
 * tl_test_tmpdir - make a fresh directory $TMPDIR/tl-NAME-XXXXXX (TMPDIR
 * defaults to /tmp) into dir. Returns 0, or -1 after printing why.
 */
static inline int tl_test_tmpdir(char *dir, size_t size, const char *name)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(dir, size, "%s/tl-%s-XXXXXX", tmp ? tmp : "/tmp", name);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/*
 * tl_test_path - "dir/name" in one of four rotating static buffers, so up
 * to four results can be used in one call. Never fails (a path too long
 * for 512 bytes is cut, which a test then notices).
 */
static inline const char *tl_test_path(const char *dir, const char *name)
{
    static char buf[4][512];
    static int i;

    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
    return buf[i];
}

#endif
