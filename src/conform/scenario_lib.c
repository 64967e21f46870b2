/*
 * scenario_lib.c - which scenarios a TLS library can run at all; see
 * tl_scenario_lacks() in scenario.h and the seam in tlslib.h.
 *
 * A scenario field that needs an API the running library lacks makes the
 * row n/a there, with the library's own sentence: the decrypt callback
 * (cb=1, dret, gen, app) on BoringSSL and AWS-LC, the EVP key callback,
 * SSL_new_session_ticket (newt), 0-RTT in the PSK probe (present=empty
 * with early), TLS 1.3
 * suites (cipher= on BoringSSL), the ticket AEAD method on OpenSSL.
 */
#include "scenario.h"

#include <openssl/ssl.h>

#include "ticketlab/tlslib.h"

const char *tl_scenario_lacks(const tl_scenario *sc)
{
    const char *why = NULL;

    if (sc->ticket_cb)
        why = tl_tlslib_lacks(TL_API_DECRYPT_CB);
    if (why == NULL && sc->keys == TL_KEYS_EVP_CB)
        why = tl_tlslib_lacks(TL_API_EVP_KEY_CB);
    if (why == NULL && sc->keys == TL_KEYS_LEGACY_CB)
        why = tl_tlslib_lacks(TL_API_LEGACY_KEY_CB);
    if (why == NULL && sc->keys == TL_KEYS_AEAD)
        why = tl_tlslib_lacks(TL_API_TICKET_AEAD);
    if (why == NULL && sc->new_tickets > 0)
        why = tl_tlslib_lacks(TL_API_NEW_SESSION_TICKET);
    if (why == NULL && sc->early > 0 && sc->present == TL_PRESENT_EMPTY && sc->tls == TLS1_3_VERSION)
        /* The PSK probe (present=empty) offers 0-RTT with OpenSSL's calls;
         * the world drives every library's (early_data.c). */
        why = tl_tlslib_lacks(TL_API_EARLY_DATA_RW);
    /* noreplay=1 runs everywhere: BoringSSL and AWS-LC lack the option
     * because their servers have no anti-replay at all (world.c). */
    if (why == NULL && sc->cipher[0] != '\0' && sc->tls == TLS1_3_VERSION)
        why = tl_tlslib_lacks(TL_API_TLS13_SUITES);
    if (why == NULL && sc->tls == TLS1_3_VERSION && sc->no_ticket && sc->present != TL_PRESENT_NONE
        && sc->present != TL_PRESENT_EMPTY && tl_tlslib_which() != TL_TLSLIB_KIND_OPENSSL)
        /* tls13_server.cc add_new_session_tickets: nothing to offer. */
        why = tl_tlslib_which() == TL_TLSLIB_KIND_AWSLC
                  ? "AWS-LC has no stateful TLS 1.3 tickets: with SSL_OP_NO_TICKET it sends none, "
                    "so there is no session to offer"
                  : "BoringSSL has no stateful TLS 1.3 tickets: with SSL_OP_NO_TICKET it sends none, "
                    "so there is no session to offer";
    if (why == NULL && sc->keys == TL_KEYS_LEGACY_CB && tl_tlslib_which() == TL_TLSLIB_KIND_AWSLC) {
        /* ssl/ssl_session.cc ssl_encrypt_ticket_with_cipher_ctx: only ret < 0
         * is handled; on 0 it goes on to EVP_CIPHER_CTX_iv_length() of a
         * context the callback never initialised: a NULL dereference. */
        for (size_t i = 0; i < sc->n_kenc && why == NULL; i++)
            if (sc->kenc[i] == 0)
                why = "AWS-LC crashes when the key callback returns 0 while encrypting "
                      "(ssl_encrypt_ticket_with_cipher_ctx reads the IV length of a cipher context "
                      "the callback left empty: NULL dereference); not run, it would take the harness down";
    }
    if (why == NULL && sc->keys == TL_KEYS_SET_KEYS
        && tl_tlslib_which() != TL_TLSLIB_KIND_OPENSSL) {
        /* ssl/ssl_lib.cc SSL_CTX_set_tlsext_ticket_keys: 48 bytes, AES-128. */
        why = tl_tlslib_which() == TL_TLSLIB_KIND_AWSLC
                  ? "AWS-LC's SSL_CTX_set_tlsext_ticket_keys takes AES-128 keys (48 bytes); "
                    "the rows' key ring holds AES-256 libtls keys"
                  : "BoringSSL's SSL_CTX_set_tlsext_ticket_keys takes AES-128 keys (48 bytes); "
                    "the rows' key ring holds AES-256 libtls keys";
    }
    return why;
}
