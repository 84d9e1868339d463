/* What c89port's analysis sees for engine_c89/c89compat.h: the same names,
 * no platform logic and no system headers (size_t, FILE and va_list are
 * written as the plain types pycparser needs).  tests/c89/test_compat_stub.py
 * holds its names equal to the real header's. */
#ifndef C89COMPAT_H_INCLUDED
#define C89COMPAT_H_INCLUDED
typedef signed char c89_int8_t; typedef unsigned char c89_uint8_t;
typedef short c89_int16_t; typedef unsigned short c89_uint16_t;
typedef int c89_int32_t; typedef unsigned int c89_uint32_t;
typedef long long c89_int64_t; typedef unsigned long long c89_uint64_t;
typedef long c89_intptr_t; typedef unsigned long c89_uintptr_t;
typedef long c89_ssize_t; typedef c89_int64_t c89_intmax_t;
typedef c89_uint64_t c89_uintmax_t; typedef int c89_bool;
#define C89_I64(n) ((c89_int64_t)(n))
#define C89_INT8_C(c) c
#define C89_UINT8_C(c) c
#define C89_INT16_C(c) c
#define C89_UINT16_C(c) c
#define C89_INT32_C(c) c
#define C89_UINT32_C(c) c ## U
#define C89_U64(n) ((c89_uint64_t)(n))
#define C89_U64_HL(h, l) (((c89_uint64_t)(h) << 32) | (c89_uint64_t)(l))
#define C89_I64_HL(h, l) ((c89_int64_t)C89_U64_HL(h, l))
#define C89_PRId64 "lld"
#define C89_PRIi64 "lli"
#define C89_PRIu64 "llu"
#define C89_PRIx64 "llx"
#define C89_PRIX64 "llX"
#define C89_PRIo64 "llo"
#define C89_SCNd64 "lld"
#define C89_SCNi64 "lli"
#define C89_SCNu64 "llu"
#define C89_SCNx64 "llx"
#define C89_SCNo64 "llo"
#define C89_PRId32 "d"
#define C89_PRIi32 "i"
#define C89_PRIu32 "u"
#define C89_PRIo32 "o"
#define C89_PRIx32 "x"
#define C89_PRIX32 "X"
#define C89_INT8_MIN (-127 - 1)
#define C89_INT8_MAX 127
#define C89_UINT8_MAX 255
#define C89_INT16_MIN (-32767 - 1)
#define C89_INT16_MAX 32767
#define C89_UINT16_MAX 65535
#define C89_INT32_MIN ((c89_int32_t)(-2147483647L - 1L))
#define C89_INT32_MAX ((c89_int32_t)2147483647L)
#define C89_UINT32_MAX ((c89_uint32_t)0xFFFFFFFFUL)
#define C89_INT64_MAX C89_I64_HL(0x7FFFFFFF, 0xFFFFFFFF)
#define C89_INT64_MIN (-C89_INT64_MAX - 1)
#define C89_UINT64_MAX C89_U64_HL(0xFFFFFFFF, 0xFFFFFFFF)
#define C89_SIZE_MAX ((unsigned long)-1)
#define C89_CLOCK_REALTIME 0
#define C89_CLOCK_MONOTONIC 1
struct c89_timespec { long tv_sec; long tv_nsec; };
int c89_clock_gettime(int clk, struct c89_timespec *ts);
int c89_sscanf(const char *s, const char *fmt, ...);
int c89_fscanf(void *f, const char *fmt, ...);
int c89_scanf(const char *fmt, ...);
int c89_snprintf(char *buf, unsigned long n, const char *fmt, ...);
int c89_vsnprintf(char *buf, unsigned long n, const char *fmt, void *ap);
c89_int64_t c89_strtoll(const char *s, char **end, int base);
c89_uint64_t c89_strtoull(const char *s, char **end, int base);
c89_int64_t c89_atoll(const char *s);
c89_int64_t c89_llabs(c89_int64_t v);
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
#endif
