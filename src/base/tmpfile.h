/*
 * tmpfile.h - the temporary file an atomic write goes through, and the
 * clean-up of ones a killed writer left. Internal (fileio.c).
 *
 * Where the file system has O_TMPFILE the data is written to a file with
 * no name, which vanishes with the process if it is killed; it gets a
 * name (PATH.tmp.XXXXXX, by linkat) only for the instant before the
 * rename over PATH. Elsewhere it is made by mkstemp under that name from
 * the start. Either way the writer holds an flock on it until it is
 * renamed or removed, so a temporary file whose lock is free belongs to a
 * writer that died, and the next write to the same PATH removes it.
 */
#ifndef TICKETLAB_TMPFILE_H
#define TICKETLAB_TMPFILE_H

#include <sys/types.h>

#include "ticketlab/error.h"

#define TL_TMP_PATH_MAX 4096

typedef struct tl_tmp {
    int fd;
    int unnamed;                 /* O_TMPFILE: no name until tl_tmp_commit */
    char name[TL_TMP_PATH_MAX];  /* PATH.tmp.XXXXXX once it has a name */
} tl_tmp;

/*
 * tl_tmp_open - remove stale temporary files of `path`, then make a new
 * one in its directory with `mode`, locked. Returns 0, or -1 with
 * "PATH: reason".
 */
int tl_tmp_open(const char *path, mode_t mode, tl_tmp *t, tl_error *err);

/*
 * tl_tmp_commit - close t's data into place: rename it over `path`. The
 * descriptor is closed (a failing close is an error: the data may be
 * lost). Returns 0, or -1 with "PATH: reason" (the temporary file is gone).
 */
int tl_tmp_commit(tl_tmp *t, const char *path, tl_error *err);

/* tl_tmp_abort - close and remove t. */
void tl_tmp_abort(tl_tmp *t);

/*
 * tl_tmp_clean_stale - remove PATH.tmp.XXXXXX files beside `path` that
 * are regular files of this user and that no live writer holds locked.
 * Returns how many were removed. Never fails (what cannot be read is left).
 */
int tl_tmp_clean_stale(const char *path);

#endif
