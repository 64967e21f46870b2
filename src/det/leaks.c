/* leaks.c - OpenSSL's known leaks, excused where they happen; see leaks.h. */
#include "leaks.h"

#include <openssl/opensslv.h>

#include "release.h"

/* Provided by the sanitizer runtime when there is one. */
extern void __lsan_ignore_object(const void *p) __attribute__((weak));

int tl_leak_note_decrypt(const SSL *s, SSL_SESSION *ss, SSL_TICKET_STATUS status,
                         SSL_TICKET_RETURN ret)
{
    int fatal = ret != SSL_TICKET_RETURN_IGNORE && ret != SSL_TICKET_RETURN_IGNORE_RENEW
                && ret != SSL_TICKET_RETURN_USE && ret != SSL_TICKET_RETURN_USE_RENEW;

    if (ss == NULL || !fatal || SSL_version(s) != TLS1_3_VERSION
        || (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW)
        || tl_release_has(TL_CHANGE_PSK_ABORT_FREES_SESSION))
        return 0;
    if (__lsan_ignore_object != NULL)
        __lsan_ignore_object(ss);
    return 1;
}

/*
 * The same leak by function name, for a static OpenSSL whose frames have
 * symbols; only compiled in when the headers are a release that leaks
 * (3.0.0-3.0.20, 3.1-3.5.6, 3.6.0-3.6.2).
 */
#if TL_TLSLIB_OPENSSL && (OPENSSL_VERSION_NUMBER < 0x30000150L \
    || (OPENSSL_VERSION_NUMBER >= 0x30100000L && OPENSSL_VERSION_NUMBER < 0x30500070L) \
    || (OPENSSL_VERSION_NUMBER >= 0x30600000L && OPENSSL_VERSION_NUMBER < 0x30600030L))
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:tls_parse_ctos_psk\n";
}
#endif
