/*
 * cblog.h - an outcome's callback log: the ticket callbacks' calls and
 * returns, in order, as structured entries with one text form.
 *
 * The text form is what the expectations table and every report show:
 * entries joined by commas, "-" for none, a trailing "..." when the log
 * was cut:
 *
 *     kdec:r1=1,dcb:SUCCESS:r1:a-=USE,gen:a-=1,kenc:r1=1
 *
 *   kdec:KEY=RET             the key callback, decrypting (enc = 0)
 *   kenc:KEY=RET             the key callback, encrypting (enc = 1)
 *   dcb:STATUS:KEY:APP=RET   the decrypt callback: the status OpenSSL gave it,
 *                            the ticket's key name, its app data, and its
 *                            SSL_TICKET_RETURN (RETURN_<n> for other values)
 *   gen:APP=RET              the generate callback and the app data it saw
 *   open:KEY=RESULT          the ticket AEAD method's open (BoringSSL, AWS-LC):
 *                            success, retry, ignore or error
 *   seal:KEY=RET             its seal: 1 sealed, 0 failed
 *
 *   KEY  r<N> (key ring revision N), b (OpenSSL's built-in key), - (no
 *        key name, or zeros), ? (anything else)
 *   APP  a- (no app data), a<N> (N bytes, ours), a<N>! (N bytes, not ours)
 *
 * KEY and APP may be left out, all of them (tl_cblog_strip): `validate`
 * compares a plug-in's log that way, since its key names are its own.
 */
#ifndef TICKETLAB_CBLOG_H
#define TICKETLAB_CBLOG_H

#include <stddef.h>

#include "ticketlab/error.h"

#define TL_CBLOG_MAX 64         /* entries kept; more are cut ("..."): the table's longest log has 8 */
#define TL_CBLOG_TEXT_MAX 1536  /* the text form is cut ("...") to fit this */

typedef enum tl_cb_kind {
    TL_CB_KDEC = 0,
    TL_CB_KENC,
    TL_CB_DCB,
    TL_CB_GEN,
    TL_CB_OPEN,         /* the ticket AEAD method's open (BoringSSL, AWS-LC) */
    TL_CB_SEAL          /* ... and its seal */
} tl_cb_kind;

typedef struct tl_cb_entry {
    tl_cb_kind kind;
    char key[8];        /* KDEC, KENC, DCB: the key name token, "" when stripped */
    int status;         /* DCB: SSL_TICKET_* */
    char app[12];       /* DCB, GEN: the app data token, "" when stripped */
    int ret;            /* what the callback returned */
} tl_cb_entry;

typedef struct tl_cblog {
    tl_cb_entry e[TL_CBLOG_MAX];
    size_t n;
    int cut;            /* entries were dropped */
} tl_cblog;

/* tl_cblog_add - append a copy of e; a full log drops it and marks itself cut. */
void tl_cblog_add(tl_cblog *log, const tl_cb_entry *e);

/* tl_cblog_strip - drop every entry's key and app tokens (the plug-in form). */
void tl_cblog_strip(tl_cblog *log);

/*
 * tl_cblog_format - the text form into buf (always NUL-terminated). Text
 * that would pass TL_CBLOG_TEXT_MAX is cut at an entry and ends in "...".
 * Returns buf.
 */
const char *tl_cblog_format(const tl_cblog *log, char *buf, size_t size);

/*
 * tl_cblog_parse - read the text form into log. Returns 0, or -1 with err
 * naming the entry that is not in the form above.
 */
int tl_cblog_parse(const char *text, tl_cblog *log, tl_error *err);

#endif
