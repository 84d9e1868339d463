/*
 * c89snprintf.c - snprintf/vsnprintf with C99 semantics, in strict C89.
 *
 * The C89 library has no bounded formatting, and Windows 98's MSVCRT.DLL
 * _snprintf returns -1 on truncation and then leaves the buffer without a
 * terminating NUL.  c89_snprintf(buf, n, fmt, ...) instead
 *
 *   - writes at most n - 1 characters and always a NUL when n > 0
 *     (n == 0 writes nothing and buf may be NULL),
 *   - returns the length the whole output would have had (C99 7.19.6.5).
 *
 * The format is walked here, one conversion at a time.  %s and %c are
 * copied directly (a precision bounds the string, which then need not be
 * NUL-terminated); numbers are formatted by the C89 sprintf into a
 * scratch buffer whose size is computed from the width, the precision and
 * the largest value the conversion can print (a %f of DBL_MAX has 309
 * integer digits), so sprintf can never overflow it.
 *
 * Supported: flags - + space # 0; width and precision as digits or *;
 * length modifiers hh h l ll j z t L q I64 I32; conversions
 * d i o u x X e E f F g G a A c s p n %.  %F prints like %f with upper-case
 * INF/NAN.  %a is passed to the C library (MSVCRT does not know it).
 * Wide %lc/%ls return -1.  Rounding of floating-point values is the C
 * library's: MSVCRT rounds exact halfway cases away from zero (%.0f of 2.5
 * prints 3, glibc 2).  Strict C89: no 64-bit division is needed.
 */
#include <float.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "c89compat.h"

struct c89_out {
    char *buf;
    size_t cap;     /* characters that may be stored (n - 1) */
    size_t len;     /* characters the full output has so far */
};

static void c89_put(struct c89_out *o, const char *p, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, p, n < room ? n : room);
    }
    o->len += n;
}

static void c89_pad(struct c89_out *o, char c, size_t n)
{
    char chunk[32];
    memset(chunk, c, sizeof chunk);
    while (n > 0) {
        size_t k = n < sizeof chunk ? n : sizeof chunk;
        c89_put(o, chunk, k);
        n -= k;
    }
}

/* A string field: [pad] text [pad]. */
static void c89_field(struct c89_out *o, const char *s, size_t n, int width, int left)
{
    size_t w = width > 0 ? (size_t)width : 0;
    if (!left && w > n)
        c89_pad(o, ' ', w - n);
    c89_put(o, s, n);
    if (left && w > n)
        c89_pad(o, ' ', w - n);
}

/* A number formatted without its width: MSVCRT prints exponents with
 * three digits (1e+005), C99 with at least two; drop the extra zero, then
 * pad to the width (zeros go after the sign and 0x, not for inf/nan). */
static void c89_number_field(struct c89_out *o, char *s, size_t n, int width, const char *flags)
{
    size_t w = width > 0 ? (size_t)width : 0, lead = 0, k;
    int has_digit = 0;
    if (n >= 5 && (s[n - 5] == 'e' || s[n - 5] == 'E') && (s[n - 4] == '+' || s[n - 4] == '-')
        && s[n - 3] == '0' && s[n - 2] >= '0' && s[n - 2] <= '9'
        && s[n - 1] >= '0' && s[n - 1] <= '9') {
        s[n - 3] = s[n - 2];
        s[n - 2] = s[n - 1];
        n--;
    }
    for (k = 0; k < n; k++)
        if (s[k] >= '0' && s[k] <= '9')
            has_digit = 1;
    if (n >= w || strchr(flags, '-') != NULL) {
        c89_put(o, s, n);
        if (w > n)
            c89_pad(o, ' ', w - n);
        return;
    }
    if (strchr(flags, '0') != NULL && has_digit) {
        if (lead < n && (s[lead] == '-' || s[lead] == '+' || s[lead] == ' '))
            lead++;
        if (lead + 1 < n && s[lead] == '0' && (s[lead + 1] == 'x' || s[lead + 1] == 'X'))
            lead += 2;
        c89_put(o, s, lead);
        c89_pad(o, '0', w - n);
        c89_put(o, s + lead, n - lead);
        return;
    }
    c89_pad(o, ' ', w - n);
    c89_put(o, s, n);
}

/* Appends a non-negative int in decimal to p; returns the new end. */
static char *c89_utoa(char *p, unsigned int v)
{
    char tmp[16];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (k > 0)
        *p++ = tmp[--k];
    return p;
}

enum { C89_LEN_NONE, C89_LEN_HH, C89_LEN_H, C89_LEN_L, C89_LEN_LL, C89_LEN_J, C89_LEN_Z,
       C89_LEN_T, C89_LEN_BIGL };

int c89_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct c89_out o;
    const char *p = fmt;
    char local[512];

    o.buf = buf;
    o.cap = n > 0 ? n - 1 : 0;
    o.len = 0;
    if (buf == NULL)
        o.cap = 0;

    while (*p != '\0') {
        char flags[8];
        int nflags = 0, width = 0, prec = -1, len = C89_LEN_NONE, left = 0;
        char conv;
        const char *start;

        flags[0] = '\0';
        if (*p != '%') {
            start = p;
            while (*p != '\0' && *p != '%')
                p++;
            c89_put(&o, start, (size_t)(p - start));
            continue;
        }
        p++;
        /* flags */
        while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0') {
            if (*p == '-')
                left = 1;
            if (nflags < 6 && strchr(flags, *p) == NULL)
                flags[nflags++] = *p;
            flags[nflags] = '\0';
            p++;
        }
        flags[nflags] = '\0';
        /* width */
        if (*p == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = width == INT_MIN ? INT_MAX : -width;
                if (strchr(flags, '-') == NULL && nflags < 6) {
                    flags[nflags++] = '-';
                    flags[nflags] = '\0';
                }
            }
            p++;
        } else {
            while (*p >= '0' && *p <= '9') {
                if (width < INT_MAX / 10)
                    width = width * 10 + (*p - '0');
                p++;
            }
        }
        /* precision */
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                if (prec < 0)
                    prec = -1;
                p++;
            } else {
                while (*p >= '0' && *p <= '9') {
                    if (prec < INT_MAX / 10)
                        prec = prec * 10 + (*p - '0');
                    p++;
                }
            }
        }
        /* length modifier */
        switch (*p) {
        case 'h':
            p++;
            len = C89_LEN_H;
            if (*p == 'h') {
                p++;
                len = C89_LEN_HH;
            }
            break;
        case 'l':
            p++;
            len = C89_LEN_L;
            if (*p == 'l') {
                p++;
                len = C89_LEN_LL;
            }
            break;
        case 'q':
            p++;
            len = C89_LEN_LL;
            break;
        case 'j':
            p++;
            len = C89_LEN_J;
            break;
        case 'z':
            p++;
            len = C89_LEN_Z;
            break;
        case 't':
            p++;
            len = C89_LEN_T;
            break;
        case 'L':
            p++;
            len = C89_LEN_BIGL;
            break;
        case 'I':
            if (p[1] == '6' && p[2] == '4') {
                p += 3;
                len = C89_LEN_LL;
            } else if (p[1] == '3' && p[2] == '2') {
                p += 3;
            } else {
                p++;
                len = C89_LEN_Z;
            }
            break;
        default:
            break;
        }
        conv = *p;
        if (conv == '\0')
            return -1;
        p++;

        switch (conv) {
        case '%':
            c89_put(&o, "%", 1);
            break;
        case 'c': {
            char ch;
            if (len == C89_LEN_L)
                return -1;
            ch = (char)va_arg(ap, int);
            c89_field(&o, &ch, 1, width, left);
            break;
        }
        case 's': {
            const char *s;
            size_t sl;
            if (len == C89_LEN_L)
                return -1;
            s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            if (prec >= 0) {
                const char *z = (const char *)memchr(s, '\0', (size_t)prec);
                sl = z != NULL ? (size_t)(z - s) : (size_t)prec;
            } else {
                sl = strlen(s);
            }
            c89_field(&o, s, sl, width, left);
            break;
        }
        case 'n': {
            size_t v = o.len;
            switch (len) {
            case C89_LEN_HH: *va_arg(ap, signed char *) = (signed char)v; break;
            case C89_LEN_H: *va_arg(ap, short *) = (short)v; break;
            case C89_LEN_L: *va_arg(ap, long *) = (long)v; break;
            case C89_LEN_LL:
            case C89_LEN_J: *va_arg(ap, c89_int64_t *) = (c89_int64_t)v; break;
            case C89_LEN_Z: *va_arg(ap, size_t *) = v; break;
            case C89_LEN_T: *va_arg(ap, ptrdiff_t *) = (ptrdiff_t)v; break;
            default: *va_arg(ap, int *) = (int)v; break;
            }
            break;
        }
        case 'd': case 'i': case 'o': case 'u': case 'x': case 'X':
        case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
        case 'p': {
            char spec[48];
            char *q = spec;
            char *out;
            size_t need;
            int got, upper = 0;
            int isfloat = strchr("eEfFgGaA", conv) != NULL;

            /* scratch size: width + precision + the widest value */
            need = (size_t)width + (prec > 0 ? (size_t)prec : 0) + 64;
            if (isfloat)
                need += len == C89_LEN_BIGL ? (size_t)LDBL_MAX_10_EXP : (size_t)DBL_MAX_10_EXP;
            out = need <= sizeof local ? local : (char *)malloc(need);
            if (out == NULL)
                return -1;
            *q++ = '%';
            strcpy(q, flags);
            q += strlen(flags);
            if (width > 0 && !isfloat)
                q = c89_utoa(q, (unsigned int)width);
            if (prec >= 0) {
                *q++ = '.';
                q = c89_utoa(q, (unsigned int)prec);
            }
            *q = '\0';
            if (conv == 'F') {
                conv = 'f';
                upper = 1;
            }
            if (conv == 'p') {
                q[0] = 'p';
                q[1] = '\0';
                got = sprintf(out, spec, va_arg(ap, void *));
            } else if (isfloat) {
                if (len == C89_LEN_BIGL) {
                    long double v = va_arg(ap, long double);
#if defined(_WIN32) || defined(__WIN32__) || defined(__MINGW32__)
                    /* MSVCRT's long double is double: print it as one */
                    q[0] = conv;
                    q[1] = '\0';
                    got = sprintf(out, spec, (double)v);
#else
                    q[0] = 'L';
                    q[1] = conv;
                    q[2] = '\0';
                    got = sprintf(out, spec, v);
#endif
                } else {
                    q[0] = conv;
                    q[1] = '\0';
                    got = sprintf(out, spec, va_arg(ap, double));
                }
            } else if (len == C89_LEN_LL || len == C89_LEN_J) {
                strcpy(q, C89_PRI64_);
                q += strlen(q);
                q[0] = conv;
                q[1] = '\0';
                if (conv == 'd' || conv == 'i')
                    got = sprintf(out, spec, va_arg(ap, c89_int64_t));
                else
                    got = sprintf(out, spec, va_arg(ap, c89_uint64_t));
            } else if (len == C89_LEN_L || len == C89_LEN_Z || len == C89_LEN_T) {
                q[0] = 'l';
                q[1] = conv;
                q[2] = '\0';
                if (conv == 'd' || conv == 'i') {
                    long v = len == C89_LEN_T ? (long)va_arg(ap, ptrdiff_t)
                             : len == C89_LEN_Z ? (long)va_arg(ap, size_t) : va_arg(ap, long);
                    got = sprintf(out, spec, v);
                } else {
                    unsigned long v = len == C89_LEN_Z ? (unsigned long)va_arg(ap, size_t)
                                      : len == C89_LEN_T ? (unsigned long)va_arg(ap, ptrdiff_t)
                                      : va_arg(ap, unsigned long);
                    got = sprintf(out, spec, v);
                }
            } else {
                int v = va_arg(ap, int);
                q[0] = conv;
                q[1] = '\0';
                if (conv == 'd' || conv == 'i') {
                    if (len == C89_LEN_HH)
                        v = (signed char)v;
                    else if (len == C89_LEN_H)
                        v = (short)v;
                    got = sprintf(out, spec, v);
                } else {
                    unsigned int u = (unsigned int)v;
                    if (len == C89_LEN_HH)
                        u = (unsigned char)u;
                    else if (len == C89_LEN_H)
                        u = (unsigned short)u;
                    got = sprintf(out, spec, u);
                }
            }
            if (got < 0) {
                if (out != local)
                    free(out);
                return -1;
            }
            if (upper) {
                int k;
                for (k = 0; k < got; k++)
                    if (out[k] >= 'a' && out[k] <= 'z')
                        out[k] = (char)(out[k] - 'a' + 'A');
            }
            if (isfloat)
                c89_number_field(&o, out, (size_t)got, width, flags);
            else
                c89_put(&o, out, (size_t)got);
            if (out != local)
                free(out);
            break;
        }
        default:
            return -1;  /* not a conversion C99 defines */
        }
    }
    if (n > 0 && buf != NULL)
        buf[o.len < o.cap ? o.len : o.cap] = '\0';
    if (o.len > (size_t)INT_MAX)
        return -1;
    return (int)o.len;
}

int c89_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = c89_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}
