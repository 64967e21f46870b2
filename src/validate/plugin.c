/*
 * plugin.c - loading a plug-in's ticket callbacks; see plugin.h.
 *
 * The plug-in is opened RTLD_NOW | RTLD_LOCAL: a missing symbol fails at
 * load time with the loader's own sentence, and two plug-ins loaded one
 * after the other never see each other's names. Lookups go through the
 * handle, so they find the plug-in's definitions and never ours.
 */
#define _GNU_SOURCE              /* dlinfo, dl_iterate_phdr */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ticketlab/plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tl_plugin {
    void *handle;
    char *path;
    tl_user_callbacks cbs;
    int (*init)(const char *);
    int (*rotate)(void);
    void (*fini)(void);
    int initialised;          /* tl_plugin_init succeeded (or was not exported) */
};

/* dlsym returns a data pointer; POSIX guarantees it converts to a function pointer. */
static void *lookup(void *handle, const char *name)
{
    dlerror();
    return dlsym(handle, name);
}

/* Store a symbol into a function pointer of any type, without punning. */
#define SET_FN(fn, sym) memcpy(&(fn), &(sym), sizeof(sym))

tl_plugin *tl_plugin_load(const char *path, const char *arg, tl_error *err)
{
    tl_plugin *p = calloc(1, sizeof(*p));
    size_t n = strlen(path);
    struct stat st;
    void *sym;

    if (p == NULL || (p->path = malloc(n + 3)) == NULL) {
        free(p);
        return tl_error_set(err, "out of memory"), NULL;
    }
    /* dlopen searches the library path for a bare name: never do that. */
    strcpy(p->path, strchr(path, '/') ? "" : "./");
    strcat(p->path, path);
    /* A FIFO or device would block dlopen (or feed it forever). */
    if (stat(p->path, &st) != 0 || !S_ISREG(st.st_mode)) {
        tl_error_set(err, "cannot load the plug-in: %s: %s", path, errno == ENOENT ? "no such file"
                     : "is not a regular file (a FIFO, socket, device or directory is refused)");
        tl_plugin_unload(p);
        return NULL;
    }
    p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
    if (p->handle == NULL) {
        const char *why = dlerror();

        tl_error_set(err, "cannot load the plug-in: %s", why ? why : p->path);
        tl_plugin_unload(p);
        return NULL;
    }
    if ((sym = lookup(p->handle, "tl_plugin_ticket_key_evp_cb")) != NULL)
        SET_FN(p->cbs.key_evp, sym);
    else
        p->cbs.key_legacy = lookup(p->handle, "tl_plugin_ticket_key_cb");
    if ((sym = lookup(p->handle, "tl_plugin_decrypt_session_ticket_cb")) != NULL)
        SET_FN(p->cbs.decrypt, sym);
    if ((sym = lookup(p->handle, "tl_plugin_generate_session_ticket_cb")) != NULL)
        SET_FN(p->cbs.generate, sym);
    if ((sym = lookup(p->handle, "tl_plugin_init")) != NULL)
        SET_FN(p->init, sym);
    if ((sym = lookup(p->handle, "tl_plugin_rotate")) != NULL)
        SET_FN(p->rotate, sym);
    if ((sym = lookup(p->handle, "tl_plugin_fini")) != NULL)
        SET_FN(p->fini, sym);
    if (p->cbs.key_evp == NULL && p->cbs.key_legacy == NULL) {
        tl_error_set(err, "%s exports no key callback: define tl_plugin_ticket_key_evp_cb "
                          "(or the legacy tl_plugin_ticket_key_cb) with default visibility",
                     p->path);
        tl_plugin_unload(p);
        return NULL;
    }
    if (p->init != NULL) {
        int rc = p->init(arg);

        if (rc != 0) {
            tl_error_set(err, "tl_plugin_init(%s%s%s) returned %d",
                         arg ? "\"" : "", arg ? arg : "NULL", arg ? "\"" : "", rc);
            tl_plugin_unload(p);
            return NULL;
        }
    }
    p->initialised = 1;
    return p;
}

void tl_plugin_unload(tl_plugin *p)
{
    if (p == NULL)
        return;
    if (p->fini != NULL && p->initialised)
        p->fini();
    if (p->handle != NULL)
        dlclose(p->handle);
    free(p->path);
    free(p);
}

const tl_user_callbacks *tl_plugin_callbacks(const tl_plugin *p)
{
    return &p->cbs;
}

const char *tl_plugin_path(const tl_plugin *p)
{
    return p->path;
}

int tl_plugin_can_rotate(const tl_plugin *p)
{
    return p->rotate != NULL;
}

int tl_plugin_call_rotate(tl_plugin *p, tl_error *err)
{
    int rc;

    if (p->rotate == NULL)
        return tl_error_set(err, "the plug-in does not export tl_plugin_rotate");
    rc = p->rotate();
    if (rc != 0)
        return tl_error_set(err, "tl_plugin_rotate() returned %d", rc);
    return 0;
}

typedef struct segment_walk {
    ElfW(Addr) base;
    const char *name;
    tl_plugin_segment *out;
    size_t max, n;
} segment_walk;

static int collect_segments(struct dl_phdr_info *info, size_t size, void *arg)
{
    segment_walk *sw = arg;

    (void)size;
    if (info->dlpi_addr != sw->base || info->dlpi_name == NULL
        || strcmp(info->dlpi_name, sw->name) != 0)
        return 0;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum && sw->n < sw->max; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R) || (ph->p_flags & PF_X)
            || ph->p_memsz == 0)
            continue;
        sw->out[sw->n].addr = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        sw->out[sw->n].len = ph->p_memsz;
        sw->out[sw->n].writable = (ph->p_flags & PF_W) != 0;
        sw->n++;
    }
    return 1;
}

size_t tl_plugin_segments(const tl_plugin *p, tl_plugin_segment *out, size_t max)
{
    struct link_map *lm = NULL;
    segment_walk sw = { 0 };

    if (dlinfo(p->handle, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL)
        return 0;
    sw.base = lm->l_addr;
    sw.name = lm->l_name;
    sw.out = out;
    sw.max = max;
    dl_iterate_phdr(collect_segments, &sw);
    return sw.n;
}
