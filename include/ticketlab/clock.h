/*
 * clock.h - the harness clock.
 *
 * OpenSSL reads the wall clock when it stamps a session, checks a ticket's
 * age and checks expiry: time(3), and from 3.2 on gettimeofday(2) too.
 * ticketlab defines both in the final executable (see clock.c) so that
 * OpenSSL reads this clock. When the clock is frozen,
 * time stands still until the harness moves it; that is what makes expiry,
 * rotation and ticket-age cases reproduce exactly.
 */
#ifndef TICKETLAB_CLOCK_H
#define TICKETLAB_CLOCK_H

#include <stdint.h>

/* The default frozen instant: 2027-01-01T00:00:00Z (inside the test chain's validity). */
#define TL_CLOCK_EPOCH INT64_C(1798761600)

/* tl_clock_freeze - stop the clock at `now` (seconds since the Unix epoch). */
void tl_clock_freeze(int64_t now);

/* tl_clock_advance - move a frozen clock forward (or back, if negative). */
void tl_clock_advance(int64_t seconds);

/* tl_clock_thaw - let the clock follow the real time again. */
void tl_clock_thaw(void);

/* tl_clock_now - the harness time in seconds since the Unix epoch. */
int64_t tl_clock_now(void);

/* tl_clock_is_frozen - 1 if frozen, 0 if following real time. */
int tl_clock_is_frozen(void);

/*
 * tl_clock_split - while the clock is frozen, make gettimeofday(2) answer
 * `seconds` later than time(3); 0 joins them again. For the self-test that
 * finds which of the two libssl reads (src/detect/wall_clock_gettimeofday.c);
 * nothing else should split the clock.
 */
void tl_clock_split(int64_t seconds);

/*
 * tl_clock_linked - 1 if OpenSSL reads this clock (the executable's time(3)
 * and gettimeofday(2) are ours), 0 if it reads the system clock. A program
 * that links libticketlab.a gets the override by calling any tl_clock_*
 * function.
 */
int tl_clock_linked(void);

#endif
