/* decrypt_direct.c - libssl's tls_decrypt_ticket on an exact-size copy; see decrypt_direct.h. */
#include "decrypt_direct.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* Internal to libssl (ssl/ssl_local.h); present only in a static libssl. */
extern SSL_TICKET_STATUS tls_decrypt_ticket(SSL *s, const unsigned char *etick, size_t eticklen,
                                            const unsigned char *sess_id, size_t sesslen,
                                            SSL_SESSION **psess) __attribute__((weak));

int tl_fuzz_direct_available(void)
{
    return tls_decrypt_ticket != NULL;
}

int tl_fuzz_decrypt_direct(SSL *server, const uint8_t *ticket, size_t len)
{
    static const unsigned char session_id[32];
    int tls13 = SSL_version(server) == TLS1_3_VERSION;
    SSL_SESSION *sess = NULL;
    unsigned char *copy;
    SSL_TICKET_STATUS st;

    if (tls_decrypt_ticket == NULL)
        return -1;
    /* malloc(0) gives ASan a zero-size chunk: any read of it is reported. */
    copy = malloc(len);
    if (copy == NULL && len > 0)
        tl_fuzz_die("out of memory");
    if (len > 0)
        memcpy(copy, ticket, len);
    st = tls_decrypt_ticket(server, copy, len, tls13 ? NULL : session_id, tls13 ? 0 : sizeof(session_id),
                            &sess);
    free(copy);
    SSL_SESSION_free(sess);
    return (int)st;
}
