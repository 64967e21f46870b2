/* events.c - the callback event log; see events.h. */
#include "ticketlab/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/tlslib.h"

#include "ticketlab/codec.h"
#include "json.h"

void tl_event_log_init(tl_event_log *log)
{
    memset(log, 0, sizeof(*log));
}

void tl_event_log_truncate(tl_event_log *log, size_t n)
{
    for (size_t i = n; i < log->n; i++)
        free(log->ev[i].appdata);
    if (n < log->n)
        log->n = n;
}

void tl_event_log_reset(tl_event_log *log)
{
    tl_event_log_truncate(log, 0);
}

void tl_event_log_free(tl_event_log *log)
{
    tl_event_log_reset(log);
    free(log->ev);
    tl_event_log_init(log);
}

int tl_event_log_add(tl_event_log *log, const tl_event *e)
{
    tl_event copy = *e;

    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 16;
        tl_event *bigger = realloc(log->ev, cap * sizeof(*bigger));

        if (bigger == NULL)
            return -1;
        log->ev = bigger;
        log->cap = cap;
    }
    copy.appdata = NULL;
    if (e->has_appdata) {
        copy.appdata = malloc(e->appdata_len ? e->appdata_len : 1);
        if (copy.appdata == NULL)
            return -1;
        if (e->appdata_len)
            memcpy(copy.appdata, e->appdata, e->appdata_len);
    }
    log->ev[log->n++] = copy;
    return 0;
}

size_t tl_event_log_count(const tl_event_log *log, tl_event_kind kind, int hs)
{
    size_t n = 0;

    for (size_t i = 0; i < log->n; i++)
        if (log->ev[i].kind == kind && (hs < 0 || log->ev[i].handshake == hs))
            n++;
    return n;
}

const char *tl_ticket_status_name(int status)
{
    switch (status) {
    case SSL_TICKET_FATAL_ERR_MALLOC: return "FATAL_ERR_MALLOC";
    case SSL_TICKET_FATAL_ERR_OTHER: return "FATAL_ERR_OTHER";
    case SSL_TICKET_NONE: return "NONE";
    case SSL_TICKET_EMPTY: return "EMPTY";
    case SSL_TICKET_NO_DECRYPT: return "NO_DECRYPT";
    case SSL_TICKET_SUCCESS: return "SUCCESS";
    case SSL_TICKET_SUCCESS_RENEW: return "SUCCESS_RENEW";
    default: return "UNKNOWN_STATUS";
    }
}

int tl_ticket_status_parse(const char *name, int *status)
{
    for (int st = SSL_TICKET_FATAL_ERR_MALLOC; st <= SSL_TICKET_SUCCESS_RENEW; st++)
        if (strcmp(name, tl_ticket_status_name(st)) == 0) {
            *status = st;
            return 0;
        }
    return -1;
}

int tl_ticket_return_parse(const char *name, int *ret)
{
    static const int all[] = { SSL_TICKET_RETURN_ABORT, SSL_TICKET_RETURN_IGNORE,
                               SSL_TICKET_RETURN_IGNORE_RENEW, SSL_TICKET_RETURN_USE,
                               SSL_TICKET_RETURN_USE_RENEW };
    char *end;
    long v;

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(name, tl_ticket_return_name(all[i])) == 0) {
            *ret = all[i];
            return 0;
        }
    v = strtol(name, &end, 10);
    if (*name == '\0' || *end != '\0' || v < -1000000 || v > 1000000)
        return -1;
    *ret = (int)v;
    return 0;
}

const char *tl_ticket_return_name(int ret)
{
    static char other[32];

    switch (ret) {
    case SSL_TICKET_RETURN_ABORT: return "ABORT";
    case SSL_TICKET_RETURN_IGNORE: return "IGNORE";
    case SSL_TICKET_RETURN_IGNORE_RENEW: return "IGNORE_RENEW";
    case SSL_TICKET_RETURN_USE: return "USE";
    case SSL_TICKET_RETURN_USE_RENEW: return "USE_RENEW";
    default:
        snprintf(other, sizeof(other), "RETURN_%d", ret);
        return other;
    }
}

const char *tl_event_kind_name(tl_event_kind kind)
{
    switch (kind) {
    case TL_EV_KEY_CB: return "key_cb";
    case TL_EV_DECRYPT_CB: return "decrypt_cb";
    case TL_EV_GENERATE_CB: return "generate_cb";
    case TL_EV_AEAD_OPEN: return "aead_open";
    case TL_EV_AEAD_SEAL: return "aead_seal";
    }
    return "unknown";
}

void tl_event_format(const tl_event *e, char *buf, size_t size)
{
    char name[33] = "", app[2 * 16 + 4] = "-";

    if (e->has_appdata) {
        size_t shown = e->appdata_len > 16 ? 16 : e->appdata_len;

        tl_hex_encode(e->appdata, shown, app);
        if (shown < e->appdata_len)
            strcat(app, "..");
    }
    switch (e->kind) {
    case TL_EV_KEY_CB:
        tl_hex_encode(e->key_name, 16, name);
        snprintf(buf, size, "hs%d key_cb %s name=%s -> %d", e->handshake,
                 e->enc ? "enc" : "dec", name, e->ret);
        break;
    case TL_EV_DECRYPT_CB:
        tl_hex_encode(e->key_name, e->key_name_len > 16 ? 16 : e->key_name_len, name);
        snprintf(buf, size, "hs%d decrypt_cb status=%s name=%s appdata=%s(%zu) -> %s",
                 e->handshake, tl_ticket_status_name(e->status),
                 name[0] ? name : "-", app, e->has_appdata ? e->appdata_len : 0,
                 tl_ticket_return_name(e->ret));
        break;
    case TL_EV_GENERATE_CB:
        snprintf(buf, size, "hs%d generate_cb appdata=%s(%zu) -> %d", e->handshake,
                 app, e->has_appdata ? e->appdata_len : 0, e->ret);
        break;
    case TL_EV_AEAD_OPEN:
    case TL_EV_AEAD_SEAL:
        tl_hex_encode(e->key_name, 16, name);
        snprintf(buf, size, "hs%d %s name=%s -> %s", e->handshake, tl_event_kind_name(e->kind), name,
                 e->kind == TL_EV_AEAD_OPEN ? tl_aead_result_name(e->ret) : e->ret ? "sealed" : "failed");
        break;
    }
}

void tl_event_write_json(FILE *f, const tl_event *e)
{
    fprintf(f, "{\"kind\":\"%s\",\"handshake\":%d", tl_event_kind_name(e->kind), e->handshake);
    switch (e->kind) {
    case TL_EV_KEY_CB:
        fprintf(f, ",\"enc\":%s,\"key_name\":", e->enc ? "true" : "false");
        tl_json_hex(f, e->key_name, 16);
        fprintf(f, ",\"ret\":%d", e->ret);
        break;
    case TL_EV_AEAD_OPEN:
    case TL_EV_AEAD_SEAL:
        fputs(",\"key_name\":", f);
        tl_json_hex(f, e->key_name, 16);
        fputs(",\"ret\":", f);
        if (e->kind == TL_EV_AEAD_OPEN)
            tl_json_string(f, tl_aead_result_name(e->ret));
        else
            fprintf(f, "%d", e->ret);
        break;
    case TL_EV_DECRYPT_CB:
        fprintf(f, ",\"status\":\"%s\",\"key_name\":", tl_ticket_status_name(e->status));
        tl_json_hex(f, e->key_name, e->key_name_len > 16 ? 16 : e->key_name_len);
        fprintf(f, ",\"has_session\":%s,\"ret\":", e->has_session ? "true" : "false");
        tl_json_string(f, tl_ticket_return_name(e->ret));
        break;
    case TL_EV_GENERATE_CB:
        fprintf(f, ",\"ret\":%d", e->ret);
        break;
    }
    if (e->kind == TL_EV_DECRYPT_CB || e->kind == TL_EV_GENERATE_CB) {
        fputs(",\"appdata\":", f);
        if (e->has_appdata)
            tl_json_hex(f, e->appdata, e->appdata_len);
        else
            fputs("null", f);
    }
    fputc('}', f);
}

const char *tl_aead_result_name(int result)
{
    static const char *const names[] = { "success", "retry", "ignore", "error" };
    static char other[24];

    if (result >= 0 && result < 4)
        return names[result];
    snprintf(other, sizeof(other), "RESULT_%d", result);
    return other;
}

int tl_aead_result_parse(const char *name, int *result)
{
    char *end;
    long v;

    for (int r = 0; r < 4; r++)
        if (strcmp(name, tl_aead_result_name(r)) == 0) {
            *result = r;
            return 0;
        }
    v = strtol(name, &end, 10);
    if (end == name || *end != '\0' || v < -1000000 || v > 1000000)
        return -1;
    *result = (int)v;
    return 0;
}
