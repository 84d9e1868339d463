/* Test-only stand-ins for the engine's c89_sscanf and c89_clock_gettime,
 * built as C99 and linked with the ported corpus programs. */
#define _POSIX_C_SOURCE 199309L
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

struct c89_timespec { long tv_sec; long tv_nsec; };

int c89_sscanf(const char *s, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = vsscanf(s, fmt, ap);
    va_end(ap);
    return r;
}

int c89_clock_gettime(int clock_id, struct c89_timespec *ts)
{
    struct timespec t;
    int r = clock_gettime(clock_id == 1 ? CLOCK_MONOTONIC : CLOCK_REALTIME, &t);
    ts->tv_sec = (long)t.tv_sec;
    ts->tv_nsec = t.tv_nsec;
    return r;
}
