/*
 * nst_record.c - a NewSessionTicket as the world's client received it; see
 * nst_record.h.
 */
#include "nst_record.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"

/* The NewSessionTicket extensions (elen bytes of them announced) from c:
 * early_data sets max_early_data. Entries are read while their header
 * starts inside the announced length and the message holds them. */
static void nst_extensions(tl_nst *nst, tl_bytes *c, size_t elen)
{
    size_t start = c->off;
    uint16_t type, len;
    uint32_t early;

    while (c->off - start + 4 <= elen && tl_bytes_u16(c, &type) == 0
           && tl_bytes_u16(c, &len) == 0) {
        if (type == 42 && len == 4) {   /* early_data */
            if (tl_bytes_u32(c, &early) != 0)
                return;
            nst->max_early_data = early;
        } else if (tl_bytes_take(c, len, NULL) != 0) {
            return;
        }
    }
}

void tl_nst_record(tl_handshake_result *res, const unsigned char *p, size_t n, int tls13)
{
    tl_nst nst = { 0 };
    tl_bytes c;
    const unsigned char *ticket;
    size_t tlen;
    uint32_t age_add;
    uint16_t elen;
    uint8_t nonce_len;

    res->n_tickets++;
    tl_bytes_init(&c, p, n);
    if (res->n_tickets > TL_MAX_TICKETS || tl_bytes_u32(&c, &nst.lifetime_hint) != 0)
        return;
    if (tls13) {
        if (tl_bytes_u32(&c, &age_add) != 0 || tl_bytes_u8(&c, &nonce_len) != 0)
            goto keep;
        nst.age_add = age_add;
        if (tl_bytes_take(&c, nonce_len, NULL) != 0)
            goto keep;
    }
    if (tl_bytes_vec16(&c, &ticket, &tlen) != 0)
        goto keep;
    if (tlen) {
        nst.ticket = malloc(tlen);
        if (nst.ticket != NULL) {
            memcpy(nst.ticket, ticket, tlen);
            nst.ticket_len = tlen;
        }
    }
    if (tls13 && tl_bytes_u16(&c, &elen) == 0)
        nst_extensions(&nst, &c, elen);
keep:
    res->tickets[res->n_tickets - 1] = nst;
}
