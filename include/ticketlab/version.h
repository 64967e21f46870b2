/*
 * version.h - which ticketlab this is, and which OpenSSL it was built with
 * and runs on.
 *
 * The headers a program was compiled against and the libcrypto the dynamic
 * linker loads can be different releases (a distribution update, an
 * LD_LIBRARY_PATH, an instrumented build). Every report says all three, so
 * that a CI log or a report attached to a bug names what produced it:
 *
 *     printf("ticketlab %s, built with %s, running on %s\n",
 *            tl_version(), tl_openssl_built(), tl_openssl_running());
 */
#ifndef TICKETLAB_VERSION_H
#define TICKETLAB_VERSION_H

#include <stdio.h>

/*
 * tl_version - this ticketlab's version: the project version, followed by
 * the git commit in parentheses when it was built from a git checkout
 * ("0.1.0 (e1aa41d)"). Never NULL.
 */
const char *tl_version(void);

/*
 * tl_openssl_built - the OpenSSL headers libticketlab was compiled against,
 * as OPENSSL_VERSION_TEXT ("OpenSSL 3.0.19 27 Jan 2026"). Never NULL.
 */
const char *tl_openssl_built(void);

/*
 * tl_openssl_running - the libcrypto loaded now, as
 * OpenSSL_version(OPENSSL_VERSION) ("OpenSSL 3.5.7 ..."). Never NULL.
 */
const char *tl_openssl_running(void);

/*
 * tl_version_json - write the three as JSON object members, without braces
 * or a trailing comma:
 *     "ticketlab": "0.1.0 (e1aa41d)", "openssl": RUNNING, "openssl_built": BUILT
 * Write errors are left in f's error flag for the caller's final check.
 */
void tl_version_json(FILE *f);

/*
 * tl_version_junit - write the three as JUnit <property> elements (names
 * ticketlab, openssl, openssl_built), for inside a <properties> element.
 * Write errors are left in f's error flag.
 */
void tl_version_junit(FILE *f);

#endif
