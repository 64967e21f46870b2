/*
 * sessfile.c - session cache files; see sessfile.h.
 *
 * Verified in curl's src/tool_ssls.c: tool_ssls_save writes two '#'
 * comment lines before the first session and nothing when there is none,
 * then "base64(shmac):base64(sdata)\n" per session; tool_ssls_load splits
 * each line at the first ':', base64-decodes both halves (trailing CR/LF
 * and blanks trimmed), warns with the line number on a bad line, skips it,
 * and goes on. libtls (tls_config.c, tls_config_set_session_fd) fstat()s
 * the descriptor and refuses a file that is not S_ISREG, whose st_uid is
 * not getuid(), or whose mode & 0777 is not 0600. We check the path with
 * lstat() so that a symbolic link is refused as such, and we also refuse
 * setuid, setgid and sticky bits (mode & 07777 must be 0600).
 */
#include "ticketlab/sessfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ticketlab/codec.h"
#include "fileio.h"

static const char header[] =
    "# TLS session cache, one session per line: base64(salted hash):base64(data).\n"
    "# Written by ticketlab in the format of curl --ssl-sessions. Mode 0600.\n";

static int check_stat(const char *path, const struct stat *st, unsigned flags, tl_error *err)
{
    if (S_ISLNK(st->st_mode))
        return tl_error_set(err, "%s: is a symbolic link; a session file must be "
                            "a regular file", path);
    if (S_ISDIR(st->st_mode))
        return tl_error_set(err, "%s: is a directory, not a session file", path);
    if (!S_ISREG(st->st_mode))
        return tl_error_set(err, "%s: is not a regular file", path);
    if (st->st_uid != getuid())
        return tl_error_set(err, "%s: is owned by uid %lu, not by us (uid %lu)",
                            path, (unsigned long)st->st_uid, (unsigned long)getuid());
    /* A second name elsewhere would let someone else's path reach it. */
    if (st->st_nlink != 1)
        return tl_error_set(err, "%s: has %lu hard links; a session file must have one",
                            path, (unsigned long)st->st_nlink);
    if (flags & TL_SESSFILE_SOURCE) {
        /* Only read: others reading it is the caller's warning (curl
         * writes 0666 minus umask); others writing it (sessions planted
         * by someone else), an execute or special bit (not a session
         * file), or an owner who cannot read it is refused. */
        if ((st->st_mode & 0400) == 0 || (st->st_mode & 07133) != 0)
            return tl_error_set(err, "%s: has mode %04o; a session file we read must be "
                                "readable by you, writable by nobody else, and have no "
                                "execute or setuid/setgid/sticky bit (chmod 600 it)", path,
                                (unsigned)(st->st_mode & 07777));
        return 0;
    }
    if ((st->st_mode & 07777) != 0600)
        return tl_error_set(err, "%s: has mode %04o; a session file must have "
                            "mode 0600", path, (unsigned)(st->st_mode & 07777));
    return 0;
}

int tl_sessfile_check(const char *path, tl_error *err)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return tl_error_set(err, "%s: %s", path, strerror(errno));
    return check_stat(path, &st, 0, err);
}

/* Put "PATH: " in front of the message in err. */
static int prefix_path(tl_error *err, const char *path)
{
    tl_error inner;

    if (err == NULL)
        return -1;
    inner = *err;
    return tl_error_set(err, "%s: %s", path, inner.msg);
}

/* Report a bad line and count it. */
static void bad_line(tl_sessfile_bad_fn bad, void *arg, tl_sessfile_stats *st,
                     size_t line, tl_spack_err why, const char *msg)
{
    st->bad++;
    if (bad != NULL)
        bad(arg, line, why, msg);
}

/* One session line, without its end of line. */
static void parse_line(tl_cache *c, const char *p, size_t n, size_t lineno,
                       tl_sessfile_bad_fn bad, void *arg, tl_sessfile_stats *st)
{
    const char *colon = memchr(p, ':', n);
    unsigned char *shash = NULL, *sdata = NULL;
    size_t shash_len = 0, sdata_len = 0;
    tl_spack_err why = TL_SPACK_OK;
    tl_error err;

    if (colon == NULL) {
        bad_line(bad, arg, st, lineno, TL_SPACK_ERR_NO_SEPARATOR,
                 "no ':' between salted hash and session data");
        return;
    }
    if (tl_base64_decode(p, (size_t)(colon - p), &shash, &shash_len) != 0) {
        bad_line(bad, arg, st, lineno, TL_SPACK_ERR_BAD_BASE64_SHASH,
                 "the salted hash is not valid base64");
        return;
    }
    if (tl_base64_decode(colon + 1, n - (size_t)(colon - p) - 1, &sdata, &sdata_len) != 0) {
        free(shash);
        bad_line(bad, arg, st, lineno, TL_SPACK_ERR_BAD_BASE64_SDATA,
                 "the session data is not valid base64");
        return;
    }
    tl_error_clear(&err);
    if (tl_cache_import(c, NULL, shash, shash_len, sdata, sdata_len, &why, &err) != 0)
        bad_line(bad, arg, st, lineno, why, err.msg);
    else
        st->imported++;
    free(shash);
    free(sdata);
}

int tl_sessfile_parse(tl_cache *c, const char *text, size_t len,
                      tl_sessfile_bad_fn bad, void *arg,
                      tl_sessfile_stats *stp, tl_error *err)
{
    tl_sessfile_stats st = { 0 };
    size_t off = 0;

    (void)err;
    while (off < len) {
        const char *line = text + off;
        const char *nl = memchr(line, '\n', len - off);
        size_t n = nl ? (size_t)(nl - line) : len - off;

        off += n + (nl != NULL);
        st.lines++;
        /* trailing CR and blanks, as curl trims them */
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        if (n == 0 || line[0] == '#')
            continue;
        st.sessions++;
        parse_line(c, line, n, st.lines, bad, arg, &st);
    }
    if (stp != NULL)
        *stp = st;
    return 0;
}

int tl_sessfile_load(tl_cache *c, const char *path, unsigned flags,
                     tl_sessfile_bad_fn bad, void *arg,
                     tl_sessfile_stats *st, tl_error *err)
{
    unsigned char *text = NULL;
    size_t len = 0;
    unsigned mode = 0;
    int rc;

    if (st != NULL)
        memset(st, 0, sizeof(*st));
    if (strcmp(path, "-") == 0) {
        if (tl_file_read(path, TL_SESSFILE_MAX, &text, &len, err) != 0)
            return -1;
    } else {
        struct stat sb;
        int fd;

        /* The rules are checked on the file we opened, not on the path, so
         * nothing can be swapped in between (O_NOFOLLOW: never a symlink;
         * O_NONBLOCK: a FIFO cannot stall us before fstat says what it is). */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
            if (errno == ENOENT && (flags & TL_SESSFILE_MISSING_OK))
                return 0;
            if (errno == ELOOP)
                return tl_error_set(err, "%s: is a symbolic link; a session file must be "
                                    "a regular file", path);
            return tl_error_set(err, "%s: %s", path, strerror(errno));
        }
        if (fstat(fd, &sb) != 0) {
            tl_error_set(err, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (check_stat(path, &sb, flags, err) != 0) {
            close(fd);
            return -1;
        }
        mode = (unsigned)(sb.st_mode & 07777);
        rc = tl_file_read_fd(fd, path, TL_SESSFILE_MAX, &text, &len, err);
        close(fd);
        if (rc != 0)
            return -1;
    }
    rc = tl_sessfile_parse(c, (const char *)text, len, bad, arg, st, err);
    if (st != NULL)
        st->mode = mode;
    free(text);
    if (rc != 0)
        return prefix_path(err, path);
    return 0;
}

typedef struct text_out {
    FILE *f;
    size_t count;
} text_out;

static int format_one(void *userp, const char *session_key,
                      const unsigned char *shash, size_t shash_len,
                      const unsigned char *sdata, size_t sdata_len,
                      int64_t valid_until, int ietf_tls_id,
                      const char *alpn, size_t earlydata_max)
{
    text_out *t = userp;
    char *a = tl_base64_encode(shash, shash_len);
    char *b = tl_base64_encode(sdata, sdata_len);
    int rc = -1;

    (void)session_key;
    (void)valid_until;
    (void)ietf_tls_id;
    (void)alpn;
    (void)earlydata_max;
    if (a != NULL && b != NULL) {
        if (t->count == 0)
            fputs(header, t->f);
        fprintf(t->f, "%s:%s\n", a, b);
        t->count++;
        rc = ferror(t->f) ? -1 : 0;
    }
    free(a);
    free(b);
    return rc;
}

int tl_sessfile_format(tl_cache *c, char **out, size_t *len, size_t *count,
                       tl_error *err)
{
    text_out t = { NULL, 0 };
    char *text = NULL;
    size_t n = 0;
    int fn_rc = 0, rc, bad;

    t.f = open_memstream(&text, &n);
    if (t.f == NULL)
        return tl_error_set(err, "out of memory");
    rc = tl_cache_export(c, format_one, &t, &fn_rc, err);
    bad = ferror(t.f);
    if (fclose(t.f) != 0 || bad || rc != 0) {
        free(text);
        if (rc == 0 || fn_rc != 0)
            return tl_error_set(err, "out of memory while writing the sessions");
        return -1;
    }
    *out = text;
    *len = n;
    if (count != NULL)
        *count = t.count;
    return 0;
}

int tl_sessfile_save(tl_cache *c, const char *path, size_t *count, tl_error *err)
{
    struct stat st;
    char *text;
    size_t len;
    int rc;

    if (strcmp(path, "-") != 0) {
        if (lstat(path, &st) == 0) {
            if (check_stat(path, &st, 0, err) != 0)
                return -1;
        } else if (errno != ENOENT) {
            return tl_error_set(err, "%s: %s", path, strerror(errno));
        }
    }
    if (tl_sessfile_format(c, &text, &len, count, err) != 0)
        return prefix_path(err, path);
    rc = tl_file_write_atomic(path, text, len, 0600, err);
    free(text);
    return rc;
}
