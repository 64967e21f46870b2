/*
 * vcontain.c - a validation run in a child process, so that a plug-in
 * that crashes, aborts, exits or hangs cannot take `ticketlab validate`
 * with it; see tl_validate_contained() in validate.h.
 *
 * The child loads the plug-in and runs tl_validate_run(), streaming each
 * result through a pipe as it comes: 'L' the plug-in's description,
 * 'C' a check, then 'D' done (the totals) or 'E' an error (could not load
 * or initialise). It marks every call into the plug-in on a board in
 * shared memory (pcall.h). The parent reads the pipe, watches the board
 * for progress and kills the child when a call outlives the timeout. A
 * child that ends without 'D' or 'E' ended inside the plug-in: the parent
 * adds a failing check saying which call did what.
 */
#define _GNU_SOURCE              /* on_exit */
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "elfcheck.h"
#include "pcall.h"
#include "state.h"

enum { MSG_LOADED = 'L', MSG_CHECK = 'C', MSG_ERROR = 'E', MSG_DONE = 'D' };

/* The child's own status when it cannot report (the pipe is gone). */
#define CHILD_LOST 125

/* Outside a plug-in call the harness always moves on quickly: a stall
 * this long means the process is stuck (memory the plug-in broke). */
#define STALL_MIN_SECONDS 30.0

typedef struct done_msg {
    size_t handshakes, callback_calls;
} done_msg;

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the child ------------------------------------------------------------- */

static void send_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(CHILD_LOST);
        p += w;
        len -= (size_t)w;
    }
}

static void send_msg(int fd, char type, const void *payload, size_t len)
{
    send_all(fd, &type, 1);
    send_all(fd, payload, len);
}

static void sink_loaded(const tl_validation *out, void *arg)
{
    send_msg(*(int *)arg, MSG_LOADED, out->provides, sizeof(out->provides));
}

static void sink_check(const tl_check *c, void *arg)
{
    send_msg(*(int *)arg, MSG_CHECK, c, sizeof(*c));
}

/* exit() called by the plug-in (ours sets `finished` first): note the
 * status and end now, before any other exit handler runs. */
static void child_exit_hook(int status, void *arg)
{
    tl_pcall_board *b = arg;

    if (b->finished)
        return;
    b->exited = 1;
    b->exit_status = status;
    _exit(status & 0xff);
}

static void run_child(int fd, tl_pcall_board *b, const char *path, const char *arg)
{
    static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
    tl_vsink sink = { sink_loaded, sink_check, &fd };
    struct sigaction sa;
    tl_validation out;
    tl_error err = { "" };

    /* A crash ends the child by its signal, for the parent to name; the
     * sanitizers' handlers would print a report and exit instead. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
        if (sigaction(fatal[i], &sa, NULL) != 0)
            _exit(CHILD_LOST);
    if (on_exit(child_exit_hook, b) != 0)
        _exit(CHILD_LOST);
    tl_pcall_use(b);
    if (tl_validate_run(path, arg, &sink, &out, &err) != 0) {
        send_msg(fd, MSG_ERROR, &err, sizeof(err));
    } else {
        done_msg d = { out.handshakes, out.callback_calls };

        send_msg(fd, MSG_DONE, &d, sizeof(d));
    }
    tl_pcall_use(NULL);
    tl_validation_free(&out);
    close(fd);
    b->finished = 1;
    /* exit, not _exit: a sanitizer build checks the child for leaks too. */
    exit(0);
}

/* ---- the parent ------------------------------------------------------------ */

typedef struct inbox {
    unsigned char *data;
    size_t len, cap;
} inbox;

/* Read what is waiting on fd. Returns 1 on more data, 0 at the end or
 * when nothing is waiting, -1 out of memory. */
static int inbox_read(inbox *in, int fd, int *open_)
{
    ssize_t r;

    if (in->cap - in->len < 65536) {
        size_t cap = in->cap * 2 + 65536;
        unsigned char *grown = realloc(in->data, cap);

        if (grown == NULL)
            return -1;
        in->data = grown;
        in->cap = cap;
    }
    r = read(fd, in->data + in->len, in->cap - in->len);
    if (r > 0) {
        in->len += (size_t)r;
        return 1;
    }
    if (r == 0 || (errno != EINTR && errno != EAGAIN))
        *open_ = 0;
    return 0;
}

typedef struct outcome {
    int status;               /* from waitpid */
    int timed_out;
    int done, error;          /* 'D' or 'E' came */
    tl_error child_err;
} outcome;

/* Wait for the child to end, reading its messages; kill it on a stall. */
static int watch(pid_t pid, int fd, tl_pcall_board *b, double timeout, inbox *in, outcome *oc,
                 tl_error *err)
{
    unsigned long seen = b->seq;
    double since = now_seconds(), stall = timeout * 6 > STALL_MIN_SECONDS ? timeout * 6
                                                                          : STALL_MIN_SECONDS;
    int open_ = 1;

    for (;;) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        pid_t w;

        if (poll(&pfd, open_ ? 1 : 0, 100) > 0 && inbox_read(in, fd, &open_) < 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &oc->status, 0);
            return tl_error_set(err, "out of memory reading the validation's results");
        }
        w = waitpid(pid, &oc->status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return tl_error_set(err, "cannot wait for the validation process: %s", strerror(errno));
        if (b->seq != seen) {
            seen = b->seq;
            since = now_seconds();
        } else if (now_seconds() - since > (b->in_call ? timeout : stall)) {
            oc->timed_out = 1;
            kill(pid, SIGKILL);
            while (waitpid(pid, &oc->status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
    }
    /* Whatever the child wrote before it ended is in the pipe. */
    while (open_)
        if (inbox_read(in, fd, &open_) <= 0)
            break;
    return 0;
}

/* Take the child's messages into out; a message cut by the child's end is dropped. */
static void unpack(const inbox *in, tl_validation *out, outcome *oc)
{
    size_t at = 0;

    while (at < in->len) {
        unsigned char type = in->data[at++];
        size_t need = type == MSG_LOADED ? sizeof(out->provides) : type == MSG_CHECK ? sizeof(tl_check)
                      : type == MSG_ERROR ? sizeof(tl_error) : type == MSG_DONE ? sizeof(done_msg) : 0;
        const unsigned char *p = in->data + at;

        if (need == 0 || in->len - at < need)
            return;
        at += need;
        if (type == MSG_LOADED) {
            memcpy(out->provides, p, sizeof(out->provides));
            out->provides[sizeof(out->provides) - 1] = '\0';
        } else if (type == MSG_CHECK) {
            tl_check *c = tl_validation_add(out);

            if (c != NULL)
                memcpy(c, p, sizeof(*c));
        } else if (type == MSG_ERROR) {
            memcpy(&oc->child_err, p, sizeof(oc->child_err));
            oc->child_err.msg[TL_ERROR_MAX - 1] = '\0';
            oc->error = 1;
        } else {
            done_msg d;

            memcpy(&d, p, sizeof(d));
            out->handshakes = d.handshakes;
            out->callback_calls = d.callback_calls;
            oc->done = 1;
        }
    }
}

static const char *signal_text(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV: a bad pointer or a stack overflow";
    case SIGBUS: return "SIGBUS: a bad memory access, or a mapped file cut short";
    case SIGABRT: return "SIGABRT: abort() or a failed assertion";
    case SIGFPE: return "SIGFPE: an arithmetic fault such as a division by zero";
    case SIGILL: return "SIGILL: an illegal instruction";
    case SIGTRAP: return "SIGTRAP: a trap or breakpoint";
    case SIGKILL: return "SIGKILL: killed from outside, or by the out-of-memory killer";
    default: return "a signal";
    }
}

/* What ended the child, as a phrase: "was killed by signal 11 (SIGSEGV: ...)". */
static void describe_end(const outcome *oc, const tl_pcall_board *b, double timeout,
                         char *buf, size_t size)
{
    if (oc->timed_out && b->in_call)
        snprintf(buf, size, "did not return within %g s (a hang or an endless loop; killed)", timeout);
    else if (oc->timed_out)
        snprintf(buf, size, "left the process stuck for more than %g s (killed)",
                 timeout * 6 > STALL_MIN_SECONDS ? timeout * 6 : STALL_MIN_SECONDS);
    else if (WIFSIGNALED(oc->status))
        snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(oc->status),
                 signal_text(WTERMSIG(oc->status)));
    else if (b->exited)
        snprintf(buf, size, "called exit(%d), which ends the whole process", b->exit_status);
    else if (WIFEXITED(oc->status))
        snprintf(buf, size, "ended the process (exit status %d, without exit handlers)",
                 WEXITSTATUS(oc->status));
    else
        snprintf(buf, size, "ended the process (wait status %#x)", (unsigned)oc->status);
}

/* The first line the loader printed while it loaded (and died), or "". */
static void loader_said(int fd, char *buf, size_t size)
{
    ssize_t n = fd >= 0 ? pread(fd, buf, size - 1, 0) : -1;
    char *start = buf, *nl;

    buf[n > 0 ? n : 0] = '\0';
    while (*start == '\n')
        start++;
    if ((nl = strchr(start, '\n')) != NULL)
        *nl = '\0';
    memmove(buf, start, strlen(start) + 1);
}

/* The failing check for a child that ended inside the plug-in (or after it). */
static void add_fault(tl_validation *out, const outcome *oc, const tl_pcall_board *b,
                      double timeout)
{
    tl_check *c;
    char how[192];
    size_t ran = out->n;

    describe_end(oc, b, timeout, how, sizeof(how));
    if ((c = tl_validation_add(out)) == NULL)
        return;
    snprintf(c->name, sizeof(c->name), "run.complete");
    c->verdict = TL_VERDICT_FAIL;
    if (oc->done)
        snprintf(c->seen, sizeof(c->seen), "after every check ran, %s %s",
                 b->in_call ? b->call : "the validation process", how);
    else if (b->in_call)
        snprintf(c->seen, sizeof(c->seen), "%s %s; the checks stopped there (%zu had run)",
                 b->call, how, ran);
    else
        snprintf(c->seen, sizeof(c->seen), "the validation process %s after %s returned; "
                 "the checks stopped there (%zu had run)", how,
                 b->call[0] ? b->call : "the plug-in's last call", ran);
    snprintf(c->expected, sizeof(c->expected),
             "every call into the plug-in returns, within %g s, and the plug-in never ends the process",
             timeout);
    snprintf(c->why, sizeof(c->why),
             "A callback that crashes, aborts, exits or hangs does the same inside your server: "
             "one handshake takes down or stalls the process and every connection it serves. "
             "The checks after this point did not run, so this plug-in cannot pass.");
}

int tl_validate_contained(const char *path, const char *arg, double timeout, tl_validation *out,
                          tl_error *err)
{
    tl_pcall_board *b;
    inbox in = { NULL, 0, 0 };
    outcome oc;
    tl_error e = { "" };
    double start = now_seconds();
    int fds[2], rc;
    pid_t pid;

    memset(out, 0, sizeof(*out));
    memset(&oc, 0, sizeof(oc));
    snprintf(out->plugin, sizeof(out->plugin), "%s", path);
    if (timeout <= 0)
        timeout = TL_VALIDATE_TIMEOUT_DEFAULT;
    if (tl_elf_check_shared(path, &e) != 0)
        return tl_error_set(err, "cannot load the plug-in: %s", e.msg);
    b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED)
        return tl_error_set(err, "cannot map memory for the validation process: %s", strerror(errno));
    memset(b, 0, sizeof(*b));
    /* What the loader prints before it dies, to quote in one line. */
    b->loader_fd = memfd_create("ticketlab-loader-stderr", MFD_CLOEXEC);
    if (pipe2(fds, O_CLOEXEC) != 0) {
        rc = tl_error_set(err, "cannot make a pipe for the validation process: %s", strerror(errno));
        if (b->loader_fd >= 0)
            close(b->loader_fd);
        munmap(b, sizeof(*b));
        return rc;
    }
    fflush(NULL);             /* nothing buffered is written twice */
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        run_child(fds[1], b, path, arg);
    }
    close(fds[1]);
    if (pid < 0) {
        rc = tl_error_set(err, "cannot start the validation process: %s", strerror(errno));
    } else if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        rc = tl_error_set(err, "cannot set up the pipe of the validation process: %s", strerror(errno));
    } else {
        rc = watch(pid, fds[0], b, timeout, &in, &oc, err);
    }
    close(fds[0]);
    if (rc == 0) {
        unpack(&in, out, &oc);
        if (oc.error) {
            rc = tl_error_set(err, "%s", oc.child_err.msg);
        } else if (b->loading) {
            char how[192], said[256];

            describe_end(&oc, b, timeout, how, sizeof(how));
            loader_said(b->loader_fd, said, sizeof(said));
            rc = tl_error_set(err, "cannot load the plug-in: %s: loading it %s (a corrupt shared "
                                   "object, or a constructor that crashes, exits or hangs)%s%s%s",
                              path, how, said[0] ? "; the loader said: \"" : "", said,
                              said[0] ? "\"" : "");
        } else if (!oc.done || oc.timed_out || !WIFEXITED(oc.status) || WEXITSTATUS(oc.status) != 0) {
            add_fault(out, &oc, b, timeout);
        }
    }
    free(in.data);
    if (b->loader_fd >= 0)
        close(b->loader_fd);
    munmap(b, sizeof(*b));
    out->seconds = now_seconds() - start;
    return rc;
}
