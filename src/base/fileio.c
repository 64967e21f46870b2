/* fileio.c - whole-file reads and crash-safe writes; see fileio.h. */
#include "fileio.h"

#include "tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tl_file_read_fd(int fd, const char *path, size_t max, unsigned char **out,
                    size_t *len, tl_error *err)
{
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap + 1);

    if (buf == NULL)
        return tl_error_set(err, "%s: out of memory", path);
    for (;;) {
        ssize_t r;

        if (n == cap) {
            unsigned char *bigger;

            if (cap > max) {
                free(buf);
                return tl_error_set(err, "%s: larger than %zu bytes", path, max);
            }
            cap *= 2;
            bigger = realloc(buf, cap + 1);
            if (bigger == NULL) {
                free(buf);
                return tl_error_set(err, "%s: out of memory", path);
            }
            buf = bigger;
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            return tl_error_set(err, "%s: cannot read: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return tl_error_set(err, "%s: larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int tl_file_open_regular(const char *path, tl_error *err)
{
    struct stat st;
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0)
        return tl_error_set(err, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int dir = S_ISDIR(st.st_mode);

        close(fd);
        return tl_error_set(err, "%s: %s", path, dir ? "is a directory, not a file"
                            : "is not a regular file (a FIFO, socket or device is refused: it could block)");
    }
    return fd;
}

int tl_file_read(const char *path, size_t max, unsigned char **out,
                 size_t *len, tl_error *err)
{
    int fd, rc;

    if (strcmp(path, "-") == 0)
        return tl_file_read_fd(STDIN_FILENO, "<stdin>", max, out, len, err);
    if ((fd = tl_file_open_regular(path, err)) < 0)
        return -1;
    rc = tl_file_read_fd(fd, path, max, out, len, err);
    close(fd);
    return rc;
}

/* Move len bytes between fd and p, one way, again after a signal or a short transfer. */
static int transfer(int fd, unsigned char *p, const unsigned char *q, size_t len)
{
    while (len > 0) {
        ssize_t n = p != NULL ? read(fd, p, len) : write(fd, q, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        if (p != NULL)
            p += n;
        else
            q += n;
        len -= (size_t)n;
    }
    return 0;
}

int tl_fd_write_all(int fd, const void *data, size_t len)
{
    return transfer(fd, NULL, data, len);
}

int tl_fd_read_exact(int fd, void *data, size_t len)
{
    return transfer(fd, data, NULL, len);
}

int tl_file_write_atomic(const char *path, const void *data, size_t len,
                         mode_t mode, tl_error *err)
{
    char dir[4096];
    tl_tmp t;
    struct stat st;
    int fd, dfd, e;

    if (strcmp(path, "-") == 0) {
        if (tl_fd_write_all(STDOUT_FILENO, data, len) != 0)
            return tl_error_set(err, "<stdout>: cannot write: %s", strerror(errno));
        return 0;
    }
    /* Never rename over a device, a FIFO, a socket or a directory. A
     * character device (/dev/null, /dev/stderr) is written in place; a
     * symlink itself is replaced, its target left alone. */
    if (lstat(path, &st) == 0 && S_ISCHR(st.st_mode)) {
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            return tl_error_set(err, "%s: cannot open: %s", path, strerror(errno));
        e = tl_fd_write_all(fd, data, len) != 0 ? errno : 0;
        close(fd);
        return e ? tl_error_set(err, "%s: cannot write: %s", path, strerror(e)) : 0;
    }
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        return tl_error_set(err, "%s: is not a regular file; refusing to replace it", path);
    if (tl_tmp_open(path, mode, &t, err) != 0)
        return -1;
    if (tl_fd_write_all(t.fd, data, len) != 0 || fsync(t.fd) != 0) {
        e = errno;
        tl_tmp_abort(&t);
        return tl_error_set(err, "%s: cannot write: %s", path, strerror(e));
    }
    if (tl_tmp_commit(&t, path, err) != 0)
        return -1;
    /* Make the rename itself durable. */
    snprintf(dir, sizeof(dir), "%s", path);
    dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        int rc = fsync(dfd);
        e = errno;
        close(dfd);
        if (rc != 0)
            return tl_error_set(err, "%s: cannot sync its directory: %s", path, strerror(e));
    }
    return 0;
}
