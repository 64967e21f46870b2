/* tlslib_api.c - the names of the seam's optional APIs; see tlslib.h. */
#include "ticketlab/tlslib.h"

const char *tl_tlslib_api_name(tl_tlslib_api api)
{
    static const char *const names[TL_API_COUNT] = {
        [TL_API_DECRYPT_CB] = "SSL_CTX_set_session_ticket_cb",
        [TL_API_EVP_KEY_CB] = "SSL_CTX_set_tlsext_ticket_key_evp_cb",
        [TL_API_LEGACY_KEY_CB] = "SSL_CTX_set_tlsext_ticket_key_cb",
        [TL_API_NEW_SESSION_TICKET] = "SSL_new_session_ticket",
        [TL_API_NO_ANTI_REPLAY] = "SSL_OP_NO_ANTI_REPLAY",
        [TL_API_EARLY_DATA_RW] = "SSL_write_early_data",
        [TL_API_TLS13_SUITES] = "SSL_CTX_set_ciphersuites",
        [TL_API_TICKET_AEAD] = "SSL_CTX_set_ticket_aead_method",
        [TL_API_TIME_CB] = "SSL_CTX_set_current_time_cb",
    };

    return (int)api >= 0 && api < TL_API_COUNT ? names[api] : "unknown API";
}
