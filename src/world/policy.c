/* policy.c - scripted callback decisions; see policy.h. */
#include "ticketlab/policy.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "ticketlab/tlslib.h"

void tl_policy_init(tl_policy *p)
{
    memset(p, 0, sizeof(*p));
    for (int i = 0; i < 4; i++)
        p->decrypt_ret[i] = TL_NATURAL;
    p->generate_ret = TL_NATURAL;
    p->aead_overhead = TL_NATURAL;
}

void tl_policy_free(tl_policy *p)
{
    free(p->appdata);
    p->appdata = NULL;
    p->appdata_len = 0;
    p->set_appdata = 0;
}

int tl_policy_copy(tl_policy *dst, const tl_policy *src)
{
    *dst = *src;
    dst->appdata = NULL;
    if (src->set_appdata)
        return tl_policy_set_appdata(dst, src->appdata, src->appdata_len);
    return 0;
}

int tl_policy_set_appdata(tl_policy *p, const unsigned char *data, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);

    if (copy == NULL)
        return -1;
    if (len)
        memcpy(copy, data, len);
    free(p->appdata);
    p->appdata = copy;
    p->appdata_len = len;
    p->set_appdata = 1;
    return 0;
}

int tl_policy_script_key(tl_policy *p, int enc, int ret)
{
    int *script = enc ? p->key_enc : p->key_dec;
    size_t *n = enc ? &p->n_key_enc : &p->n_key_dec;

    if (*n >= TL_POLICY_SCRIPT_MAX)
        return -1;
    script[(*n)++] = ret;
    return 0;
}

int tl_policy_set_decrypt(tl_policy *p, int status, int ret)
{
    if (status < SSL_TICKET_EMPTY || status > SSL_TICKET_SUCCESS_RENEW)
        return -1;
    p->decrypt_ret[status - SSL_TICKET_EMPTY] = ret;
    return 0;
}

int tl_policy_natural_decrypt(int status)
{
    /* SSL_CTX_set_session_ticket_cb(3): the defaults a callback should
     * keep are IGNORE_RENEW for EMPTY and NO_DECRYPT, USE for SUCCESS and
     * USE_RENEW for SUCCESS_RENEW. */
    switch (status) {
    case SSL_TICKET_SUCCESS:
        return SSL_TICKET_RETURN_USE;
    case SSL_TICKET_SUCCESS_RENEW:
        return SSL_TICKET_RETURN_USE_RENEW;
    default:
        return SSL_TICKET_RETURN_IGNORE_RENEW;
    }
}
