/* tmpfile.c - temporary files of atomic writes; see tmpfile.h. */
#define _GNU_SOURCE              /* O_TMPFILE */
#include "tmpfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUFFIX ".tmp."
#define SUFFIX_RANDOM 6

/* Split path into its directory ("." when none) and its last part. */
static int split(const char *path, char *dir, size_t size, const char **base)
{
    const char *slash = strrchr(path, '/');

    *base = slash ? slash + 1 : path;
    if (slash == NULL)
        return snprintf(dir, size, ".") >= (int)size ? -1 : 0;
    if (slash == path)
        return snprintf(dir, size, "/") >= (int)size ? -1 : 0;
    return snprintf(dir, size, "%.*s", (int)(slash - path), path) >= (int)size ? -1 : 0;
}

/* 1 if `name` is BASE.tmp.XXXXXX (mkstemp's six letters and digits). */
static int is_our_temp(const char *name, const char *base)
{
    size_t nb = strlen(base), ns = sizeof(SUFFIX) - 1;

    if (strncmp(name, base, nb) != 0 || strncmp(name + nb, SUFFIX, ns) != 0
        || strlen(name + nb + ns) != SUFFIX_RANDOM)
        return 0;
    for (const char *p = name + nb + ns; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

/* Remove dir/name if it is still the unlocked regular file of ours that fd is. */
static int remove_if_stale(int dfd, const char *name)
{
    struct stat st, now;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY), gone = 0;

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid()
        && st.st_nlink == 1 && flock(fd, LOCK_EX | LOCK_NB) == 0
        && fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0
        && now.st_ino == st.st_ino && now.st_dev == st.st_dev)
        gone = unlinkat(dfd, name, 0) == 0;
    close(fd);
    return gone;
}

int tl_tmp_clean_stale(const char *path)
{
    char dir[TL_TMP_PATH_MAX];
    const char *base;
    struct dirent *de;
    DIR *d;
    int dfd, n = 0;

    if (split(path, dir, sizeof(dir), &base) != 0 || *base == '\0'
        || (d = opendir(dir)) == NULL)
        return 0;
    dfd = dirfd(d);
    while ((de = readdir(d)) != NULL)
        if (is_our_temp(de->d_name, base))
            n += remove_if_stale(dfd, de->d_name);
    closedir(d);
    return n;
}

/* A fresh PATH.tmp.XXXXXX name (for linkat, which will not overwrite). */
static int random_name(const char *path, char *name, size_t size)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char r[SUFFIX_RANDOM];
    char tail[SUFFIX_RANDOM + 1];

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        return -1;
    for (size_t i = 0; i < SUFFIX_RANDOM; i++)
        tail[i] = set[r[i] % (sizeof(set) - 1)];
    tail[SUFFIX_RANDOM] = '\0';
    return snprintf(name, size, "%s" SUFFIX "%s", path, tail) >= (int)size ? -1 : 0;
}

int tl_tmp_open(const char *path, mode_t mode, tl_tmp *t, tl_error *err)
{
    char dir[TL_TMP_PATH_MAX];
    const char *base;

    t->fd = -1;
    t->unnamed = 0;
    t->name[0] = '\0';
    if (split(path, dir, sizeof(dir), &base) != 0
        || (size_t)snprintf(t->name, sizeof(t->name), "%s" SUFFIX "XXXXXX", path) >= sizeof(t->name))
        return tl_error_set(err, "%s: path too long", path);
    tl_tmp_clean_stale(path);
    t->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    if (t->fd >= 0) {
        t->unnamed = 1;
        t->name[0] = '\0';
    } else if ((t->fd = mkstemp(t->name)) < 0) {
        int e = errno;

        t->name[0] = '\0';
        return tl_error_set(err, "%s: cannot create a temporary file beside it: %s", path, strerror(e));
    }
    if (flock(t->fd, LOCK_EX) != 0 || fchmod(t->fd, mode) != 0) {
        int e = errno;

        tl_tmp_abort(t);
        return tl_error_set(err, "%s: cannot set up its temporary file: %s", path, strerror(e));
    }
    return 0;
}

/* Give the unnamed file a name beside path (linkat through /proc). */
static int name_it(tl_tmp *t, const char *path)
{
    char self[64];

    snprintf(self, sizeof(self), "/proc/self/fd/%d", t->fd);
    for (int tries = 0; tries < 16; tries++) {
        if (random_name(path, t->name, sizeof(t->name)) != 0)
            break;
        if (linkat(AT_FDCWD, self, AT_FDCWD, t->name, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        if (errno != EEXIST)
            break;
    }
    t->name[0] = '\0';
    return -1;
}

int tl_tmp_commit(tl_tmp *t, const char *path, tl_error *err)
{
    int e;

    if (t->unnamed && name_it(t, path) != 0) {
        e = errno;
        tl_tmp_abort(t);
        return tl_error_set(err, "%s: cannot name its temporary file: %s", path, strerror(e));
    }
    if (rename(t->name, path) != 0) {
        e = errno;
        tl_tmp_abort(t);
        return tl_error_set(err, "%s: cannot replace: %s", path, strerror(e));
    }
    t->name[0] = '\0';
    e = close(t->fd) != 0 ? errno : 0;
    t->fd = -1;
    return e ? tl_error_set(err, "%s: cannot write: %s", path, strerror(e)) : 0;
}

void tl_tmp_abort(tl_tmp *t)
{
    if (t->name[0] != '\0')
        unlink(t->name);
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    t->name[0] = '\0';
}
