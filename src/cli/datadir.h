/*
 * datadir.h - where the command finds its data files (the expectations
 * table) when the user names none.
 *
 * The places, in order:
 *   1. $TICKETLAB_SOURCE_DIR/SOURCE_PATH        (a source tree the user names)
 *   2. EXE_DIR/BIN_TO_DATA/NAME                 (an installed ticketlab: bin/ ->
 *                                                share/ticketlab/, found from the
 *                                                running executable, so a moved
 *                                                prefix works)
 *   3. EXE_DIR/../../SOURCE_PATH                (a build tree inside the source
 *                                                tree: build/bin/)
 *   4. SOURCE_DIR/SOURCE_PATH                   (the source tree this binary was
 *                                                configured from, for build trees
 *                                                elsewhere: cmake -B /tmp/build)
 * EXE_DIR is the directory of /proc/self/exe; BIN_TO_DATA and SOURCE_DIR are
 * set by CMake (TICKETLAB_BIN_TO_DATA, TICKETLAB_SOURCE_TREE).
 */
#ifndef TICKETLAB_CLI_DATADIR_H
#define TICKETLAB_CLI_DATADIR_H

#include <stddef.h>

#define TL_DATA_TRIED_MAX 4096

/*
 * tl_cli_data_file - find the data file installed as share/ticketlab/NAME
 * and kept in the source tree as SOURCE_PATH (e.g. "expectations.tl" and
 * "conformance/expectations.tl"). Returns 0 with its path in out (a file we
 * can read), or -1 when none of the places has it, with `tried` (of
 * TL_DATA_TRIED_MAX bytes) listing the places looked in, comma-separated.
 */
int tl_cli_data_file(const char *name, const char *source_path, char *out, size_t size,
                     char *tried);

#endif
