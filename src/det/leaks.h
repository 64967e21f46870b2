/*
 * leaks.h - OpenSSL's own known leaks, excused exactly where they happen.
 *
 * A sanitizer build must fail on every leak except the ones OpenSSL itself
 * is known to have on the release running. ticketlab knows the moment such
 * a leak is made, so it marks that one object for LeakSanitizer
 * (__lsan_ignore_object) instead of suppressing a library or a function
 * wholesale; a leak anywhere else, or the same leak on a release that
 * fixed it, is still reported. The objects are marked only when the
 * program runs under LeakSanitizer; otherwise these calls do nothing.
 *
 * Known today:
 *   - TLS 1.3, decrypt callback returns ABORT or an unknown value for
 *     SUCCESS/SUCCESS_RENEW: tls_decrypt_ticket hands the decrypted session
 *     back with a fatal status and tls_parse_ctos_psk returns without
 *     freeing it; fixed upstream in 3.0.21, 3.5.7, 3.6.3 (release.h:
 *     TL_CHANGE_PSK_ABORT_FREES_SESSION). Excused only while the loaded
 *     library is taken not to have the fix (tl_behaviour_has: detected by
 *     src/detect/psk_abort_frees_session.c, or asserted by a maintainer;
 *     history only where nothing was detected), and only that session:
 *     LeakSanitizer treats an ignored object as live, so what hangs off it
 *     (its peer chain, its ticket, its ex_data) is not reported either.
 *
 * There is no suppression by function (leak:tls_parse_ctos_psk, as the
 * binaries carried before): it hid every other leak through that
 * function, such as a session lost on the cipher-suite-mismatch path
 * (tests/leak/plant_psk_leak.c shows that one reported).
 */
#ifndef TICKETLAB_LEAKS_H
#define TICKETLAB_LEAKS_H

#include <openssl/ssl.h>

#include "ticketlab/tlslib.h"

/*
 * tl_leak_note_decrypt - called by the decrypt callback with what it
 * returns: if that return makes the running release leak `ss`, mark `ss`
 * (and what hangs off it) as a known leak. Returns 1 when it marked
 * something, else 0. Never fails.
 */
int tl_leak_note_decrypt(const SSL *s, SSL_SESSION *ss, SSL_TICKET_STATUS status,
                         SSL_TICKET_RETURN ret);

#endif
