/*
 * test_sessfile.c - session files: libtls's permission rules, empty files,
 * atomic replacement and byte-exact round trips.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ticketlab/cache.h"
#include "ticketlab/clock.h"
#include "fileio.h"
#include "ticketlab/sessfile.h"
#include "tl_test.h"
#include "tl_test_session.h"

static char dir[256];

/* name inside the scratch directory (tl_test_path: four calls may be alive at once). */
static const char *path_in(const char *name)
{
    return tl_test_path(dir, name);
}

static int write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    size_t len = strlen(text);

    if (fd < 0)
        return -1;
    if (write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* A cache with n synthetic TLS 1.3 sessions, under distinct peers. */
static tl_cache *filled_cache(int n)
{
    tl_cache *c = tl_cache_new(16, NULL);

    for (int i = 0; c != NULL && i < n; i++) {
        char key[64];
        SSL_SESSION *s = tl_test_session(TLS1_3_VERSION, 3600, (unsigned char)(i + 1));

        snprintf(key, sizeof(key), "peer%d.test:443:IMPL-test", i);
        TL_CHECK_INT(tl_cache_put(c, key, s, 0, NULL), 0);
        SSL_SESSION_free(s);
    }
    return c;
}

static void expect_refused(const char *path, const char *phrase)
{
    tl_error err = { "" };
    tl_cache *c = tl_cache_new(4, NULL);

    TL_CHECK_INT(tl_sessfile_check(path, &err), -1);
    TL_CHECK(strstr(err.msg, path) != NULL);
    if (strstr(err.msg, phrase) == NULL)
        fprintf(stderr, "  \"%s\" does not say \"%s\"\n", err.msg, phrase);
    TL_CHECK(strstr(err.msg, phrase) != NULL);
    err.msg[0] = '\0';
    TL_CHECK_INT(tl_sessfile_load(c, path, TL_SESSFILE_MISSING_OK, NULL, NULL, NULL, &err), -1);
    TL_CHECK(strstr(err.msg, phrase) != NULL);
    err.msg[0] = '\0';
    TL_CHECK_INT(tl_sessfile_save(c, path, NULL, &err), -1);
    TL_CHECK(strstr(err.msg, phrase) != NULL);
    tl_cache_free(c);
}

static void test_mode_0644_refused(void)
{
    const char *p = path_in("wide");

    TL_CHECK_INT(write_file(p, "", 0644), 0);
    expect_refused(p, "mode 0644");
}

static void test_mode_0400_refused(void)
{
    const char *p = path_in("readonly");

    TL_CHECK_INT(write_file(p, "", 0400), 0);
    expect_refused(p, "mode 0400");
}

static void test_setuid_bit_refused(void)
{
    const char *p = path_in("setuid");

    TL_CHECK_INT(write_file(p, "", 04600), 0);
    expect_refused(p, "mode 4600");
}

/*
 * Issue 24: a file that is only read (TL_SESSFILE_SOURCE) follows one rule
 * whatever the command: 0600 and 0400 read; readable by others read, with
 * the mode in the stats for the caller's warning; any group or other write
 * bit, any execute bit, a special bit or no owner read bit refused.
 */
static void test_source_mode_rule(void)
{
    static const struct { mode_t mode; int ok; } cases[] = {
        { 0600, 1 }, { 0400, 1 }, { 0640, 1 }, { 0644, 1 }, { 0444, 1 }, { 0604, 1 },
        { 0700, 0 }, { 0500, 0 }, { 0610, 0 }, { 0601, 0 }, { 0620, 0 }, { 0602, 0 },
        { 0666, 0 }, { 0200, 0 }, { 0000, 0 }, { 04600, 0 }, { 02600, 0 }, { 01600, 0 },
    };
    const char *p = path_in("source");

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tl_cache *c = tl_cache_new(4, NULL);
        tl_sessfile_stats st;
        tl_error err = { "" };
        char want[32];
        int rc;

        unlink(p);
        TL_CHECK_INT(write_file(p, "", cases[i].mode), 0);
        rc = tl_sessfile_load(c, p, TL_SESSFILE_SOURCE, NULL, NULL, &st, &err);
        if (rc != (cases[i].ok ? 0 : -1))
            fprintf(stderr, "  mode %04o: rc %d (%s)\n", (unsigned)cases[i].mode, rc, err.msg);
        TL_CHECK_INT(rc, cases[i].ok ? 0 : -1);
        snprintf(want, sizeof(want), "has mode %04o;", (unsigned)cases[i].mode);
        if (cases[i].ok)
            TL_CHECK_INT(st.mode, cases[i].mode);
        else
            TL_CHECK(strstr(err.msg, want) != NULL && strstr(err.msg, "writable by nobody else") != NULL);
        tl_cache_free(c);
    }
    unlink(p);
}

static void test_symlink_refused(void)
{
    const char *target = path_in("target"), *link = path_in("link");

    TL_CHECK_INT(write_file(target, "", 0600), 0);
    TL_CHECK_INT(symlink(target, link), 0);
    expect_refused(link, "symbolic link");
    /* the target was not replaced through the link */
    TL_CHECK_INT(tl_sessfile_check(target, NULL), 0);
}

static void test_directory_refused(void)
{
    const char *p = path_in("adir");

    TL_CHECK_INT(mkdir(p, 0700), 0);
    expect_refused(p, "directory");
}

static void test_other_owner_refused(void)
{
    const char *p = path_in("theirs");

    TL_CHECK_INT(write_file(p, "", 0600), 0);
    if (getuid() != 0) {
        printf("     (not root: cannot chown to uid 12345, checked by pytest instead)\n");
        return;
    }
    TL_CHECK_INT(chown(p, 12345, (gid_t)-1), 0);
    expect_refused(p, "owned by uid 12345");
}

static void test_fifo_refused(void)
{
    const char *p = path_in("fifo");

    TL_CHECK_INT(mkfifo(p, 0600), 0);
    expect_refused(p, "not a regular file");
}

static void test_empty_file_means_no_sessions(void)
{
    const char *p = path_in("empty");
    tl_cache *c = tl_cache_new(4, NULL);
    tl_sessfile_stats st;
    tl_error err = { "" };

    TL_CHECK_INT(write_file(p, "", 0600), 0);
    TL_CHECK_INT(tl_sessfile_load(c, p, 0, NULL, NULL, &st, &err), 0);
    TL_CHECK_INT(st.sessions, 0);
    TL_CHECK_INT(tl_cache_size(c), 0);
    /* comments only: also no sessions */
    TL_CHECK_INT(write_file(p, "# nothing here\n#\n", 0600), 0);
    TL_CHECK_INT(tl_sessfile_load(c, p, 0, NULL, NULL, &st, &err), 0);
    TL_CHECK_INT(st.lines, 2);
    TL_CHECK_INT(st.sessions, 0);
    tl_cache_free(c);
}

static void test_missing_file(void)
{
    const char *p = path_in("absent");
    tl_cache *c = tl_cache_new(4, NULL);
    tl_error err = { "" };

    TL_CHECK_INT(tl_sessfile_load(c, p, 0, NULL, NULL, NULL, &err), -1);
    TL_CHECK(strstr(err.msg, "No such file") != NULL);
    TL_CHECK_INT(tl_sessfile_load(c, p, TL_SESSFILE_MISSING_OK, NULL, NULL, NULL, &err), 0);
    tl_cache_free(c);
}

static void test_save_creates_0600_and_round_trips(void)
{
    const char *a = path_in("a.sessions"), *b = path_in("b.sessions");
    tl_cache *c = filled_cache(3), *d = tl_cache_new(16, NULL);
    unsigned char *ta = NULL, *tb = NULL;
    size_t la = 0, lb = 0, count = 0;
    struct stat st;
    tl_sessfile_stats ss;
    tl_error err = { "" };

    TL_CHECK_INT(tl_sessfile_save(c, a, &count, &err), 0);
    TL_CHECK_INT(count, 3);
    TL_CHECK_INT(stat(a, &st), 0);
    TL_CHECK_INT(st.st_mode & 07777, 0600);
    TL_CHECK_INT(tl_sessfile_load(d, a, 0, NULL, NULL, &ss, &err), 0);
    TL_CHECK_INT(ss.imported, 3);
    TL_CHECK_INT(ss.bad, 0);
    TL_CHECK_INT(tl_sessfile_save(d, b, &count, &err), 0);
    TL_CHECK_INT(tl_file_read(a, 1 << 20, &ta, &la, &err), 0);
    TL_CHECK_INT(tl_file_read(b, 1 << 20, &tb, &lb, &err), 0);
    TL_CHECK(la > 0 && la == lb && memcmp(ta, tb, la) == 0);
    TL_CHECK(ta != NULL && ta[0] == '#');
    /* saving over our own 0600 file is allowed, and stays 0600 */
    TL_CHECK_INT(tl_sessfile_save(d, a, NULL, &err), 0);
    TL_CHECK_INT(stat(a, &st), 0);
    TL_CHECK_INT(st.st_mode & 07777, 0600);
    free(ta);
    free(tb);
    tl_cache_free(c);
    tl_cache_free(d);
}

static void test_empty_cache_writes_empty_file(void)
{
    const char *p = path_in("none.sessions");
    tl_cache *c = tl_cache_new(4, NULL);
    size_t count = 99;
    struct stat st;

    TL_CHECK_INT(tl_sessfile_save(c, p, &count, NULL), 0);
    TL_CHECK_INT(count, 0);
    TL_CHECK_INT(stat(p, &st), 0);
    TL_CHECK_INT(st.st_size, 0);
    tl_cache_free(c);
}

static void test_bad_lines_skipped_rest_import(void)
{
    const char *p = path_in("mixed.sessions");
    tl_cache *c = filled_cache(2), *d = tl_cache_new(16, NULL);
    char *text = NULL, *mixed;
    size_t len = 0;
    tl_sessfile_stats st;
    tl_error err = { "" };

    TL_CHECK_INT(tl_sessfile_format(c, &text, &len, NULL, &err), 0);
    mixed = malloc(len + 64);
    /* a bad line between the header and the sessions */
    snprintf(mixed, len + 64, "garbage line\n%s", text);
    TL_CHECK_INT(write_file(p, mixed, 0600), 0);
    TL_CHECK_INT(tl_sessfile_load(d, p, 0, NULL, NULL, &st, &err), 0);
    TL_CHECK_INT(st.bad, 1);
    TL_CHECK_INT(st.imported, 2);
    free(mixed);
    free(text);
    tl_cache_free(c);
    tl_cache_free(d);
}

static void cleanup(void)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
    if (tl_test_tmpdir(dir, sizeof(dir), "sessfile") != 0)
        return 2;
    tl_clock_freeze(TL_CLOCK_EPOCH);
    TL_RUN(test_mode_0644_refused);
    TL_RUN(test_mode_0400_refused);
    TL_RUN(test_setuid_bit_refused);
    TL_RUN(test_source_mode_rule);
    TL_RUN(test_symlink_refused);
    TL_RUN(test_directory_refused);
    TL_RUN(test_other_owner_refused);
    TL_RUN(test_fifo_refused);
    TL_RUN(test_empty_file_means_no_sessions);
    TL_RUN(test_missing_file);
    TL_RUN(test_save_creates_0600_and_round_trips);
    TL_RUN(test_empty_cache_writes_empty_file);
    TL_RUN(test_bad_lines_skipped_rest_import);
    cleanup();
    return TL_DONE();
}
