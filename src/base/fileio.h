/*
 * fileio.h - whole-file reads and crash-safe writes.
 */
#ifndef TICKETLAB_FILEIO_H
#define TICKETLAB_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "ticketlab/error.h"

/*
 * tl_file_read - read all of `path` ("-" is standard input) into a malloc'd
 * buffer (*out, NUL-terminated for convenience, the NUL not counted in
 * *len). Files larger than `max` bytes are refused, never cut.
 * Returns 0, or -1 with "PATH: reason".
 */
int tl_file_read(const char *path, size_t max, unsigned char **out,
                 size_t *len, tl_error *err);

/*
 * tl_file_open_regular - open `path` for reading if it is a regular file:
 * a FIFO, socket, device or directory is refused, without blocking.
 * Returns the descriptor (the caller closes it), or -1 with "PATH: reason".
 */
int tl_file_open_regular(const char *path, tl_error *err);

/*
 * tl_file_read_fd - tl_file_read() from a descriptor the caller opened and
 * checked (and still owns); `path` only names it in messages.
 */
int tl_file_read_fd(int fd, const char *path, size_t max, unsigned char **out,
                    size_t *len, tl_error *err);

/*
 * tl_file_write_atomic - replace `path` with `len` bytes: write a temporary
 * file in the same directory, fsync it, rename it over path, fsync the
 * directory. A crash at any point leaves the old file or the new one,
 * whole. The temporary file has no name until just before the rename
 * where the file system supports O_TMPFILE; one a killed writer left
 * behind (PATH.tmp.XXXXXX, no longer locked) is removed by the next
 * write to path. The new file gets `mode` (e.g. 0600). "-" writes to standard
 * output instead. Returns 0, or -1 with "PATH: reason" (the temporary file
 * is removed).
 */
int tl_file_write_atomic(const char *path, const void *data, size_t len,
                         mode_t mode, tl_error *err);

/*
 * tl_fd_write_all - write all len bytes to fd (a pipe, a file), again after
 * a signal or a short write. Returns 0, or -1 with errno set (EPIPE: the
 * reader is gone).
 */
int tl_fd_write_all(int fd, const void *data, size_t len);

/*
 * tl_fd_read_exact - read exactly len bytes from fd, again after a signal
 * or a short read. Returns 0, or -1 at an end of file first (errno then
 * unchanged) or an error (errno set).
 */
int tl_fd_read_exact(int fd, void *data, size_t len);

#endif
