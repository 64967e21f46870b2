/*
 * pcall.h - which plug-in call is in progress, for a parent process to read.
 * Internal.
 *
 * `ticketlab validate` runs the plug-in in a child process (vcontain.c).
 * The child marks the start and the end of every call into the plug-in
 * (dlopen, tl_plugin_init, each callback, tl_plugin_rotate, tl_plugin_fini)
 * on a board in memory shared with the parent. When the child dies, exits
 * or stops making progress, the parent reads the board to say which call
 * did it. Without a board (tl_validate_plugin run in-process) the marks
 * cost one test and do nothing.
 */
#ifndef TICKETLAB_PCALL_H
#define TICKETLAB_PCALL_H

#define TL_PCALL_NAME_MAX 160

typedef struct tl_pcall_board {
    volatile unsigned long seq;   /* bumped at every mark: progress */
    volatile int in_call;         /* 1 between a begin and its end */
    volatile int loading;         /* 1 while dlopen runs */
    volatile int exited;          /* the plug-in called exit() ... */
    volatile int exit_status;     /* ... with this status */
    volatile int finished;        /* the child's own end: exit() is ours */
    int loader_fd;                /* >= 0: standard error goes here while dlopen runs */
    char call[TL_PCALL_NAME_MAX]; /* the call in progress, or the last one */
} tl_pcall_board;

/* tl_pcall_use - mark calls on b from now on (NULL: stop marking). */
void tl_pcall_use(tl_pcall_board *b);

/* tl_pcall_board_in_use - the board set by tl_pcall_use, or NULL. */
tl_pcall_board *tl_pcall_board_in_use(void);

/* tl_pcall_begin - a call into the plug-in starts; the name is printf-style. */
void tl_pcall_begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tl_pcall_end - the call started last returned. */
void tl_pcall_end(void);

/* tl_pcall_loading - dlopen starts (1) or returned (0). With a board whose
 * loader_fd is set, what the loader prints (ld.so's "Inconsistency
 * detected" before it exits) goes there instead of standard error. */
void tl_pcall_loading(int on);

#endif
