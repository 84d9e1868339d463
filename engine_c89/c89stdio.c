/*
 * c89stdio.c - c89_sscanf(), c89_fscanf(), c89_scanf() and their v* forms:
 * the scanf family with C99's length modifiers, for C libraries that lack them.
 *
 * Windows 98's MSVCRT.DLL knows neither "hh" nor "ll", "j", "z" or "t".  Given
 * "%hhX" it stores a whole short (or int) through what the caller meant as an
 * unsigned char pointer and silently overwrites the neighbouring bytes; given
 * "%lld" it reads a long.  These functions walk the format themselves, so every
 * conversion stores exactly the object its modifier names:
 *
 *   hh  signed char / unsigned char     h  short / unsigned short
 *   l   long / unsigned long, double    ll, q, j  c89_int64_t / c89_uint64_t
 *   z   size_t                          t  ptrdiff_t
 *   L   long double (integers: as ll)   %lc %ls %l[  wchar_t (bytes widened)
 *
 * Conversions: d i o u x X p n c s [ % and e f g E G a A F (all floating).
 * Integers are converted here, with strtoll()/strtoull()-style saturation at
 * the 64-bit limits before the value is narrowed to the destination (as glibc
 * does), so no 64-bit support is needed from the C library.  Decimal floating
 * text is collected here and converted by the C library's strtod(); hex floats
 * ("0x1.8p3"), "inf", "infinity" and "nan" are converted here, as
 * old C libraries do not know them.  A floating field longer than
 * C89_SCAN_FIELD_MAX characters is a matching failure.
 *
 * Return value (C99 7.19.6.2): the number of items assigned, or EOF when an
 * input failure (end of input or a read error) happens before the first
 * conversion has completed.  A suppressed conversion ("%*d") counts as
 * completed, so c89_sscanf("5", "%*d%d", &i) is 0 (glibc says EOF there).
 * Where the standard leaves room, glibc's choices are followed: "0x" with no
 * hex digit after it reads as 0 with both characters consumed, "1e" reads as 1
 * with the "e" consumed, a short "%5c" field at end of input is stored and
 * counted, "%%" skips leading white space, and "nan(...)" reads as "nan"
 * (the parenthesis is left unread).  Not supported: positional arguments
 * ("%1$d") and the "m" allocation flag (a matching failure).
 *
 * Streams are read with getc() and at most one character is pushed back with
 * ungetc(), as C requires of scanf.  The stream parameters are "void *" (a
 * FILE * converts implicitly), matching the declarations in c89compat.h, which
 * does not include <stdio.h>.
 */
#include "c89compat.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>

int c89_vsscanf(const char *s, const char *fmt, va_list ap);
int c89_vfscanf(FILE *fp, const char *fmt, va_list ap);
int c89_vscanf(const char *fmt, va_list ap);
int c89_sscanf(const char *s, const char *fmt, ...);
int c89_fscanf(FILE *fp, const char *fmt, ...);
int c89_scanf(const char *fmt, ...);

/* MinGW-w64's <stdlib.h> renames strtod to libmingwex's __strtod; the product
   links only MSVCRT.DLL's imports, so call MSVCRT's own strtod. */
#if defined(_WIN32) && defined(strtod)
#undef strtod
#endif

#define C89_SCAN_FIELD_MAX 512

/* ---------------------------------------------------------------- input */

typedef struct {
    const char *str;  /* the string being scanned, or NULL for a stream */
    FILE *fp;         /* the stream being scanned, or NULL for a string */
    long count;       /* characters consumed so far, for %n */
} c89_scan_in;

static int c89_in_get(c89_scan_in *in)
{
    int c;
    if (in->fp != NULL) {
        c = getc(in->fp);
    } else {
        c = (unsigned char)in->str[in->count];
        if (c == 0) {
            c = EOF;
        }
    }
    if (c != EOF) {
        in->count++;
    }
    return c;
}

static void c89_in_unget(c89_scan_in *in, int c)
{
    if (c == EOF) {
        return;
    }
    in->count--;
    if (in->fp != NULL) {
        ungetc(c, in->fp);
    }
}

/* Skip white space; return the next character (left unread), or EOF. */
static int c89_in_skip_space(c89_scan_in *in)
{
    int c;
    do {
        c = c89_in_get(in);
    } while (c != EOF && isspace(c));
    c89_in_unget(in, c);
    return c;
}

/* ---------------------------------------------------------------- helpers */

static int c89_digit_value(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'Z') {
        return c - 'A' + 10;
    }
    return 99;
}

static int c89_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Result codes of the field readers. */
#define C89_SCAN_OK 1
#define C89_SCAN_NOMATCH 0
#define C89_SCAN_INPUT (-1)

/* ---------------------------------------------------------------- fields */

/*
 * A numeric field being read: at most width characters of the input, of
 * which used have been taken.  c is the character after them, already read
 * (the look-ahead); c89_fld_end() pushes it back when the field is done.
 */
typedef struct {
    c89_scan_in *in;
    long width;
    long used;
    int c;
} c89_scan_field;

/* Start a field by reading its first character; 0 at end of input. */
static int c89_fld_begin(c89_scan_field *fl, c89_scan_in *in, long width)
{
    fl->in = in;
    fl->width = width;
    fl->used = 0;
    fl->c = c89_in_get(in);
    return fl->c != EOF;
}

/* Take the look-ahead into the field and read the next character. */
static void c89_fld_take(c89_scan_field *fl)
{
    fl->used++;
    fl->c = c89_in_get(fl->in);
}

/* Push the look-ahead back: the field ends before it. */
static void c89_fld_end(c89_scan_field *fl)
{
    c89_in_unget(fl->in, fl->c);
}

/* Is the look-ahead a or b, with room left in the field for it? */
static int c89_fld_is(const c89_scan_field *fl, int a, int b)
{
    return fl->used < fl->width && (fl->c == a || fl->c == b);
}

/* Take the look-ahead if c89_fld_is(fl, a, b); say whether it was taken. */
static int c89_fld_accept(c89_scan_field *fl, int a, int b)
{
    if (!c89_fld_is(fl, a, b)) {
        return 0;
    }
    c89_fld_take(fl);
    return 1;
}

/* An optional sign; 1 when it was a '-'. */
static int c89_fld_sign(c89_scan_field *fl)
{
    int minus = fl->c == '-';
    return c89_fld_accept(fl, '+', '-') && minus;
}

/* An optional "0" (1) or "0x" / "0X" (2); 0 when the field has neither. */
static int c89_fld_prefix(c89_scan_field *fl)
{
    if (!c89_fld_accept(fl, '0', '0')) {
        return 0;
    }
    return c89_fld_accept(fl, 'x', 'X') ? 2 : 1;
}

/* The look-ahead's value as a digit in base, or -1 (no digit, or no room). */
static int c89_fld_digit(const c89_scan_field *fl, int base)
{
    int d;
    if (fl->used >= fl->width) {
        return -1;
    }
    d = c89_digit_value(fl->c);
    return d < base ? d : -1;
}

/* Append the look-ahead to text[*len] and take it; 0, with nothing done,
   when text already holds C89_SCAN_FIELD_MAX characters. */
static int c89_fld_keep(c89_scan_field *fl, char *text, int *len)
{
    if (*len >= C89_SCAN_FIELD_MAX) {
        return 0;
    }
    text[(*len)++] = (char)fl->c;
    c89_fld_take(fl);
    return 1;
}

/* c89_fld_keep() a run of decimal digits: 1 when there was at least one,
   0 when there was none, -1 when text became too long. */
static int c89_fld_keep_digits(c89_scan_field *fl, char *text, int *len)
{
    int found = 0;
    while (c89_fld_digit(fl, 10) >= 0) {
        if (!c89_fld_keep(fl, text, len)) {
            return -1;
        }
        found = 1;
    }
    return found;
}

/* ---------------------------------------------------------------- integers */

typedef struct {
    c89_uint64_t u;  /* strtoull-style result */
    c89_int64_t s;   /* strtoll-style result */
} c89_scan_int_result;

/*
 * Read an integer field of at most width characters in base (0 = C prefix
 * rules, 8, 10 or 16).  The caller has skipped white space.
 */
static int c89_scan_integer(c89_scan_in *in, int base, long width, c89_scan_int_result *out)
{
    c89_uint64_t umax = ~(c89_uint64_t)0;
    c89_uint64_t smax = umax >> 1;
    c89_uint64_t mag = 0;
    c89_scan_field fl;
    int negative;
    int prefix;
    int digits;
    int overflow = 0;
    int d;
    c89_uint64_t limit;
    int last = 15;

    if (!c89_fld_begin(&fl, in, width)) {
        return C89_SCAN_INPUT;
    }
    negative = c89_fld_sign(&fl);
    prefix = (base == 0 || base == 16) ? c89_fld_prefix(&fl) : 0;
    digits = prefix != 0; /* the "0" of a prefix is a digit */
    if (prefix == 2) {
        base = 16;
    } else if (base == 0) {
        base = prefix ? 8 : 10;
    }
    /* mag * base + d overflows iff mag > limit, or mag == limit and d > last;
       no 64-bit division, so no libgcc helper is needed */
    if (base == 16) {
        limit = umax >> 4;
    } else if (base == 8) {
        limit = umax >> 3;
    } else {
        limit = ((c89_uint64_t)0x19999999UL << 16 << 16) | (c89_uint64_t)0x99999999UL;
        last = 5;
    }
    while ((d = c89_fld_digit(&fl, base)) >= 0) {
        if (mag > limit || (mag == limit && d > last)) {
            overflow = 1;
        } else {
            mag = mag * (c89_uint64_t)base + (c89_uint64_t)d;
        }
        digits = 1;
        c89_fld_take(&fl);
    }
    c89_fld_end(&fl);
    if (!digits) {
        return C89_SCAN_NOMATCH;
    }
    if (overflow) {
        out->u = umax;
    } else {
        out->u = negative ? (c89_uint64_t)0 - mag : mag;
    }
    if (negative) {
        if (overflow || mag > smax) {
            out->s = -(c89_int64_t)smax - 1;
        } else {
            out->s = -(c89_int64_t)mag;
        }
    } else {
        out->s = (overflow || mag > smax) ? (c89_int64_t)smax : (c89_int64_t)mag;
    }
    return C89_SCAN_OK;
}

/* ---------------------------------------------------------------- floating */

/* Match the rest of a keyword ("nf", "inity", "an") case-insensitively. */
static int c89_scan_word(c89_scan_in *in, const char *rest, long *used, long width)
{
    int c;
    for (; *rest != '\0'; rest++) {
        if (*used >= width) {
            return 0;
        }
        c = c89_in_get(in);
        if (c89_lower(c) != *rest) {
            c89_in_unget(in, c);
            return 0;
        }
        (*used)++;
    }
    return 1;
}

static double c89_scale2(double v, long e)
{
    while (e > 0 && v != 0.0 && v <= DBL_MAX) {
        v *= 2.0;
        e--;
    }
    while (e < 0 && v != 0.0) {
        v *= 0.5;
        e++;
    }
    return v;
}

/*
 * The rest of a hexadecimal floating field after its "0x": hex digits with
 * at most one point, then an optional binary exponent "p" [sign] digits.
 */
static int c89_scan_hex_float(c89_scan_field *fl, int negative, double *out)
{
    double mant = 0.0;
    long exp2 = 0;
    int point = 0;
    int d;

    for (;;) {
        if (!point && c89_fld_accept(fl, '.', '.')) {
            point = 1;
        } else if ((d = c89_fld_digit(fl, 16)) >= 0) {
            if (mant < 1152921504606846976.0) { /* 2^60 */
                mant = mant * 16.0 + (double)d;
                if (point) {
                    exp2 -= 4;
                }
            } else if (!point) {
                exp2 += 4;
            }
            c89_fld_take(fl);
        } else {
            break;
        }
    }
    if (c89_fld_accept(fl, 'p', 'P')) {
        long e = 0;
        int eneg = c89_fld_sign(fl);
        int edigits = 0;
        while ((d = c89_fld_digit(fl, 10)) >= 0) {
            if (e < 100000L) {
                e = e * 10 + d;
            }
            edigits = 1;
            c89_fld_take(fl);
        }
        if (edigits) {
            exp2 += eneg ? -e : e;
        }
    }
    c89_fld_end(fl);
    mant = c89_scale2(mant, exp2);
    *out = negative ? -mant : mant;
    return C89_SCAN_OK;
}

/*
 * Read a floating field of at most width characters into *out.  The caller
 * has skipped white space.
 */
static int c89_scan_float(c89_scan_in *in, long width, double *out)
{
    /* C89_SCAN_FIELD_MAX characters; then "e" and its sign may follow
       unchecked (they are dropped again when no digit follows them) */
    char text[C89_SCAN_FIELD_MAX + 2];
    int len = 0;
    c89_scan_field fl;
    int negative;
    int prefix;
    int digits;
    int got;

    if (!c89_fld_begin(&fl, in, width)) {
        return C89_SCAN_INPUT;
    }
    negative = c89_fld_sign(&fl);
    if (c89_fld_is(&fl, 'i', 'I')) {
        fl.used++; /* taken; c89_scan_word() reads on by itself */
        if (!c89_scan_word(in, "nf", &fl.used, width)) {
            return C89_SCAN_NOMATCH;
        }
        fl.c = c89_in_get(in);
        c89_in_unget(in, fl.c);
        if (c89_fld_is(&fl, 'i', 'I') && !c89_scan_word(in, "inity", &fl.used, width)) {
            return C89_SCAN_NOMATCH;
        }
        *out = negative ? -HUGE_VAL : HUGE_VAL;
        return C89_SCAN_OK;
    }
    if (c89_fld_is(&fl, 'n', 'N')) {
        static volatile double zero = 0.0;
        fl.used++;
        if (!c89_scan_word(in, "an", &fl.used, width)) {
            return C89_SCAN_NOMATCH;
        }
        *out = zero / zero;
        if (negative) {
            *out = -*out;
        }
        return C89_SCAN_OK;
    }
    prefix = c89_fld_prefix(&fl);
    if (prefix == 2) {
        return c89_scan_hex_float(&fl, negative, out);
    }
    /* decimal: digits [. digits] [e [sign] digits], as text for strtod() */
    if (negative) {
        text[len++] = '-';
    }
    if (prefix) {
        text[len++] = '0';
    }
    got = c89_fld_keep_digits(&fl, text, &len);
    if (got < 0) {
        return C89_SCAN_NOMATCH;
    }
    digits = prefix || got;
    if (c89_fld_is(&fl, '.', '.')) {
        if (!c89_fld_keep(&fl, text, &len)) {
            return C89_SCAN_NOMATCH;
        }
        got = c89_fld_keep_digits(&fl, text, &len);
        if (got < 0) {
            return C89_SCAN_NOMATCH;
        }
        digits = digits || got;
    }
    if (!digits) {
        c89_fld_end(&fl);
        return C89_SCAN_NOMATCH;
    }
    if (c89_fld_accept(&fl, 'e', 'E')) {
        int mark = len;
        text[len++] = 'e';
        if (c89_fld_is(&fl, '+', '-')) {
            text[len++] = (char)fl.c;
            c89_fld_take(&fl);
        }
        got = c89_fld_keep_digits(&fl, text, &len);
        if (got < 0) {
            return C89_SCAN_NOMATCH;
        }
        if (!got) {
            len = mark; /* "1e" reads as 1, the "e" consumed (as glibc) */
        }
    }
    c89_fld_end(&fl);
    text[len] = '\0';
    *out = strtod(text, (char **)0);
    return C89_SCAN_OK;
}

/* Parse a scanset after "%[" into set[256]; return the format after "]" or NULL. */
static const char *c89_parse_scanset(const char *f, unsigned char *set)
{
    int negate = 0;
    int i;
    int prev = -1;
    unsigned char first = 1;

    if (*f == '^') {
        negate = 1;
        f++;
    }
    for (i = 0; i < 256; i++) {
        set[i] = 0;
    }
    for (; *f != '\0'; f++) {
        int c = (unsigned char)*f;
        if (c == ']' && !first) {
            break;
        }
        if (c == '-' && prev >= 0 && f[1] != ']' && f[1] != '\0'
                && (unsigned char)f[1] >= (unsigned char)prev) {
            int hi = (unsigned char)f[1];
            for (i = prev; i <= hi; i++) {
                set[i] = 1;
            }
            f++;
            prev = -1;
        } else {
            set[c] = 1;
            prev = c;
        }
        first = 0;
    }
    if (*f != ']') {
        return (const char *)0;
    }
    if (negate) {
        for (i = 0; i < 256; i++) {
            set[i] = (unsigned char)!set[i];
        }
    }
    return f + 1;
}

static void c89_put_char(void *dst, int wide, long i, int c)
{
    if (dst == (void *)0) {
        return;
    }
    if (wide) {
        ((wchar_t *)dst)[i] = (wchar_t)(unsigned char)c;
    } else {
        ((char *)dst)[i] = (char)c;
    }
}

/* ---------------------------------------------------------------- the engine */

enum c89_scan_size {
    C89_SZ_NONE, C89_SZ_HH, C89_SZ_H, C89_SZ_L, C89_SZ_LL, C89_SZ_J, C89_SZ_Z,
    C89_SZ_T, C89_SZ_LD
};

#define C89_STORE(type, value) (*va_arg(ap, type *) = (type)(value))

static int c89_vscan(c89_scan_in *in, const char *f, va_list ap)
{
    int assigned = 0;
    int converted = 0;
    int rc = C89_SCAN_OK; /* what the last field reader returned */

    while (*f != '\0') {
        int suppress = 0;
        long width = 0;
        enum c89_scan_size size = C89_SZ_NONE;
        int conv;
        int c;

        if (isspace((unsigned char)*f)) {
            while (isspace((unsigned char)*f)) {
                f++;
            }
            c89_in_skip_space(in);
            continue;
        }
        if (*f != '%') {
            c = c89_in_get(in);
            if (c == EOF) {
                goto input_failure;
            }
            if (c != (unsigned char)*f) {
                c89_in_unget(in, c);
                return assigned;
            }
            f++;
            continue;
        }

        /* a conversion specification */
        f++;
        if (*f == '*') {
            suppress = 1;
            f++;
        }
        while (*f >= '0' && *f <= '9') {
            if (width < LONG_MAX / 10 - 10) {
                width = width * 10 + (*f - '0');
            }
            f++;
        }
        if (width <= 0) {
            width = LONG_MAX;
        }
        switch (*f) {
        case 'h':
            f++;
            size = C89_SZ_H;
            if (*f == 'h') {
                f++;
                size = C89_SZ_HH;
            }
            break;
        case 'l':
            f++;
            size = C89_SZ_L;
            if (*f == 'l') {
                f++;
                size = C89_SZ_LL;
            }
            break;
        case 'q':
            f++;
            size = C89_SZ_LL;
            break;
        case 'j':
            f++;
            size = C89_SZ_J;
            break;
        case 'z':
            f++;
            size = C89_SZ_Z;
            break;
        case 't':
            f++;
            size = C89_SZ_T;
            break;
        case 'L':
            f++;
            size = C89_SZ_LD;
            break;
        default:
            break;
        }
        conv = (unsigned char)*f;
        if (conv == '\0') {
            return assigned; /* a truncated specification */
        }
        f++;

        if (conv != '[' && conv != 'c' && conv != 'n') {
            if (c89_in_skip_space(in) == EOF) {
                goto input_failure;
            }
        }

        switch (conv) {
        case '%':
            c = c89_in_get(in);
            if (c != '%') {
                c89_in_unget(in, c);
                return assigned;
            }
            break;

        case 'n': case 'd': case 'i': case 'o': case 'u': case 'x': case 'X': case 'p': {
            c89_scan_int_result r;
            if (conv == 'n') {
                /* stored the way %d stores its value, but not counted */
                r.s = (c89_int64_t)in->count;
                r.u = (c89_uint64_t)in->count;
            } else {
                int base = conv == 'd' || conv == 'u' ? 10 : conv == 'i' ? 0 : conv == 'o' ? 8 : 16;
                rc = c89_scan_integer(in, base, width, &r);
                if (rc != C89_SCAN_OK) {
                    goto field_failure;
                }
                converted++;
            }
            if (suppress) {
                break;
            }
            if (conv == 'p') {
                C89_STORE(void *, (size_t)r.u);
            } else if (conv == 'd' || conv == 'i' || conv == 'n') {
                switch (size) {
                case C89_SZ_HH: C89_STORE(signed char, r.s); break;
                case C89_SZ_H: C89_STORE(short, r.s); break;
                case C89_SZ_L: C89_STORE(long, r.s); break;
                case C89_SZ_LL: case C89_SZ_J: case C89_SZ_LD:
                    C89_STORE(c89_int64_t, r.s); break;
                case C89_SZ_Z: C89_STORE(size_t, r.s); break;
                case C89_SZ_T: C89_STORE(ptrdiff_t, r.s); break;
                default: C89_STORE(int, r.s); break;
                }
            } else {
                switch (size) {
                case C89_SZ_HH: C89_STORE(unsigned char, r.u); break;
                case C89_SZ_H: C89_STORE(unsigned short, r.u); break;
                case C89_SZ_L: C89_STORE(unsigned long, r.u); break;
                case C89_SZ_LL: case C89_SZ_J: case C89_SZ_LD:
                    C89_STORE(c89_uint64_t, r.u); break;
                case C89_SZ_Z: C89_STORE(size_t, r.u); break;
                case C89_SZ_T: C89_STORE(ptrdiff_t, r.u); break;
                default: C89_STORE(unsigned int, r.u); break;
                }
            }
            if (conv != 'n') {
                assigned++;
            }
            break;
        }

        case 'e': case 'f': case 'g': case 'a': case 'E': case 'F': case 'G': case 'A': {
            double v = 0.0;
            rc = c89_scan_float(in, width, &v);
            if (rc != C89_SCAN_OK) {
                goto field_failure;
            }
            converted++;
            if (suppress) {
                break;
            }
            if (size == C89_SZ_L) {
                C89_STORE(double, v);
            } else if (size == C89_SZ_LD) {
                C89_STORE(long double, v);
            } else {
                C89_STORE(float, v);
            }
            assigned++;
            break;
        }

        case 'c': case 's': case '[': {
            unsigned char set[256];
            void *dst = (void *)0;
            int wide = size == C89_SZ_L;
            long n = 0;

            if (conv == '[') {
                f = c89_parse_scanset(f, set);
                if (f == (const char *)0) {
                    return assigned; /* no closing ']' */
                }
            }
            if (!suppress) {
                if (wide) {
                    dst = va_arg(ap, wchar_t *);
                } else {
                    dst = va_arg(ap, char *);
                }
            }
            if (conv == 'c') {
                if (width == LONG_MAX) {
                    width = 1;
                }
                while (n < width && (c = c89_in_get(in)) != EOF) {
                    c89_put_char(dst, wide, n++, c);
                }
            } else {
                while (n < width) {
                    c = c89_in_get(in);
                    if (c == EOF) {
                        break;
                    }
                    if (conv == 's' ? isspace(c) != 0 : !set[c]) {
                        c89_in_unget(in, c);
                        break;
                    }
                    c89_put_char(dst, wide, n++, c);
                }
                if (n > 0) {
                    c89_put_char(dst, wide, n, '\0');
                }
            }
            if (n == 0) {
                c = c89_in_get(in);
                c89_in_unget(in, c);
                if (c == EOF) {
                    goto input_failure;
                }
                return assigned;
            }
            converted++;
            if (!suppress) {
                assigned++;
            }
            break;
        }

        default:
            return assigned; /* unknown conversion (incl. "%1$d", "%ms") */
        }
    }
    return assigned;

field_failure: /* rc is C89_SCAN_NOMATCH or C89_SCAN_INPUT */
    if (rc == C89_SCAN_NOMATCH) {
        return assigned;
    }
input_failure:
    return converted == 0 ? EOF : assigned;
}

/* ---------------------------------------------------------------- entry points */

int c89_vsscanf(const char *s, const char *fmt, va_list ap)
{
    c89_scan_in in;
    in.str = s;
    in.fp = (FILE *)0;
    in.count = 0;
    return c89_vscan(&in, fmt, ap);
}

int c89_vfscanf(FILE *fp, const char *fmt, va_list ap)
{
    c89_scan_in in;
    in.str = (const char *)0;
    in.fp = fp;
    in.count = 0;
    return c89_vscan(&in, fmt, ap);
}

int c89_vscanf(const char *fmt, va_list ap)
{
    return c89_vfscanf(stdin, fmt, ap);
}

int c89_sscanf(const char *s, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = c89_vsscanf(s, fmt, ap);
    va_end(ap);
    return r;
}

int c89_fscanf(FILE *fp, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = c89_vfscanf(fp, fmt, ap);
    va_end(ap);
    return r;
}

int c89_scanf(const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = c89_vfscanf(stdin, fmt, ap);
    va_end(ap);
    return r;
}
