/*
 * c89timer.c - c89_clock_gettime(), the clock the C89 rewriter substitutes for
 * POSIX clock_gettime().
 *
 * On Windows it reads QueryPerformanceCounter (present on every Windows 95/98
 * machine; microsecond resolution) and falls back to GetTickCount when the
 * machine reports no performance counter.  The realtime clock is anchored to
 * time() at the first call, so it reads as seconds since 1970 like POSIX and
 * advances smoothly.  Elsewhere only C89's clock() and time() exist: the result
 * then advances in clock() steps, enough for the tokens-per-second report.
 */
#include <math.h>
#include <time.h>
#include "c89compat.h"

#if defined(_WIN32)

#if defined(__GNUC__)
#define C89_WINAPI __attribute__((stdcall))
#else
#define C89_WINAPI __stdcall
#endif

typedef struct { unsigned long low; long high; } c89_large_integer;

extern int C89_WINAPI QueryPerformanceCounter(c89_large_integer *count);
extern int C89_WINAPI QueryPerformanceFrequency(c89_large_integer *freq);
extern unsigned long C89_WINAPI GetTickCount(void);

static double c89_to_double(const c89_large_integer *v)
{
    return (double)v->high * 4294967296.0 + (double)v->low;
}

/*
 * Microseconds since an arbitrary fixed point, as a double: exact to the
 * microsecond for centuries, and no 64-bit division (which would pull
 * helper routines from the compiler's runtime library into the program).
 */
static double c89_now_us(void)
{
    static int have_qpc = -1;
    static double freq = 0.0;
    c89_large_integer v;
    if (have_qpc < 0) {
        have_qpc = QueryPerformanceFrequency(&v) && (v.low != 0 || v.high != 0);
        if (have_qpc) {
            freq = c89_to_double(&v);
        }
    }
    if (have_qpc && QueryPerformanceCounter(&v)) {
        return c89_to_double(&v) * 1000000.0 / freq;
    }
    return (double)GetTickCount() * 1000.0;
}

#else /* C89 fallback */

static double c89_now_us(void)
{
    clock_t c = clock();
    if (c == (clock_t)-1) {
        return (double)time((time_t *)0) * 1000000.0;
    }
    return (double)c * 1000000.0 / (double)CLOCKS_PER_SEC;
}

#endif

int c89_clock_gettime(int clock_id, struct c89_timespec *ts)
{
    static int anchored = 0;
    static double origin_us = 0.0;
    static double origin_sec = 0.0;
    double us;
    double sec;

    if (ts == 0) {
        return -1;
    }
    us = c89_now_us();
    if (clock_id == C89_CLOCK_REALTIME) {
        if (!anchored) {
            anchored = 1;
            origin_us = us;
            origin_sec = (double)time((time_t *)0);
        }
        us = us - origin_us + origin_sec * 1000000.0;
    }
    sec = floor(us / 1000000.0);
    ts->tv_sec = (long)sec;
    ts->tv_nsec = (long)((us - sec * 1000000.0) * 1000.0);
    return 0;
}
