/*
 * nst_record.h - a NewSessionTicket, as the world's client received it,
 * into the handshake result. Internal to the world.
 */
#ifndef TICKETLAB_NST_RECORD_H
#define TICKETLAB_NST_RECORD_H

#include <stddef.h>

#include "ticketlab/world.h"

/*
 * tl_nst_record - count one more NewSessionTicket in res and keep what its
 * body (p, n bytes: after the 4-byte handshake header; RFC 5077 3.3, RFC
 * 8446 4.6.1 when tls13) says: lifetime hint, age_add, a copy of the
 * ticket, the early_data extension's max_early_data. A truncated body keeps
 * the fields read before the cut; past TL_MAX_TICKETS only the count grows;
 * without memory for the copy the ticket stays empty. Never fails.
 */
void tl_nst_record(tl_handshake_result *res, const unsigned char *p, size_t n, int tls13);

#endif
