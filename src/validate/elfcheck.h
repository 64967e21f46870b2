/*
 * elfcheck.h - is this file a shared object this process could load?
 * Internal (vcontain.c).
 *
 * dlopen trusts the file: a truncated object maps pages past its end and
 * the loader dies of SIGBUS, a corrupt header can send it anywhere. The
 * header, the program headers and the extents of the segments and the
 * section table are checked first, so that the common cases (an empty or
 * cut file, a text file, an executable, an object for another machine)
 * get a sentence instead of a crash.
 */
#ifndef TICKETLAB_ELFCHECK_H
#define TICKETLAB_ELFCHECK_H

#include "ticketlab/error.h"

/*
 * tl_elf_check_shared - open `path` (a regular file only, without
 * blocking) and check that it is a whole ELF shared object of this
 * process's class, byte order and machine.
 * Returns 0, or -1 with "PATH: what is wrong with it".
 */
int tl_elf_check_shared(const char *path, tl_error *err);

#endif
