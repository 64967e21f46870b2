/* replay_junit.c - replays in child processes, reported as JUnit; see replay_junit.h. */
#include "replay_junit.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "xml.h"

#define ALL_SECONDS 600u      /* all inputs in one child */
#define ONE_SECONDS 120u      /* one input alone */
#define HEAD_BYTES 65536      /* where the message line is looked for */
#define TAIL_BYTES 4000       /* the output kept in the report */
#define MESSAGE_MAX 300

/* What one failing input left: the message line and the end of its output. */
typedef struct {
    char *message;            /* NULL: the input passed */
    char *output;
} verdict;

/* Bytes [from, from + n) of the log file, NUL-terminated; NULs in the
 * output become '?'. Returns NULL when out of memory. */
static char *log_slice(int fd, off_t from, size_t n)
{
    char *s = malloc(n + 1);
    ssize_t got;

    if (s == NULL)
        return NULL;
    got = pread(fd, s, n, from);
    if (got < 0)
        got = 0;
    for (ssize_t i = 0; i < got; i++)
        if (s[i] == '\0')
            s[i] = '?';
    s[got] = '\0';
    return s;
}

/* The first line of text that names a finding, cut to MESSAGE_MAX bytes,
 * into out (MESSAGE_MAX + 1 bytes). Returns 0, or -1 if no line does. */
static int finding_line(const char *text, char *out)
{
    static const char *const marks[] = { "ticketlab oracle:", "ERROR:", "runtime error:",
                                         "SUMMARY:", "replay:" };

    for (const char *line = text; *line != '\0';) {
        size_t len = strcspn(line, "\n");

        for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
            const char *hit = strstr(line, marks[m]);

            if (hit != NULL && hit < line + len) {
                if (len > MESSAGE_MAX)
                    len = MESSAGE_MAX;
                memcpy(out, line, len);
                out[len] = '\0';
                return 0;
            }
        }
        line += len + (line[len] == '\n');
    }
    return -1;
}

/* How a child ended, when it did not pass, in words. */
static void describe_status(int status, unsigned seconds, char *out, size_t size)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(out, size, "timed out after %u s", seconds);
    else if (WIFSIGNALED(status))
        snprintf(out, size, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(out, size, "exit status %d", WEXITSTATUS(status));
}

/*
 * Runs paths[0..n) in a child whose stdout and stderr go to log_fd, for at
 * most `seconds`. Returns 0 when it passed, 1 when it failed (*status says
 * how), -1 with err set when it could not be started.
 */
static int run_child(tl_replay_fn run, char *const *paths, size_t n, unsigned seconds,
                     int log_fd, int *status, tl_error *err)
{
    pid_t pid;

    fflush(stdout);   /* or the child writes our buffered output again */
    fflush(stderr);
    pid = fork();
    if (pid < 0)
        return tl_error_set(err, "cannot start a child process: %s", strerror(errno));
    if (pid == 0) {
        int bad = 0;

        if (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
            _exit(125);
        alarm(seconds);
        for (size_t i = 0; i < n; i++)
            if (run(paths[i]) != 0)
                bad = 1;
        exit(bad);   /* exit, not _exit: LeakSanitizer checks at exit */
    }
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return tl_error_set(err, "cannot wait for a child process: %s", strerror(errno));
    return WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? 0 : 1;
}

/* Empties the log file for the next child. Returns 0, or -1 with err set. */
static int log_reset(int fd, tl_error *err)
{
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return tl_error_set(err, "cannot reuse the replay log: %s", strerror(errno));
    return 0;
}

/* The verdict of a failed child from its log. Returns 0, or -1 with err set. */
static int read_verdict(int fd, int status, unsigned seconds, verdict *v, tl_error *err)
{
    char line[MESSAGE_MAX + 1];
    off_t size = lseek(fd, 0, SEEK_END);
    char *head;

    if (size < 0)
        size = 0;
    head = log_slice(fd, 0, size < HEAD_BYTES ? (size_t)size : HEAD_BYTES);
    v->output = log_slice(fd, size > TAIL_BYTES ? size - TAIL_BYTES : 0,
                          size > TAIL_BYTES ? TAIL_BYTES : (size_t)size);
    if (head == NULL || v->output == NULL || finding_line(head, line) != 0)
        describe_status(status, seconds, line, sizeof(line));
    free(head);
    v->message = strdup(line);
    if (v->message == NULL || v->output == NULL)
        return tl_error_set(err, "out of memory");
    return 0;
}

/* Each input alone, in a child of its own. Returns the number that fail,
 * or -1 with err set. */
static long run_each(tl_replay_fn run, char *const *paths, size_t n, int fd, verdict *out,
                     tl_error *err)
{
    long failed = 0;

    for (size_t i = 0; i < n; i++) {
        int status = 0, rc;

        if (log_reset(fd, err) != 0)
            return -1;
        rc = run_child(run, &paths[i], 1, ONE_SECONDS, fd, &status, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        if (read_verdict(fd, status, ONE_SECONDS, &out[i], err) != 0)
            return -1;
        fprintf(stderr, "FAIL %s: %s\n", paths[i], out[i].message);
        failed++;
    }
    return failed;
}

/* The report, whole, into a malloc'd buffer. Returns 0, or -1 with err set. */
static int junit_text(const char *suite, char *const *paths, size_t n, const verdict *v,
                      long failed, char **text, size_t *len, tl_error *err)
{
    FILE *f = open_memstream(text, len);

    if (f == NULL)
        return tl_error_set(err, "out of memory");
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"", f);
    tl_xml_text(f, suite);
    fprintf(f, "\" tests=\"%zu\" failures=\"%ld\" errors=\"0\">\n", n, failed);
    for (size_t i = 0; i < n; i++) {
        fputs("  <testcase classname=\"", f);
        tl_xml_text(f, suite);
        fputs("\" name=\"", f);
        tl_xml_text(f, paths[i]);
        if (v[i].message == NULL) {
            fputs("\"/>\n", f);
            continue;
        }
        fputs("\"><failure message=\"", f);
        tl_xml_text(f, v[i].message);
        fputs("\">", f);
        tl_xml_text(f, v[i].output);
        fputs("</failure></testcase>\n", f);
    }
    fputs("</testsuite>\n", f);
    if (fclose(f) != 0) {
        free(*text);
        *text = NULL;
        return tl_error_set(err, "out of memory");
    }
    return 0;
}

/* The runs: all together, then, if that fails, one by one. */
static long run_all(tl_replay_fn run, char *const *paths, size_t n, verdict *v, tl_error *err)
{
    FILE *log = tmpfile();
    int status = 0, rc;
    long failed = 0;

    if (log == NULL)
        return tl_error_set(err, "cannot make a temporary file for the replay log: %s",
                            strerror(errno));
    rc = run_child(run, paths, n, ALL_SECONDS, fileno(log), &status, err);
    if (rc == 1) {
        failed = run_each(run, paths, n, fileno(log), v, err);
        if (failed == 0)
            fprintf(stderr, "replay: the inputs fail when replayed together in one process "
                    "but each passes alone: replay them without --junit to see why\n");
    }
    fclose(log);
    return rc < 0 ? -1 : failed;
}

long tl_replay_junit(const char *suite, char *const *paths, size_t n, tl_replay_fn run,
                     const char *junit_path, tl_error *err)
{
    verdict *v = calloc(n ? n : 1, sizeof(*v));
    long failed;
    char *text = NULL;
    size_t len = 0;

    if (v == NULL)
        return tl_error_set(err, "out of memory");
    failed = run_all(run, paths, n, v, err);
    if (failed >= 0 && (junit_text(suite, paths, n, v, failed, &text, &len, err) != 0
                        || tl_file_write_atomic(junit_path, text, len, 0644, err) != 0))
        failed = -1;
    free(text);
    for (size_t i = 0; i < n; i++) {
        free(v[i].message);
        free(v[i].output);
    }
    free(v);
    return failed;
}
