/* elfcheck.c - checking a shared object before dlopen; see elfcheck.h. */
#define _GNU_SOURCE              /* ElfW */
#include "elfcheck.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TL_ELF_DATA ELFDATA2LSB
#else
#define TL_ELF_DATA ELFDATA2MSB
#endif
#if UINTPTR_MAX == 0xffffffffu
#define TL_ELF_CLASS ELFCLASS32
#else
#define TL_ELF_CLASS ELFCLASS64
#endif

/* The machine this process runs on: the e_machine of our own executable. */
static int own_machine(void)
{
    extern const ElfW(Ehdr) __ehdr_start __attribute__((weak));

    return &__ehdr_start != NULL ? __ehdr_start.e_machine : -1;
}

/* Read exactly len bytes at off; 0, or -1 (short or failed). */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t r = pread(fd, p, len, (off_t)off);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* 1 if [off, off + count * size) lies within a file of `fsize` bytes. */
static int within(uint64_t off, uint64_t count, uint64_t size, uint64_t fsize)
{
    return off <= fsize && (size == 0 || count <= (fsize - off) / size);
}

static int check_header(const char *path, const ElfW(Ehdr) *eh, uint64_t fsize, tl_error *err)
{
    static const char *const types[] = { "an ELF file of no type", "a relocatable object (.o)",
                                         "an executable", "", "a core dump" };
    int machine = own_machine();

    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return tl_error_set(err, "%s: is not a shared object (no ELF header)", path);
    if (eh->e_ident[EI_CLASS] != TL_ELF_CLASS)
        return tl_error_set(err, "%s: is a %s ELF object; ticketlab is %s", path,
                            eh->e_ident[EI_CLASS] == ELFCLASS32 ? "32-bit" : "not a 64-bit",
                            TL_ELF_CLASS == ELFCLASS32 ? "32-bit" : "64-bit");
    if (eh->e_ident[EI_DATA] != TL_ELF_DATA)
        return tl_error_set(err, "%s: is an ELF object of the other byte order", path);
    if (eh->e_type != ET_DYN)
        return tl_error_set(err, "%s: is %s, not a shared object (build it with -shared -fPIC)", path,
                            eh->e_type < 5 && eh->e_type != ET_DYN ? types[eh->e_type]
                            : "an ELF file of an unknown type");
    if (machine >= 0 && eh->e_machine != machine)
        return tl_error_set(err, "%s: is built for another machine (ELF machine %u, this one is %d)",
                            path, (unsigned)eh->e_machine, machine);
    if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(ElfW(Phdr)))
        return tl_error_set(err, "%s: is corrupt: its ELF header gives %u program headers of %u bytes",
                            path, (unsigned)eh->e_phnum, (unsigned)eh->e_phentsize);
    if (!within(eh->e_phoff, eh->e_phnum, sizeof(ElfW(Phdr)), fsize))
        return tl_error_set(err, "%s: is truncated or corrupt: its program headers lie past "
                                 "its end (%llu bytes)", path, (unsigned long long)fsize);
    if (eh->e_shoff != 0 && !within(eh->e_shoff, eh->e_shnum, eh->e_shentsize, fsize))
        return tl_error_set(err, "%s: is truncated: its section headers lie past its end "
                                 "(%llu bytes)", path, (unsigned long long)fsize);
    return 0;
}

static int check_segments(int fd, const char *path, const ElfW(Ehdr) *eh, uint64_t fsize,
                          tl_error *err)
{
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        ElfW(Phdr) ph;

        if (read_at(fd, &ph, sizeof(ph), eh->e_phoff + (uint64_t)i * sizeof(ph)) != 0)
            return tl_error_set(err, "%s: cannot read its program headers: %s", path,
                                errno ? strerror(errno) : "short read");
        if (ph.p_type == PT_LOAD && !within(ph.p_offset, 1, ph.p_filesz, fsize))
            return tl_error_set(err, "%s: is truncated: segment %u ends past its end (%llu bytes)",
                                path, i, (unsigned long long)fsize);
    }
    return 0;
}

int tl_elf_check_shared(const char *path, tl_error *err)
{
    ElfW(Ehdr) eh;
    struct stat st;
    int fd = tl_file_open_regular(path, err), rc;

    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        rc = tl_error_set(err, "%s: cannot stat: %s", path, strerror(errno));
    } else if (st.st_size == 0) {
        rc = tl_error_set(err, "%s: is empty, not a shared object", path);
    } else if ((uint64_t)st.st_size < sizeof(eh)) {
        rc = tl_error_set(err, "%s: is not a shared object (%lld bytes, too short for an ELF header)",
                          path, (long long)st.st_size);
    } else {
        errno = 0;
        if (read_at(fd, &eh, sizeof(eh), 0) != 0)
            rc = tl_error_set(err, "%s: cannot read: %s", path, errno ? strerror(errno) : "short read");
        else
            rc = check_header(path, &eh, (uint64_t)st.st_size, err) != 0
                 || check_segments(fd, path, &eh, (uint64_t)st.st_size, err) != 0 ? -1 : 0;
    }
    close(fd);
    return rc;
}
