/* version.c - ticketlab's version and both OpenSSL versions; see version.h. */
#include "ticketlab/version.h"

#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "json.h"
#include "ticketlab/tlslib.h"
#include "xml.h"

/* CMake passes the version it read from the project and from git. */
#ifndef TICKETLAB_VERSION
#error "TICKETLAB_VERSION must be defined by the build (CMakeLists.txt)"
#endif

const char *tl_version(void)
{
    return TICKETLAB_VERSION;
}

const char *tl_openssl_built(void)
{
    return OPENSSL_VERSION_TEXT;
}

const char *tl_openssl_running(void)
{
    /* BoringSSL and AWS-LC: the library and the commit it was built from. */
    const char *v = tl_tlslib_which() == TL_TLSLIB_KIND_OPENSSL ? OpenSSL_version(OPENSSL_VERSION)
                                                                 : tl_tlslib_describe();

    return v != NULL ? v : "OpenSSL (unknown version)";
}

void tl_version_json(FILE *f)
{
    fputs("\"ticketlab\": ", f);
    tl_json_string(f, tl_version());
    fputs(", \"openssl\": ", f);
    tl_json_string(f, tl_openssl_running());
    fputs(", \"openssl_built\": ", f);
    tl_json_string(f, tl_openssl_built());
}

static void junit_property(FILE *f, const char *name, const char *value)
{
    fprintf(f, "<property name=\"%s\" value=\"", name);
    tl_xml_text(f, value);
    fputs("\"/>", f);
}

void tl_version_junit(FILE *f)
{
    junit_property(f, "ticketlab", tl_version());
    junit_property(f, "openssl", tl_openssl_running());
    junit_property(f, "openssl_built", tl_openssl_built());
}
