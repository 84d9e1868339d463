/*
 * c89stdlib.c - the C99 64-bit conversions of <stdlib.h>, in strict C89:
 * c89_strtoll, c89_strtoull, c89_atoll, c89_llabs (c89compat.h declares
 * them; the C89 rewriter renames strtoll/strtoull/atoll/llabs to these).
 *
 * Same contract as C99 7.20.1.4: leading white space, an optional sign,
 * base 0 (decimal, 0 octal, 0x hex) or 2..36 with an optional 0x for 16;
 * on overflow the result saturates and errno is ERANGE; *end points after
 * the last digit used (or at the start when there was none).
 *
 * The accumulator is multiplied by the base in two 32-bit halves, so the
 * overflow test needs no 64-bit division (no libgcc __udivdi3 on i686).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include "c89compat.h"

static int c89_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* Scans the magnitude into *acc.  Returns the end of the digits (s itself
 * when there were none); *neg gets the sign, *ovf is set past 2^64 - 1. */
static const char *c89_scan64(const char *s, int base, c89_uint64_t *acc, int *neg, int *ovf)
{
    const char *p = s;
    const char *digits;
    c89_uint64_t v = 0;

    *neg = 0;
    *ovf = 0;
    *acc = 0;
    if (base < 0 || base == 1 || base > 36)
        return s;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-') {
        *neg = *p == '-';
        p++;
    }
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')
        && c89_digit_value((unsigned char)p[2]) < 16) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }
    digits = p;
    for (;;) {
        int d = c89_digit_value((unsigned char)*p);
        c89_uint64_t lo, hi;
        if (d >= base)
            break;
        lo = (v & C89_U64(0xFFFFFFFFUL)) * (c89_uint64_t)base + (c89_uint64_t)d;
        hi = (v >> 32) * (c89_uint64_t)base + (lo >> 32);
        if (hi > C89_U64(0xFFFFFFFFUL))
            *ovf = 1;
        else
            v = (hi << 32) | (lo & C89_U64(0xFFFFFFFFUL));
        p++;
    }
    if (p == digits) {
        *neg = 0;
        return s;
    }
    *acc = v;
    return p;
}

c89_uint64_t c89_strtoull(const char *s, char **end, int base)
{
    c89_uint64_t v;
    int neg, ovf;
    const char *e = c89_scan64(s, base, &v, &neg, &ovf);
    if (end != NULL)
        *end = (char *)e;
    if (ovf) {
        errno = ERANGE;
        return C89_UINT64_MAX;
    }
    return neg ? (c89_uint64_t)0 - v : v;
}

c89_int64_t c89_strtoll(const char *s, char **end, int base)
{
    c89_uint64_t v;
    int neg, ovf;
    const char *e = c89_scan64(s, base, &v, &neg, &ovf);
    c89_uint64_t limit = neg ? (c89_uint64_t)C89_INT64_MAX + 1 : (c89_uint64_t)C89_INT64_MAX;
    if (end != NULL)
        *end = (char *)e;
    if (ovf || v > limit) {
        errno = ERANGE;
        return neg ? C89_INT64_MIN : C89_INT64_MAX;
    }
    if (neg)
        return v == 0 ? 0 : -(c89_int64_t)(v - 1) - 1;
    return (c89_int64_t)v;
}

c89_int64_t c89_atoll(const char *s)
{
    return c89_strtoll(s, (char **)NULL, 10);
}

c89_int64_t c89_llabs(c89_int64_t v)
{
    return v < 0 ? -v : v;
}
