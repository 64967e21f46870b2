/* pcall.c - marking the plug-in call in progress; see pcall.h. */
#include "pcall.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static tl_pcall_board *board;
static int saved_stderr = -1;

void tl_pcall_use(tl_pcall_board *b)
{
    board = b;
}

tl_pcall_board *tl_pcall_board_in_use(void)
{
    return board;
}

void tl_pcall_begin(const char *fmt, ...)
{
    va_list ap;

    if (board == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(board->call, sizeof(board->call), fmt, ap);
    va_end(ap);
    board->in_call = 1;
    __atomic_add_fetch(&board->seq, 1, __ATOMIC_SEQ_CST);
}

void tl_pcall_end(void)
{
    if (board == NULL)
        return;
    board->in_call = 0;
    __atomic_add_fetch(&board->seq, 1, __ATOMIC_SEQ_CST);
}

void tl_pcall_loading(int on)
{
    if (board == NULL)
        return;
    board->loading = on;
    if (on) {
        fflush(stderr);
        if (board->loader_fd >= 0 && (saved_stderr = dup(STDERR_FILENO)) >= 0
            && dup2(board->loader_fd, STDERR_FILENO) < 0) {
            close(saved_stderr);
            saved_stderr = -1;
        }
        tl_pcall_begin("dlopen (loading the shared object and running its constructors)");
    } else {
        tl_pcall_end();
        if (saved_stderr >= 0) {
            dup2(saved_stderr, STDERR_FILENO);
            close(saved_stderr);
            saved_stderr = -1;
        }
    }
}
