/*
 * c89math.c - C99 <math.h> functions that C89 lacks, in strict C89:
 * c89_round, c89_trunc, c89_fmin, c89_fmax, c89_copysign, c89_lround,
 * their float forms (c89_roundf ...), and c89_isnan / c89_isinf for the
 * C99 classification macros (c89compat.h declares them; the C89 rewriter
 * renames round, roundf, isnan ... to these).
 *
 * Every result is exact, as C99 requires: the functions work on the bits of
 * the IEEE 754 representation (the byte order is found at run time; no
 * union or 64-bit integer is needed),
 * never on the FPU's arithmetic, so x87 extended precision, the rounding
 * mode and a compiler's NaN comparisons (some 1990s compilers take NaN ==
 * NaN to be true) cannot change them.  NaN in gives NaN out, infinities and
 * signed zeros are kept (round(-0.4) is -0.0).
 *
 * fmin/fmax: a quiet NaN argument gives the other argument (a signalling
 * one a quiet NaN, as in glibc); for the two zeros
 * fmin returns -0 and fmax +0 (the choice C99 Annex F calls ideal; glibc
 * returns one argument or the other depending on the build).
 * lround: the rounded value converted to long; out of range (and for NaN)
 * the result is unspecified, as in C99.
 */
#include <string.h>
#include "c89compat.h"

/* A double is 8 bytes and a float 4 in every IEEE 754 C implementation. */
typedef char c89_check_double[sizeof(double) == 8 ? 1 : -1];
typedef char c89_check_float[sizeof(float) == 4 ? 1 : -1];

/* ---------------------------------------------------------------- bits */

/* Byte order, found once from 1.0: where the sign (and the top exponent
 * bits) of a double and of a float are.  When the double's 32-bit halves are
 * stored as two integers of the machine's own order (every current machine)
 * they are read as such; otherwise byte by byte. */
static int c89_double_order = -1;   /* 0: most significant byte first, 1: last */
static int c89_double_words = -1;   /* index of the high half among two words, or -1 */
static int c89_float_order = -1;

static void c89_find_orders(void)
{
    double d = 1.0;            /* 0x3FF00000 00000000 */
    float f = 1.0f;            /* 0x3F800000 */
    unsigned char b[8];
    c89_uint32_t w[2];
    memcpy(b, &d, 8);
    c89_double_order = b[0] == 0x3F ? 0 : 1;
    memcpy(w, &d, 8);
    c89_double_words = w[0] == (c89_uint32_t)0x3FF00000UL && w[1] == 0 ? 0
                     : w[1] == (c89_uint32_t)0x3FF00000UL && w[0] == 0 ? 1 : -1;
    memcpy(b, &f, 4);
    c89_float_order = b[0] == 0x3F ? 0 : 1;
}

/* A double as two 32-bit words: hi has the sign, exponent and top 20
 * fraction bits, lo the other 32 fraction bits. */
static void c89_dbits(double x, c89_uint32_t *hi, c89_uint32_t *lo)
{
    unsigned char b[8];
    int i;
    c89_uint32_t h = 0, l = 0;
    if (c89_double_order < 0)
        c89_find_orders();
    if (c89_double_words >= 0) {
        c89_uint32_t w[2];
        memcpy(w, &x, 8);
        *hi = w[c89_double_words];
        *lo = w[1 - c89_double_words];
        return;
    }
    memcpy(b, &x, 8);
    for (i = 0; i < 4; i++) {
        int hb = c89_double_order == 0 ? i : 7 - i;
        int lb = c89_double_order == 0 ? 4 + i : 3 - i;
        h = (h << 8) | b[hb];
        l = (l << 8) | b[lb];
    }
    *hi = h;
    *lo = l;
}

static double c89_dmake(c89_uint32_t hi, c89_uint32_t lo)
{
    unsigned char b[8];
    int i;
    double x;
    if (c89_double_order < 0)
        c89_find_orders();
    if (c89_double_words >= 0) {
        c89_uint32_t w[2];
        w[c89_double_words] = hi;
        w[1 - c89_double_words] = lo;
        memcpy(&x, w, 8);
        return x;
    }
    for (i = 3; i >= 0; i--) {
        int hb = c89_double_order == 0 ? i : 7 - i;
        int lb = c89_double_order == 0 ? 4 + i : 3 - i;
        b[hb] = (unsigned char)(hi & 0xFF);
        b[lb] = (unsigned char)(lo & 0xFF);
        hi >>= 8;
        lo >>= 8;
    }
    memcpy(&x, b, 8);
    return x;
}

static c89_uint32_t c89_fbits(float x)
{
    unsigned char b[4];
    int i;
    c89_uint32_t w = 0;
    if (c89_float_order < 0)
        c89_find_orders();
    memcpy(b, &x, 4);
    for (i = 0; i < 4; i++)
        w = (w << 8) | b[c89_float_order == 0 ? i : 3 - i];
    return w;
}

static float c89_fmake(c89_uint32_t w)
{
    unsigned char b[4];
    int i;
    float x;
    if (c89_float_order < 0)
        c89_find_orders();
    for (i = 3; i >= 0; i--) {
        b[c89_float_order == 0 ? i : 3 - i] = (unsigned char)(w & 0xFF);
        w >>= 8;
    }
    memcpy(&x, b, 4);
    return x;
}

#define C89_SIGN     ((c89_uint32_t)0x80000000UL)
#define C89_DEXP     ((c89_uint32_t)0x7FF00000UL)
#define C89_FEXP     ((c89_uint32_t)0x7F800000UL)
#define C89_ALL      ((c89_uint32_t)0xFFFFFFFFUL)

/* ---------------------------------------------------------------- classification */

int c89_isnan(double x)
{
    c89_uint32_t hi, lo;
    c89_dbits(x, &hi, &lo);
    hi &= ~C89_SIGN;
    return hi > C89_DEXP || (hi == C89_DEXP && lo != 0);
}

int c89_isinf(double x)
{
    c89_uint32_t hi, lo;
    c89_dbits(x, &hi, &lo);
    return (hi & ~C89_SIGN) == C89_DEXP && lo == 0;
}

/* ---------------------------------------------------------------- sign */

double c89_copysign(double x, double y)
{
    c89_uint32_t xh, xl, yh, yl;
    c89_dbits(x, &xh, &xl);
    c89_dbits(y, &yh, &yl);
    return c89_dmake((xh & ~C89_SIGN) | (yh & C89_SIGN), xl);
}

float c89_copysignf(float x, float y)
{
    return c89_fmake((c89_fbits(x) & ~C89_SIGN) | (c89_fbits(y) & C89_SIGN));
}

/* ---------------------------------------------------------------- rounding */

/* Clears the fraction bits of x below its units place (toward zero), and
 * with `half` set first adds one half of a unit to the magnitude (round
 * half away from zero).  Exact: only bits change, carries included. */
static double c89_dround(double x, int half)
{
    c89_uint32_t hi, lo, sign;
    int e;
    c89_dbits(x, &hi, &lo);
    sign = hi & C89_SIGN;
    e = (int)((hi >> 20) & 0x7FF) - 1023;     /* unbiased exponent */
    if (e >= 52)
        return x;                               /* integral, infinite or NaN */
    if (e < 0) {                                /* |x| < 1 */
        if (half && e == -1)                    /* 0.5 <= |x| < 1 */
            return c89_dmake(sign | (c89_uint32_t)0x3FF00000UL, 0);
        return c89_dmake(sign, 0);              /* a zero of x's sign */
    }
    if (e < 20) {                               /* the units place is in hi */
        c89_uint32_t mask = (c89_uint32_t)0x000FFFFFUL >> e;
        if (half)
            hi += (c89_uint32_t)0x00080000UL >> e;   /* a carry into the exponent is right */
        hi &= ~mask;
        lo = 0;
    } else {                                    /* the units place is in lo */
        c89_uint32_t mask = C89_ALL >> (e - 20);
        if (half) {
            c89_uint32_t add = e == 20 ? (c89_uint32_t)0x80000000UL
                                       : (c89_uint32_t)1 << (51 - e);
            c89_uint32_t sum = (lo + add) & C89_ALL;
            if (sum < lo)
                hi++;                           /* carry out of the low word */
            lo = sum;
        }
        lo &= ~mask;
        if (e == 20)
            lo = 0;
    }
    return c89_dmake(hi, lo);
}

static float c89_fround(float x, int half)
{
    c89_uint32_t w = c89_fbits(x), sign = w & C89_SIGN;
    int e = (int)((w >> 23) & 0xFF) - 127;
    if (e >= 23)
        return x;
    if (e < 0) {
        if (half && e == -1)
            return c89_fmake(sign | (c89_uint32_t)0x3F800000UL);
        return c89_fmake(sign);
    }
    if (half)
        w += (c89_uint32_t)0x00400000UL >> e;
    w &= ~((c89_uint32_t)0x007FFFFFUL >> e);
    return c89_fmake(w);
}

double c89_round(double x)
{
    return c89_dround(x, 1);
}

double c89_trunc(double x)
{
    return c89_dround(x, 0);
}

float c89_roundf(float x)
{
    return c89_fround(x, 1);
}

float c89_truncf(float x)
{
    return c89_fround(x, 0);
}

long c89_lround(double x)
{
    return (long)c89_dround(x, 1);
}

long c89_lroundf(float x)
{
    return (long)c89_fround(x, 1);
}

/* ---------------------------------------------------------------- min/max */

/* Ordering by the bits: the comparisons never see a NaN, so no compiler's
 * NaN handling matters.  Returns <0, 0, >0 for x <, ==, > y (as values). */
static int c89_dcompare(double x, double y)
{
    c89_uint32_t xh, xl, yh, yl;
    int xneg, yneg, mag;
    c89_dbits(x, &xh, &xl);
    c89_dbits(y, &yh, &yl);
    xneg = (xh & C89_SIGN) != 0;
    yneg = (yh & C89_SIGN) != 0;
    xh &= ~C89_SIGN;
    yh &= ~C89_SIGN;
    if ((xh | xl) == 0 && (yh | yl) == 0)
        return yneg - xneg;                     /* -0 below +0 */
    mag = xh != yh ? (xh < yh ? -1 : 1) : xl != yl ? (xl < yl ? -1 : 1) : 0;
    if (xneg != yneg)
        return xneg ? -1 : 1;
    return xneg ? -mag : mag;
}

static int c89_fcompare(float x, float y)
{
    c89_uint32_t a = c89_fbits(x), b = c89_fbits(y);
    int aneg = (a & C89_SIGN) != 0, bneg = (b & C89_SIGN) != 0, mag;
    a &= ~C89_SIGN;
    b &= ~C89_SIGN;
    if (a == 0 && b == 0)
        return bneg - aneg;
    mag = a != b ? (a < b ? -1 : 1) : 0;
    if (aneg != bneg)
        return aneg ? -1 : 1;
    return aneg ? -mag : mag;
}

static int c89_isnanf(float x)
{
    return (c89_fbits(x) & ~C89_SIGN) > C89_FEXP;
}

/* A signalling NaN argument gives a quiet NaN, as in glibc (IEEE 754-2008
 * minNum/maxNum); C99 leaves signalling NaNs unspecified.  Returns 1 and
 * sets *r when x or y is one. */
static int c89_dsnan(double x, double y, double *r)
{
    c89_uint32_t hi, lo;
    int k;
    for (k = 0; k < 2; k++) {
        c89_dbits(k == 0 ? x : y, &hi, &lo);
        if ((hi & ~C89_SIGN) >= C89_DEXP && (hi & 0x00080000UL) == 0
            && ((hi & 0x0007FFFFUL) | lo) != 0) {
            *r = c89_dmake(hi | 0x00080000UL, lo);
            return 1;
        }
    }
    return 0;
}

static int c89_fsnan(float x, float y, float *r)
{
    int k;
    for (k = 0; k < 2; k++) {
        c89_uint32_t w = c89_fbits(k == 0 ? x : y);
        if ((w & ~C89_SIGN) > C89_FEXP && (w & 0x00400000UL) == 0) {
            *r = c89_fmake(w | 0x00400000UL);
            return 1;
        }
    }
    return 0;
}

double c89_fmin(double x, double y)
{
    double r;
    if (c89_dsnan(x, y, &r))
        return r;
    if (c89_isnan(x))
        return y;
    if (c89_isnan(y))
        return x;
    return c89_dcompare(x, y) <= 0 ? x : y;
}

double c89_fmax(double x, double y)
{
    double r;
    if (c89_dsnan(x, y, &r))
        return r;
    if (c89_isnan(x))
        return y;
    if (c89_isnan(y))
        return x;
    return c89_dcompare(x, y) >= 0 ? x : y;
}

float c89_fminf(float x, float y)
{
    float r;
    if (c89_fsnan(x, y, &r))
        return r;
    if (c89_isnanf(x))
        return y;
    if (c89_isnanf(y))
        return x;
    return c89_fcompare(x, y) <= 0 ? x : y;
}

float c89_fmaxf(float x, float y)
{
    float r;
    if (c89_fsnan(x, y, &r))
        return r;
    if (c89_isnanf(x))
        return y;
    if (c89_isnanf(y))
        return x;
    return c89_fcompare(x, y) >= 0 ? x : y;
}
