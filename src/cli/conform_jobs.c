/*
 * conform_jobs.c - the conformance rows in worker processes; see
 * conform_jobs.h.
 *
 * The parent runs no row. It splits the selected rows into groups (rows
 * whose worlds share a set-up; a row whose world is never kept is a group
 * of its own), forks the workers, and hands each free worker the next
 * group in table order. Two pipes per worker:
 *
 *   parent -> worker   a group: u32 count, then count u32 row indices;
 *                      end of file: no more work, exit
 *   worker -> parent   one message per row, in the group's order:
 *                      u32 length, then the row's result (encode_result)
 *
 * A message is written whole by a worker that is alive, so the parent
 * reads it with blocking reads once poll() says it has started; an end of
 * file before the group's last result means the worker died.
 */
#define _GNU_SOURCE              /* sched_getaffinity */
#include "conform_jobs.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "scenario.h"
#include "scenario_memo.h"   /* TL_SCENARIO_MEMO_KEY_MAX */

#define NO_GROUP ((size_t)-1)
/* A result: the fixed fields, two outcomes and four strings, at most. */
#define RESULT_MAX (64 + 2 * sizeof(tl_outcome) + TL_EXPECT_WHY_MAX + 2 * TL_ROW_DIFF_MAX + TL_ERROR_MAX)

int tl_jobs_default(void)
{
    cpu_set_t set;
    long n;

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set) < TL_JOBS_MAX ? CPU_COUNT(&set) : TL_JOBS_MAX;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n < TL_JOBS_MAX ? (int)n : TL_JOBS_MAX;
}

/* ---- groups of rows that share a set-up ------------------------------------ */

/* The selected rows ordered by group, groups in the order of their first
 * row: group g is order[start[g] .. start[g + 1] - 1]. */
typedef struct groups {
    size_t *order;
    size_t *start;
    size_t n;
} groups;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ? h : 1;
}

/*
 * Group the rows by their world key. A hash stands for the key: two keys
 * with the same hash would only share a worker, never a result. Linear in
 * the rows (an open-addressing table of hashes). Returns 0 or -1 (memory).
 */
static int make_groups(const tl_suite *s, const size_t *rows, size_t n, groups *g)
{
    size_t cap = 16, *group_of = NULL, *count = NULL, *slot_group = NULL;
    uint64_t *slot_hash = NULL;
    int rc = -1;

    memset(g, 0, sizeof(*g));
    while (cap < 2 * n)
        cap *= 2;
    group_of = malloc(n * sizeof(*group_of));
    slot_hash = calloc(cap, sizeof(*slot_hash));
    slot_group = malloc(cap * sizeof(*slot_group));
    g->order = malloc(n * sizeof(*g->order));
    g->start = calloc(n + 1, sizeof(*g->start));
    if (group_of == NULL || slot_hash == NULL || slot_group == NULL || g->order == NULL || g->start == NULL)
        goto done;
    for (size_t i = 0; i < n; i++) {
        char key[TL_SCENARIO_MEMO_KEY_MAX];
        size_t at;
        uint64_t h;

        if (tl_scenario_world_key(&s->rows[rows[i]].scenario, key, sizeof(key)) != 0) {
            group_of[i] = g->n++;      /* a fresh world every run: alone */
            continue;
        }
        h = fnv1a(key);
        for (at = h & (cap - 1); slot_hash[at] != 0 && slot_hash[at] != h; at = (at + 1) & (cap - 1))
            ;
        if (slot_hash[at] == 0) {
            slot_hash[at] = h;
            slot_group[at] = g->n++;
        }
        group_of[i] = slot_group[at];
    }
    /* Counting sort by group: start[] first holds the sizes. */
    count = calloc(g->n + 1, sizeof(*count));
    if (count == NULL)
        goto done;
    for (size_t i = 0; i < n; i++)
        g->start[group_of[i] + 1]++;
    for (size_t k = 0; k < g->n; k++)
        g->start[k + 1] += g->start[k];
    for (size_t i = 0; i < n; i++)
        g->order[g->start[group_of[i]] + count[group_of[i]]++] = rows[i];
    rc = 0;
done:
    free(group_of);
    free(slot_hash);
    free(slot_group);
    free(count);
    if (rc != 0) {
        free(g->order);
        free(g->start);
        memset(g, 0, sizeof(*g));
    }
    return rc;
}

/* ---- a row's result on the wire -------------------------------------------- */

typedef struct buf {
    unsigned char *p;
    size_t len, cap, at;     /* at: the reading position */
} buf;

/* Append len bytes; past the capacity, only len grows (the caller checks len <= cap). */
static void put(buf *b, const void *v, size_t len)
{
    if (b->len <= b->cap && len <= b->cap - b->len)
        memcpy(&b->p[b->len], v, len);
    b->len += len;
}

static int get(buf *b, void *v, size_t len)
{
    if (b->at + len > b->len)
        return -1;
    memcpy(v, b->p + b->at, len);
    b->at += len;
    return 0;
}

static void put_string(buf *b, const char *s)
{
    uint32_t len = (uint32_t)strlen(s);

    put(b, &len, sizeof(len));
    put(b, s, len);
}

static int get_string(buf *b, char *s, size_t size)
{
    uint32_t len;

    if (get(b, &len, sizeof(len)) != 0 || len >= size || get(b, s, len) != 0)
        return -1;
    s[len] = '\0';
    return 0;
}

/* An outcome: its fields before the log, then the log's used entries only. */
static void put_outcome(buf *b, const tl_outcome *o)
{
    put(b, o, offsetof(tl_outcome, log));
    put(b, &o->log.n, sizeof(o->log.n));
    put(b, &o->log.cut, sizeof(o->log.cut));
    put(b, o->log.e, o->log.n * sizeof(o->log.e[0]));
}

static int get_outcome(buf *b, tl_outcome *o)
{
    memset(o, 0, sizeof(*o));
    if (get(b, o, offsetof(tl_outcome, log)) != 0 || get(b, &o->log.n, sizeof(o->log.n)) != 0
        || get(b, &o->log.cut, sizeof(o->log.cut)) != 0 || o->log.n > TL_CBLOG_MAX)
        return -1;
    return get(b, o->log.e, o->log.n * sizeof(o->log.e[0]));
}

/* What tl_suite_run_row() filled in, for row `index`. */
static void encode_result(buf *b, uint32_t index, const tl_row *r)
{
    const tl_row_result *res = r->res;
    int32_t status = (int32_t)r->status, predicted_ok = res->predicted_ok, lib_na = r->lib_na != NULL;

    put(b, &index, sizeof(index));
    put(b, &status, sizeof(status));
    put(b, &lib_na, sizeof(lib_na));
    put(b, &predicted_ok, sizeof(predicted_ok));
    put(b, &res->seconds, sizeof(res->seconds));
    put_outcome(b, &res->expected);
    put_outcome(b, &res->observed);
    put_outcome(b, &res->predicted);
    put_string(b, res->engine_why);
    put_string(b, res->diff);
    put_string(b, res->engine_diff);
    put_string(b, res->error);
}

/* Back into the row the message names, which must be `want`. Returns 0 or -1. */
static int decode_result(buf *b, tl_suite *s, size_t want)
{
    uint32_t index;
    int32_t status, predicted_ok, lib_na;
    tl_row_result *res;

    if (get(b, &index, sizeof(index)) != 0 || index != want)
        return -1;
    if (s->rows[index].res == NULL && (s->rows[index].res = malloc(sizeof(*res))) == NULL)
        return -1;
    res = s->rows[index].res;
    if (get(b, &status, sizeof(status)) != 0 || get(b, &lib_na, sizeof(lib_na)) != 0
        || get(b, &predicted_ok, sizeof(predicted_ok)) != 0
        || get(b, &res->seconds, sizeof(res->seconds)) != 0 || get_outcome(b, &res->expected) != 0
        || get_outcome(b, &res->observed) != 0 || get_outcome(b, &res->predicted) != 0
        || get_string(b, res->engine_why, sizeof(res->engine_why)) != 0
        || get_string(b, res->diff, sizeof(res->diff)) != 0
        || get_string(b, res->engine_diff, sizeof(res->engine_diff)) != 0
        || get_string(b, res->error, sizeof(res->error)) != 0 || b->at != b->len)
        return -1;
    s->rows[index].status = (tl_row_status)status;
    /* The sentence is the library's, the same in every process: ask again. */
    s->rows[index].lib_na = lib_na ? tl_scenario_lacks(&s->rows[index].scenario) : NULL;
    res->predicted_ok = predicted_ok;
    return 0;
}

/* ---- the workers -------------------------------------------------------------- */

typedef struct worker {
    pid_t pid;               /* 0: not running */
    int cmd_fd, res_fd;      /* the parent's ends; -1 closed */
    size_t *rows;            /* the rows it was handed and has not answered */
    size_t n_rows, done;     /* rows[done] is the one it is running */
    size_t last_row;         /* the last row it answered, NO_GROUP: none */
} worker;

/* The worker's life: run the groups it is sent, answer each row, exit at end of file. */
static void worker_main(tl_suite *s, int cmd_fd, int res_fd)
{
    size_t cap = RESULT_MAX + sizeof(uint32_t);
    unsigned char *mem = malloc(cap);
    uint32_t count, index;
    int rc = 0;

    if (mem == NULL)
        exit(3);
    buf b = { mem, 0, cap, 0 };
    while (rc == 0 && tl_fd_read_exact(cmd_fd, &count, sizeof(count)) == 0) {
        for (uint32_t i = 0; rc == 0 && i < count; i++) {
            uint32_t len;

            if (tl_fd_read_exact(cmd_fd, &index, sizeof(index)) != 0 || index >= s->n) {
                rc = 4;
                break;
            }
            if (tl_suite_run_row(&s->rows[index]) == TL_ROW_ERROR && s->rows[index].res == NULL) {
                rc = 3;   /* out of memory: the parent fails the row */
                break;
            }
            b.len = sizeof(len);
            encode_result(&b, index, &s->rows[index]);
            len = (uint32_t)(b.len - sizeof(len));
            memcpy(b.p, &len, sizeof(len));
            if (b.len > b.cap || tl_fd_write_all(res_fd, b.p, b.len) != 0)
                rc = 5;
        }
    }
    free(b.p);
    close(cmd_fd);
    close(res_fd);
    /* exit(), not _exit(): a sanitizer build checks this process's leaks. */
    exit(rc);
}

/* Start worker w. Returns 0 or -1 with err. */
static int worker_start(worker *ws, int n_ws, worker *w, tl_suite *s, tl_error *err)
{
    int cmd[2], res[2];

    if (pipe(cmd) != 0)
        return tl_error_set(err, "cannot make a pipe for a worker process: %s", strerror(errno));
    if (pipe(res) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        return tl_error_set(err, "cannot make a pipe for a worker process: %s", strerror(errno));
    }
    fflush(NULL);   /* nothing buffered is written twice */
    w->pid = fork();
    if (w->pid < 0) {
        w->pid = 0;
        close(cmd[0]);
        close(cmd[1]);
        close(res[0]);
        close(res[1]);
        return tl_error_set(err, "cannot start a worker process: %s", strerror(errno));
    }
    if (w->pid == 0) {
        /* Only its own ends: another worker's pipes held open here would
         * hide that worker's end of file. */
        for (int i = 0; i < n_ws; i++) {
            if (ws[i].cmd_fd >= 0)
                close(ws[i].cmd_fd);
            if (ws[i].res_fd >= 0)
                close(ws[i].res_fd);
        }
        close(cmd[1]);
        close(res[0]);
        signal(SIGPIPE, SIG_DFL);
        worker_main(s, cmd[0], res[1]);
    }
    close(cmd[0]);
    close(res[1]);
    w->cmd_fd = cmd[1];
    w->res_fd = res[0];
    w->rows = NULL;
    w->n_rows = w->done = 0;
    w->last_row = NO_GROUP;
    return 0;
}

/* Hand w the rows list[0..n-1]. Returns 0, or -1 (the worker is gone). */
static int worker_give(worker *w, const size_t *list, size_t n)
{
    uint32_t msg[1 + 64];
    uint32_t count = (uint32_t)n;

    w->rows = (size_t *)list;
    w->n_rows = n;
    w->done = 0;
    if (tl_fd_write_all(w->cmd_fd, &count, sizeof(count)) != 0)
        return -1;
    for (size_t i = 0; i < n; i += 64) {
        size_t k = n - i < 64 ? n - i : 64;

        for (size_t j = 0; j < k; j++)
            msg[j] = (uint32_t)list[i + j];
        if (tl_fd_write_all(w->cmd_fd, msg, k * sizeof(msg[0])) != 0)
            return -1;
    }
    return 0;
}

/* How a finished process ended, in words, into out. */
static void describe_status(int status, char *out, size_t size)
{
    if (WIFSIGNALED(status))
        snprintf(out, size, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(out, size, "ended with wait status %#x", (unsigned)status);
}

/* Close w's pipes and reap it; returns its wait status. */
static int worker_reap(worker *w)
{
    int status = 0;

    if (w->cmd_fd >= 0)
        close(w->cmd_fd);
    if (w->res_fd >= 0)
        close(w->res_fd);
    w->cmd_fd = w->res_fd = -1;
    while (w->pid > 0 && waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        ;
    w->pid = 0;
    return status;
}

/* ---- the parent ------------------------------------------------------------------ */

typedef struct slice {
    const size_t *rows;
    size_t n;
} slice;

typedef struct pool {
    tl_suite *s;
    groups g;
    size_t next_group;        /* the next group to hand out */
    slice *left;              /* rows a dead worker did not reach: handed out first */
    size_t n_left;
    worker ws[TL_JOBS_MAX];
    int n_ws;
    buf msg;
} pool;

static int work_waiting(const pool *p)
{
    return p->n_left > 0 || p->next_group < p->g.n;
}

/* Give w the next rows waiting, if any. Returns 0, or -1 (the worker is gone). */
static int give_next(pool *p, worker *w)
{
    if (p->n_left > 0) {
        slice sl = p->left[--p->n_left];

        return worker_give(w, sl.rows, sl.n);
    }
    if (p->next_group < p->g.n) {
        size_t k = p->next_group++;

        return worker_give(w, p->g.order + p->g.start[k], p->g.start[k + 1] - p->g.start[k]);
    }
    /* Nothing left: end of file tells it to exit. */
    w->rows = NULL;
    w->n_rows = w->done = 0;
    if (w->cmd_fd >= 0)
        close(w->cmd_fd);
    w->cmd_fd = -1;
    return 0;
}

/*
 * w ended (or sent what cannot be read) before answering rows[done]: that
 * row is a harness error naming how the worker ended, the rows after it
 * wait for another worker, and a new worker takes w's place.
 */
static void worker_lost(pool *p, worker *w, const char *how)
{
    char ended[128];
    tl_row *r;
    int status;

    status = worker_reap(w);
    describe_status(status, ended, sizeof(ended));
    r = &p->s->rows[w->rows[w->done]];
    if (r->res == NULL)
        r->res = malloc(sizeof(*r->res));
    if (r->res != NULL) {
        /* Out of memory, the row stays not run: the command counts it failed. */
        memset(r->res, 0, sizeof(*r->res));
        tl_outcome_init(&r->res->observed);   /* as a row the harness could not run in one process */
        r->status = TL_ROW_ERROR;
        snprintf(r->res->error, sizeof(r->res->error), "the worker process running this row %s%s (run the "
                 "row alone with -j 1 to see it fail in one process)", how ? how : "", how ? "" : ended);
    }
    if (w->done + 1 < w->n_rows)
        p->left[p->n_left++] = (slice){ w->rows + w->done + 1, w->n_rows - w->done - 1 };
    w->rows = NULL;
    w->n_rows = w->done = 0;
}

/* One message from w: the result of rows[done]. Returns 0, or -1 when w is lost. */
static int read_result(pool *p, worker *w)
{
    uint32_t len;

    if (tl_fd_read_exact(w->res_fd, &len, sizeof(len)) != 0) {
        worker_lost(p, w, NULL);
        return -1;
    }
    p->msg.len = len;
    p->msg.at = 0;
    if (len > p->msg.cap || tl_fd_read_exact(w->res_fd, p->msg.p, len) != 0
        || decode_result(&p->msg, p->s, w->rows[w->done]) != 0) {
        kill(w->pid, SIGKILL);
        worker_lost(p, w, "sent a result that cannot be read");
        return -1;
    }
    w->last_row = w->rows[w->done++];
    return 0;
}

/* Start a worker in slot w and give it work. Returns 0 or -1 with err. */
static int start_and_give(pool *p, worker *w, tl_error *err)
{
    if (worker_start(p->ws, p->n_ws, w, p->s, err) != 0)
        return -1;
    if (give_next(p, w) != 0) {
        /* It died before reading anything: its first row fails. */
        worker_lost(p, w, NULL);
    }
    return 0;
}

/* Run until every handed-out row has come back. Returns 0, or -1 with err (no worker left). */
static int run_pool(pool *p, tl_error *err)
{
    struct pollfd fds[TL_JOBS_MAX];
    int who[TL_JOBS_MAX];

    for (;;) {
        int n = 0;

        for (int i = 0; i < p->n_ws; i++) {
            worker *w = &p->ws[i];

            if (w->pid == 0 && work_waiting(p) && start_and_give(p, w, err) != 0)
                continue;
            if (w->pid > 0 && w->done < w->n_rows) {
                fds[n] = (struct pollfd){ .fd = w->res_fd, .events = POLLIN };
                who[n++] = i;
            }
        }
        if (n == 0)
            return work_waiting(p) ? -1 : 0;
        if (poll(fds, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            return tl_error_set(err, "poll() on the worker processes failed: %s", strerror(errno));
        }
        for (int k = 0; k < n; k++) {
            worker *w = &p->ws[who[k]];

            if (fds[k].revents == 0 || read_result(p, w) != 0)
                continue;
            if (w->done == w->n_rows && give_next(p, w) != 0)
                worker_lost(p, w, NULL);
        }
    }
}

/* Reap every worker; a worker that did not exit 0 fails the run. Returns 0, or 1 with err. */
static int reap_all(pool *p, tl_error *err)
{
    int rc = 0;

    for (int i = 0; i < p->n_ws; i++) {
        worker *w = &p->ws[i];
        char ended[128];
        int status;

        if (w->pid == 0)
            continue;
        status = worker_reap(w);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            continue;
        describe_status(status, ended, sizeof(ended));
        if (rc == 0)
            tl_error_set(err, "a worker process %s after its rows (its last row: %s; a sanitizer's report "
                         "on standard error names the fault)", ended,
                         w->last_row == NO_GROUP ? "none" : p->s->rows[w->last_row].name);
        rc = 1;
    }
    return rc;
}

int tl_jobs_run(tl_suite *s, const size_t *rows, size_t n, int jobs, tl_error *err)
{
    pool p;
    struct sigaction ignore, old;
    int rc;

    memset(&p, 0, sizeof(p));
    p.s = s;
    if (make_groups(s, rows, n, &p.g) != 0)
        return tl_error_set(err, "out of memory grouping %zu rows", n);
    if (jobs > TL_JOBS_MAX)
        jobs = TL_JOBS_MAX;
    p.n_ws = p.g.n < (size_t)jobs ? (int)p.g.n : jobs;
    if (p.n_ws <= 1) {
        /* One worker would only add a fork: run here, in table order. */
        for (size_t i = 0; i < n; i++)
            tl_suite_run_row(&s->rows[rows[i]]);
        free(p.g.order);
        free(p.g.start);
        return 0;
    }
    p.left = malloc((n + 1) * sizeof(*p.left));
    p.msg.p = malloc(RESULT_MAX);
    p.msg.cap = RESULT_MAX;
    if (p.left == NULL || p.msg.p == NULL) {
        rc = tl_error_set(err, "out of memory");
        goto done;
    }
    for (int i = 0; i < p.n_ws; i++)
        p.ws[i].cmd_fd = p.ws[i].res_fd = -1;
    /* A worker that dies must not take the parent with it on a write. */
    memset(&ignore, 0, sizeof(ignore));
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &old);
    rc = run_pool(&p, err);
    if (rc == 0)
        rc = reap_all(&p, err);
    else
        reap_all(&p, &(tl_error){ "" });
    sigaction(SIGPIPE, &old, NULL);
done:
    free(p.left);
    free(p.msg.p);
    free(p.g.order);
    free(p.g.start);
    return rc;
}
