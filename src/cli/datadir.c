/* datadir.c - the command's data files, wherever it runs; see datadir.h. */
#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TICKETLAB_BIN_TO_DATA
#define TICKETLAB_BIN_TO_DATA "../share/ticketlab"
#endif

/* Try DIR/MID/FILE (MID may be ""): 0 if readable there; else note it in tried. */
static int try_path(char *out, size_t size, char *tried, const char *dir, const char *mid, const char *file)
{
    size_t used = strlen(tried);

    char real[PATH_MAX];

    if ((size_t)snprintf(out, size, "%s/%s%s%s", dir, mid, *mid ? "/" : "", file) < size
        && access(out, R_OK) == 0) {
        /* bin/../share/ticketlab/x reads better as share/ticketlab/x. */
        if (realpath(out, real) != NULL && strlen(real) < size)
            memcpy(out, real, strlen(real) + 1);
        return 0;
    }
    snprintf(tried + used, TL_DATA_TRIED_MAX - used, "%s%s", used ? ", " : "", out);
    return -1;
}

int tl_cli_data_file(const char *name, const char *source_path, char *out, size_t size,
                     char *tried)
{
    const char *src = getenv("TICKETLAB_SOURCE_DIR");
    char exe[2048];
    ssize_t n;

    tried[0] = '\0';
    if (size == 0)
        return -1;
    if (src != NULL && *src && try_path(out, size, tried, src, "", source_path) == 0)
        return 0;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        char *slash;

        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            if (try_path(out, size, tried, exe, TICKETLAB_BIN_TO_DATA, name) == 0
                || try_path(out, size, tried, exe, "../..", source_path) == 0)
                return 0;
        }
    }
#ifdef TICKETLAB_SOURCE_TREE
    if (try_path(out, size, tried, TICKETLAB_SOURCE_TREE, "", source_path) == 0)
        return 0;
#endif
    out[0] = '\0';
    return -1;
}
