/*
 * sessfile.h - session cache files: curl's --ssl-sessions format, kept
 * under libtls's rules.
 *
 * The format is the one curl's command line tool reads and writes
 * (curl: src/tool_ssls.c, tool_ssls_load/tool_ssls_save): lines starting
 * with '#' are comments, every other line is one session,
 *
 *     base64(salted hash) ':' base64(session data)
 *
 * with standard, padded base64 and the session data packed as in spack.h.
 * Like curl, a line that cannot be read is reported with its number and
 * skipped; the other lines still import. Like curl, we write nothing at
 * all, not even the comment header, when there is no session to write.
 *
 * The file itself follows libtls's rules for tls_config_set_session_fd():
 * it must be a regular file (not a symbolic link, not a directory), owned
 * by the user (getuid(), as libtls checks), with mode exactly 0600; a file
 * that is only read may also be 0400, or readable by others (the caller
 * warns): see TL_SESSFILE_SOURCE. An empty file means no sessions. Writes replace the file atomically (fileio.h), so a process
 * killed at any moment leaves the old file or the new one, whole.
 */
#ifndef TICKETLAB_SESSFILE_H
#define TICKETLAB_SESSFILE_H

#include <stddef.h>

#include "ticketlab/cache.h"
#include "ticketlab/error.h"
#include "ticketlab/spack.h"

#define TL_SESSFILE_MAX (16u * 1024 * 1024)   /* larger files are refused */

/* Flags for tl_sessfile_load(). */
#define TL_SESSFILE_MISSING_OK 0x1   /* a file that does not exist holds no sessions */
#define TL_SESSFILE_SOURCE 0x2       /* a file we only read (curl's --ssl-sessions file,
                                        0666 minus umask): the owner can read it, and it
                                        has no group or other write bit, no execute bit
                                        and no setuid/setgid/sticky bit (0600, 0400,
                                        0640, 0644...); st->mode tells the caller to
                                        warn when others can read it */

/* Counts from reading a session file. */
typedef struct tl_sessfile_stats {
    size_t lines;       /* lines read, comments included */
    size_t sessions;    /* lines that were not comments or blank */
    size_t imported;    /* sessions now in the cache */
    size_t bad;         /* sessions refused (each reported) */
    unsigned mode;      /* tl_sessfile_load: the file's permission bits (0: stdin) */
} tl_sessfile_stats;

/*
 * tl_sessfile_bad_fn - told about each line that was refused: its number
 * (from 1), the reason and a sentence without the file name.
 */
typedef void (*tl_sessfile_bad_fn)(void *arg, size_t line, tl_spack_err why,
                                   const char *msg);

/*
 * tl_sessfile_check - apply libtls's rules to path: it exists, is a
 * regular file and not a symbolic link, is owned by getuid(), has one hard
 * link and has mode exactly 0600. Returns 0, or -1 with "PATH: reason" in err.
 */
int tl_sessfile_check(const char *path, tl_error *err);

/*
 * tl_sessfile_parse - import the sessions in `len` bytes of file text into
 * c. Comment and blank lines are skipped; each bad line is given to bad
 * (may be NULL) and skipped. st (may be NULL) receives the counts.
 * Returns 0 however many lines were bad; -1 with err only when the text
 * cannot be processed at all (no memory).
 */
int tl_sessfile_parse(tl_cache *c, const char *text, size_t len,
                      tl_sessfile_bad_fn bad, void *arg,
                      tl_sessfile_stats *st, tl_error *err);

/*
 * tl_sessfile_load - open the file at path, check tl_sessfile_check()'s
 * rules on what was opened (no symlink is followed, one hard link only, so
 * nothing can be swapped in between), then tl_sessfile_parse() it ("-"
 * reads standard input, unchecked). With TL_SESSFILE_MISSING_OK a file that
 * does not exist is an empty cache; with TL_SESSFILE_SOURCE the mode rule
 * is the relaxed one for files we only read.
 * Returns 0 (bad lines are reported, not fatal), or -1 with "PATH: reason".
 */
int tl_sessfile_load(tl_cache *c, const char *path, unsigned flags,
                     tl_sessfile_bad_fn bad, void *arg,
                     tl_sessfile_stats *st, tl_error *err);

/*
 * tl_sessfile_format - the file text for every exportable session in c
 * (tl_cache_export order): a two-line '#' header, then one line per
 * session; empty when there are none. *out is malloc'd, NUL-terminated,
 * *len excludes the NUL; *count (may be NULL) is the number of sessions.
 * Returns 0, or -1 with err.
 */
int tl_sessfile_format(tl_cache *c, char **out, size_t *len, size_t *count,
                       tl_error *err);

/*
 * tl_sessfile_save - write c's sessions to path atomically with mode 0600
 * ("-" writes to standard output). An existing path must pass
 * tl_sessfile_check() first: we never replace a symbolic link, a directory
 * or somebody else's file. *count as for tl_sessfile_format.
 * Returns 0, or -1 with "PATH: reason".
 */
int tl_sessfile_save(tl_cache *c, const char *path, size_t *count, tl_error *err);

#endif
