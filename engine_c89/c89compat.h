/*
 * c89compat.h - the small C99 subset that llama98's C89 rewriter relies on.
 *
 * The rewriter (toolchain/c89) turns C99 sources into strict C89 and, where
 * C89 has no spelling for something, emits a name declared here:
 *
 *   long long / unsigned long long   -> c89_int64_t / c89_uint64_t
 *   123LL, 0x123456789ULL            -> C89_I64(123), C89_U64_HL(0x1, 0x23456789)
 *   "%lld" in printf formats         -> "%" C89_PRId64
 *   <stdint.h> types, ssize_t, bool  -> c89_int8_t ... c89_ssize_t, c89_bool
 *   clock_gettime/struct timespec    -> c89_clock_gettime/struct c89_timespec
 *   scanf-family with %hhX, %lld ... -> c89_sscanf/c89_fscanf/c89_scanf
 *   snprintf/vsnprintf               -> c89_snprintf/c89_vsnprintf
 *   strtoll/strtoull/atoll/llabs     -> c89_strtoll/c89_strtoull/...
 *   round trunc fmin fmax copysign   -> c89_round ... (and the float forms:
 *   lround isnan isinf                  roundf -> c89_roundf ...)
 *
 * The header itself is strict C89 (no // comments, no long long outside a
 * compiler-specific branch).  It must build warning-free with
 *   gcc -std=c89 -pedantic-errors -Wall -Werror
 *   i686-w64-mingw32-gcc -std=c89 -pedantic-errors
 *   tcc, pcc
 * and has branches for MSVC (_MSC_VER), Borland (__BORLANDC__) and Watcom
 * (__WATCOMC__), which spell 64-bit integers __int64.
 *
 * The functions declared at the end are implemented by the engine
 * (engine_c89/c89timer.c, c89stdio.c, c89snprintf.c, c89stdlib.c and
 * c89math.c),
 * not here.
 *
 * It includes no header and defines no name outside C89_/c89_ (and its
 * helpers, whose names end in '_'): a program may define CHAR_BIT or EOF
 * itself.  The declarations that need FILE, size_t or va_list are made
 * once the program has included <stdio.h> (and <stdarg.h>): c89port puts
 * the #include of this header after the program's own.
 */
#ifndef C89COMPAT_H_INCLUDED
#define C89COMPAT_H_INCLUDED

/* Borland C++ 5.0x documents __WIN32__ as its Win32 macro; the engine tests
 * _WIN32 (c89timer.c's QueryPerformanceCounter clock), so make sure it is set. */
#if defined(__BORLANDC__) && defined(__WIN32__) && !defined(_WIN32)
#define _WIN32 1
#endif

/* ------------------------------------------------------------------ */
/* 64-bit integers                                                     */
/* ------------------------------------------------------------------ */

#if defined(_MSC_VER) || defined(__BORLANDC__) || defined(__WATCOMC__)
/* These compilers have __int64 in every mode (long long only in some). */
typedef __int64 c89_int64_t;
typedef unsigned __int64 c89_uint64_t;
#elif defined(__GNUC__) && !defined(__TINYC__)
/* gcc and clang: __extension__ keeps -pedantic-errors quiet in C89 mode. */
__extension__ typedef long long c89_int64_t;
__extension__ typedef unsigned long long c89_uint64_t;
#else
/* tcc, pcc and other Unix compilers accept long long by default. */
typedef long long c89_int64_t;
typedef unsigned long long c89_uint64_t;
#endif

/* 64-bit constants.  C89 has no LL suffix: values that fit 32 bits are
 * cast, larger ones are built from two 32-bit halves (hex constants, so no
 * "decimal constant is unsigned only in ISO C90" diagnostics). */
#define C89_I64(n)          ((c89_int64_t)(n))
#define C89_U64(n)          ((c89_uint64_t)(n))
#define C89_U64_HL(hi, lo)  ((((c89_uint64_t)(hi)) << 32) | ((c89_uint64_t)(lo)))
#define C89_I64_HL(hi, lo)  ((c89_int64_t)C89_U64_HL(hi, lo))

/* printf/scanf length modifier for 64-bit integers.  The Windows 98 C
 * runtime (msvcrt.dll) knows only I64; MinGW uses msvcrt by default. */
#if defined(__BORLANDC__)
#define C89_PRI64_ "L"
#elif defined(_MSC_VER) || defined(_WIN32) || defined(__WIN32__) || defined(__MINGW32__)
#define C89_PRI64_ "I64"
#else
#define C89_PRI64_ "ll"
#endif

/* Each expands to a string literal: printf("%" C89_PRId64 "\n", x); */
#define C89_PRId64 C89_PRI64_ "d"
#define C89_PRIi64 C89_PRI64_ "i"
#define C89_PRIu64 C89_PRI64_ "u"
#define C89_PRIo64 C89_PRI64_ "o"
#define C89_PRIx64 C89_PRI64_ "x"
#define C89_PRIX64 C89_PRI64_ "X"
#define C89_SCNd64 C89_PRI64_ "d"
#define C89_SCNi64 C89_PRI64_ "i"
#define C89_SCNu64 C89_PRI64_ "u"
#define C89_SCNo64 C89_PRI64_ "o"
#define C89_SCNx64 C89_PRI64_ "x"

/* ------------------------------------------------------------------ */
/* <stdint.h> replacements                                             */
/* ------------------------------------------------------------------ */

typedef signed char    c89_int8_t;
typedef unsigned char  c89_uint8_t;
typedef short          c89_int16_t;
typedef unsigned short c89_uint16_t;

/* int has 32 bits on every 32- and 64-bit compiler; <limits.h> says so
 * when the program included it, else the compiler does (16-bit compilers:
 * long).  c89_check_int32 below stops a build where this is wrong. */
#if defined(UINT_MAX)
#if UINT_MAX == 0xFFFFFFFFUL
#define C89_INT_IS_32_ 1
#endif
#elif defined(__SIZEOF_INT__)
#if __SIZEOF_INT__ == 4
#define C89_INT_IS_32_ 1
#endif
#elif !defined(_M_I86) && !defined(__I86__) && \
    !(defined(__TURBOC__) && !defined(__WIN32__) && !defined(__FLAT__))
#define C89_INT_IS_32_ 1
#endif

#if defined(C89_INT_IS_32_)
typedef int            c89_int32_t;
typedef unsigned int   c89_uint32_t;
#define C89_PRI32_ ""
#define C89_INT32_C(c)  c
#define C89_UINT32_C(c) c ## U
#else
typedef long           c89_int32_t;
typedef unsigned long  c89_uint32_t;
#define C89_PRI32_ "l"
#define C89_INT32_C(c)  c ## L
#define C89_UINT32_C(c) c ## UL
#endif
#define C89_PRId32 C89_PRI32_ "d"
#define C89_PRIi32 C89_PRI32_ "i"
#define C89_PRIu32 C89_PRI32_ "u"
#define C89_PRIo32 C89_PRI32_ "o"
#define C89_PRIx32 C89_PRI32_ "x"
#define C89_PRIX32 C89_PRI32_ "X"

/* Pointer-sized integers: long is pointer-sized everywhere except 64-bit
 * Windows (LLP64). */
#if defined(_WIN64)
typedef c89_int64_t    c89_intptr_t;
typedef c89_uint64_t   c89_uintptr_t;
typedef c89_int64_t    c89_ssize_t;
#else
typedef long           c89_intptr_t;
typedef unsigned long  c89_uintptr_t;
typedef long           c89_ssize_t;   /* POSIX ssize_t; long on Win32 */
#endif

typedef c89_int64_t    c89_intmax_t;
typedef c89_uint64_t   c89_uintmax_t;

/* <stdbool.h>: a plain int (conversions do not normalise to 0/1). */
typedef int            c89_bool;

/* Limits. */
/* <stdint.h>'s INTn_C/UINTn_C for n < 64 (the 64-bit ones are rewritten as
 * literals): the constant with the type its C99 macro gives it, after the
 * integer promotions (8 and 16 bits: int, as glibc and MSVC do). */
#define C89_INT8_C(c)   c
#define C89_UINT8_C(c)  c
#define C89_INT16_C(c)  c
#define C89_UINT16_C(c) c

#define C89_INT8_MIN    (-127 - 1)
#define C89_INT8_MAX    127
#define C89_UINT8_MAX   255
#define C89_INT16_MIN   (-32767 - 1)
#define C89_INT16_MAX   32767
#define C89_UINT16_MAX  65535
#define C89_INT32_MIN   ((c89_int32_t)(-2147483647L - 1L))
#define C89_INT32_MAX   ((c89_int32_t)2147483647L)
#define C89_UINT32_MAX  ((c89_uint32_t)0xFFFFFFFFUL)
#define C89_INT64_MAX   C89_I64_HL(0x7FFFFFFF, 0xFFFFFFFF)
#define C89_INT64_MIN   (-C89_INT64_MAX - 1)
#define C89_UINT64_MAX  C89_U64_HL(0xFFFFFFFF, 0xFFFFFFFF)
/* size_t's maximum, typed size_t, without naming size_t (<stddef.h> may
 * not be included): sizeof gives a size_t. */
#define C89_SIZE_MAX    (sizeof(char) * 0 - 1)

/* Compile-time size checks: a negative array size stops the build when a
 * typedef above has the wrong width on some compiler. */
typedef char c89_check_int8[sizeof(c89_int8_t) == 1 ? 1 : -1];
typedef char c89_check_int16[sizeof(c89_int16_t) == 2 ? 1 : -1];
typedef char c89_check_int32[sizeof(c89_int32_t) == 4 ? 1 : -1];
typedef char c89_check_int64[sizeof(c89_int64_t) == 8 ? 1 : -1];
typedef char c89_check_uint64[sizeof(c89_uint64_t) == 8 ? 1 : -1];
typedef char c89_check_intptr[sizeof(c89_intptr_t) == sizeof(void *) ? 1 : -1];
typedef char c89_check_uintptr[sizeof(c89_uintptr_t) == sizeof(void *) ? 1 : -1];
typedef char c89_check_ssize[sizeof(c89_ssize_t) == sizeof(sizeof(char)) ? 1 : -1];

/* ------------------------------------------------------------------ */
/* Timer (implemented in engine_c89/c89timer.c)                        */
/* ------------------------------------------------------------------ */

struct c89_timespec {
    long tv_sec;    /* seconds */
    long tv_nsec;   /* nanoseconds, 0 .. 999999999 */
};

#define C89_CLOCK_REALTIME  0
#define C89_CLOCK_MONOTONIC 1

/* Like POSIX clock_gettime: fills *ts, returns 0 (or -1 on error). */
int c89_clock_gettime(int clock_id, struct c89_timespec *ts);

/* ------------------------------------------------------------------ */
/* 64-bit <stdlib.h> conversions (engine_c89/c89stdlib.c)              */
/* ------------------------------------------------------------------ */

c89_int64_t c89_strtoll(const char *s, char **end, int base);
c89_uint64_t c89_strtoull(const char *s, char **end, int base);
c89_int64_t c89_atoll(const char *s);
c89_int64_t c89_llabs(c89_int64_t v);

/* ------------------------------------------------------------------ */
/* C99 <math.h> functions (engine_c89/c89math.c)                       */
/* ------------------------------------------------------------------ */

/* Exact, as in C99: round (half away from zero), trunc, copysign, and
 * fmin/fmax (a NaN argument gives the other one).  isnan/isinf are C99
 * macros for any floating type; a float converts to double exactly. */
double c89_round(double x);
double c89_trunc(double x);
double c89_fmin(double x, double y);
double c89_fmax(double x, double y);
double c89_copysign(double x, double y);
long c89_lround(double x);
float c89_roundf(float x);
float c89_truncf(float x);
float c89_fminf(float x, float y);
float c89_fmaxf(float x, float y);
float c89_copysignf(float x, float y);
long c89_lroundf(float x);
int c89_isnan(double x);
int c89_isinf(double x);

#endif /* C89COMPAT_H_INCLUDED */

/* ------------------------------------------------------------------ */
/* scanf family with C99 length modifiers (engine_c89/c89stdio.c)      */
/* ------------------------------------------------------------------ */

/* Declared once <stdio.h> is in (EOF is its macro), and so on a later
 * #include of this header too. */
#if defined(EOF) && !defined(C89COMPAT_STDIO_)
#define C89COMPAT_STDIO_

/* Same contract as the C99 functions, including hh, ll, j, z and t
 * length modifiers, which the Windows 98 runtime does not understand. */
int c89_sscanf(const char *s, const char *fmt, ...);
int c89_fscanf(FILE *f, const char *fmt, ...);
int c89_scanf(const char *fmt, ...);

/* ------------------------------------------------------------------ */
/* snprintf family (engine_c89/c89snprintf.c)                          */
/* ------------------------------------------------------------------ */

/* C99 semantics: at most n - 1 characters and a NUL are stored, and the
 * result is the length the whole output would have had.  (MSVCRT's
 * _snprintf returns -1 on truncation and may leave no NUL.) */
int c89_snprintf(char *buf, size_t n, const char *fmt, ...);
#endif

#if defined(EOF) && defined(va_start) && !defined(C89COMPAT_STDARG_)
#define C89COMPAT_STDARG_
int c89_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
#endif
