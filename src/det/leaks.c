/* leaks.c - OpenSSL's known leaks, excused where they happen; see leaks.h. */
#include "leaks.h"

#include "behaviour.h"

/* Provided by the sanitizer runtime when there is one. */
extern void __lsan_ignore_object(const void *p) __attribute__((weak));

int tl_leak_note_decrypt(const SSL *s, SSL_SESSION *ss, SSL_TICKET_STATUS status,
                         SSL_TICKET_RETURN ret)
{
    int fatal = ret != SSL_TICKET_RETURN_IGNORE && ret != SSL_TICKET_RETURN_IGNORE_RENEW
                && ret != SSL_TICKET_RETURN_USE && ret != SSL_TICKET_RETURN_USE_RENEW;

    if (ss == NULL || !fatal || SSL_version(s) != TLS1_3_VERSION
        || (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW)
        || tl_behaviour_has(TL_CHANGE_PSK_ABORT_FREES_SESSION))
        return 0;
    if (__lsan_ignore_object != NULL)
        __lsan_ignore_object(ss);
    return 1;
}
