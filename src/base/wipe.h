/*
 * wipe.h - free memory that held key material, wiped first.
 *
 * The harness allocates with malloc(); OPENSSL_clear_free() is only right
 * for memory OpenSSL allocated: BoringSSL and AWS-LC keep a header before
 * each OPENSSL_malloc() block, and their OPENSSL_free() of a malloc() block
 * corrupts the heap.
 */
#ifndef TICKETLAB_WIPE_H
#define TICKETLAB_WIPE_H

#include <stddef.h>

/* tl_wipe_free - zero n bytes at p (OPENSSL_cleanse), then free(p). NULL is allowed. */
void tl_wipe_free(void *p, size_t n);

#endif
