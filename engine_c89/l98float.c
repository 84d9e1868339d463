/*
 * l98float.c - see l98float.h.  Strict C89.
 *
 * The float functions follow the algorithms of glibc's expf, sinf and cosf
 * (2018 versions, in glibc since 2.28), which evaluate in double precision and
 * round once to float:
 *
 *   expf(x) = 2^(k/32) * p(r), where x * 32/ln2 = k + r, k the nearest
 *             integer, p a degree-3 polynomial and 2^(k/32) from a table of
 *             2^(j/32), j = 0..31, scaled by 2^((k - j)/32);
 *   sinf, cosf: |x| < 0.75 (the top 12 bits of x below those of pi/4) directly
 *             by odd / even polynomials; |x| < 120 reduced by the nearest
 *             multiple n of pi/2 computed in double; larger |x| reduced with a
 *             192-bit 2/pi in integer arithmetic.  The quadrant n picks sine or
 *             cosine polynomial and sign.
 *
 * The constants are the same doubles, written here as the two 32-bit halves
 * of their IEEE 754 representation (C89 has no hexadecimal floating
 * constants, and a decimal one relies on the compiler's conversion): the
 * tables are built from them at the first call.  The results are compared bit
 * for bit with glibc's by tests/test_int8.py.
 *
 * Every double operation must round to double as SSE2 does: on an x87 FPU the
 * functions set the precision control to 53 bits around their work (and put
 * it back), and the input and the result pass through volatile variables so
 * the compiler cannot move the arithmetic out from between the two.
 */
#include <math.h>
#include <string.h>
#include "c89compat.h"
#include "l98float.h"

/* ---------------------------------------------------------------- the FPU */

#if defined(L98_X87_ASM)

unsigned l98_fpu_precision(int bits)
{
    unsigned short old, cw;
    __asm__ __volatile__ ("fnstcw %0" : "=m" (old) : : "memory");
    cw = (unsigned short)((old & ~0x0300u) | (bits == 24 ? 0x0000u : 0x0200u));
    if (cw != old)
        __asm__ __volatile__ ("fldcw %0" : : "m" (cw) : "memory");
    return old;
}

void l98_fpu_restore(unsigned old)
{
    unsigned short cw, now;
    cw = (unsigned short)old;
    __asm__ __volatile__ ("fnstcw %0" : "=m" (now) : : "memory");
    if (cw != now)
        __asm__ __volatile__ ("fldcw %0" : : "m" (cw) : "memory");
}

#elif defined(L98_X87_CONTROL87)

unsigned l98_fpu_precision(int bits)
{
    unsigned old = _control87(0, 0);
    _control87(bits == 24 ? L98_PC_24 : L98_PC_53, L98_MCW_PC);
    return old;
}

void l98_fpu_restore(unsigned old)
{
    _control87(old, L98_MCW_PC);
}

#else

unsigned l98_fpu_precision(int bits)
{
    (void)bits;
    return 0;
}

void l98_fpu_restore(unsigned old)
{
    (void)old;
}

#endif

/* ---------------------------------------------------------------- fp32 matmul */

void l98_matmul_f32(float *xout, const float *x, const float *w, int n, int d)
{
    unsigned cw = l98_fpu_precision(24);
    int i, j;
    for (i = 0; i < d; i++) {
        const float *row = w + (long)i * n;
        l98_facc val = 0.0f;
        for (j = 0; j + 4 <= n; j += 4) {       /* unrolled; the order of the sum kept */
            val += row[j] * x[j];
            val += row[j + 1] * x[j + 1];
            val += row[j + 2] * x[j + 2];
            val += row[j + 3] * x[j + 3];
        }
        for (; j < n; j++)
            val += row[j] * x[j];
        xout[i] = (float)val;
    }
    l98_fpu_restore(cw);
}

/* ---------------------------------------------------------------- constants */

static const c89_uint32_t l98_exp2_bits[32][2] = {
    { 0x3FF00000UL, 0x00000000UL },   /* 2^(0/32) */
    { 0x3FF059B0UL, 0xD3158574UL },   /* 2^(1/32) */
    { 0x3FF0B558UL, 0x6CF9890FUL },
    { 0x3FF11301UL, 0xD0125B51UL },
    { 0x3FF172B8UL, 0x3C7D517BUL },
    { 0x3FF1D487UL, 0x3168B9AAUL },
    { 0x3FF2387AUL, 0x6E756238UL },
    { 0x3FF29E9DUL, 0xF51FDEE1UL },
    { 0x3FF306FEUL, 0x0A31B715UL },
    { 0x3FF371A7UL, 0x373AA9CBUL },
    { 0x3FF3DEA6UL, 0x4C123422UL },
    { 0x3FF44E08UL, 0x6061892DUL },
    { 0x3FF4BFDAUL, 0xD5362A27UL },
    { 0x3FF5342BUL, 0x569D4F82UL },
    { 0x3FF5AB07UL, 0xDD485429UL },
    { 0x3FF6247EUL, 0xB03A5585UL },
    { 0x3FF6A09EUL, 0x667F3BCDUL },   /* 2^(16/32) */
    { 0x3FF71F75UL, 0xE8EC5F74UL },
    { 0x3FF7A114UL, 0x73EB0187UL },
    { 0x3FF82589UL, 0x994CCE13UL },
    { 0x3FF8ACE5UL, 0x422AA0DBUL },
    { 0x3FF93737UL, 0xB0CDC5E5UL },
    { 0x3FF9C491UL, 0x82A3F090UL },
    { 0x3FFA5503UL, 0xB23E255DUL },
    { 0x3FFAE89FUL, 0x995AD3ADUL },
    { 0x3FFB7F76UL, 0xF2FB5E47UL },
    { 0x3FFC199BUL, 0xDD85529CUL },
    { 0x3FFCB720UL, 0xDCEF9069UL },
    { 0x3FFD5818UL, 0xDCFBA487UL },
    { 0x3FFDFC97UL, 0x337B9B5FUL },
    { 0x3FFEA4AFUL, 0xA2A490DAUL },
    { 0x3FFF5076UL, 0x5B6E4540UL }    /* 2^(31/32) */
};

/* doubles by their halves, in the order of the enum below */
static const c89_uint32_t l98_const_bits[][2] = {
    { 0x40471547UL, 0x652B82FEUL },   /* 32/ln2 */
    { 0x43380000UL, 0x00000000UL },   /* 1.5 * 2^52: adding it rounds to an integer */
    { 0x3EBC6AF8UL, 0x4B912394UL },   /* expf polynomial, r^3 */
    { 0x3F2EBFCEUL, 0x50FAC4F3UL },   /*                  r^2 */
    { 0x3F962E42UL, 0xFF0C52D6UL },   /*                  r   */
    { 0x41645F30UL, 0x6DC9C883UL },   /* 2/pi * 2^24 */
    { 0x3FF921FBUL, 0x54442D18UL },   /* pi/2 */
    { 0x3C1921FBUL, 0x54442D18UL },   /* pi/2 * 2^-62 */
    { 0x3FF00000UL, 0x00000000UL },   /* cosine polynomial: 1 */
    { 0xBFDFFFFFUL, 0xFD0C621CUL },   /*   x^2 */
    { 0x3FA55553UL, 0xE1068F19UL },   /*   x^4 */
    { 0xBF56C087UL, 0xE89A359DUL },   /*   x^6 */
    { 0x3EF99343UL, 0x027BF8C3UL },   /*   x^8 */
    { 0xBFC55554UL, 0x5995A603UL },   /* sine polynomial: x^3 */
    { 0x3F811076UL, 0x05230BC4UL },   /*   x^5 */
    { 0xBF2994EBUL, 0x3774CF24UL }    /*   x^7 */
};
enum { K_INVLN2N, K_SHIFT, K_E0, K_E1, K_E2, K_HPI_INV, K_HPI, K_PI63,
       K_C0, K_C1, K_C2, K_C3, K_C4, K_S1, K_S2, K_S3, K_COUNT };

/* 2/pi in 32-bit windows: entry i holds bits 8i-24 .. 8i+7 after the point */
static const c89_uint32_t l98_inv_pio4[24] = {
    0x000000A2UL, 0x0000A2F9UL, 0x00A2F983UL, 0xA2F9836EUL, 0xF9836E4EUL, 0x836E4E44UL,
    0x6E4E4415UL, 0x4E441529UL, 0x441529FCUL, 0x1529FC27UL, 0x29FC2757UL, 0xFC2757D1UL,
    0x2757D1F5UL, 0x57D1F534UL, 0xD1F534DDUL, 0xF534DDC0UL, 0x34DDC0DBUL, 0xDDC0DB62UL,
    0xC0DB6295UL, 0xDB629599UL, 0x6295993CUL, 0x95993C43UL, 0x993C4390UL, 0x3C439041UL
};

#define L98_POW2_MIN (-160)
#define L98_POW2_MAX 130

static int l98_ready;
static double l98_k[K_COUNT];
static double l98_exp2[32];
static double l98_pow2[L98_POW2_MAX - L98_POW2_MIN + 1];    /* 2^e */
static double l98_sign[4] = { 1.0, -1.0, -1.0, 1.0 };

/* The double whose IEEE 754 representation has these halves. */
static double l98_double(c89_uint32_t hi, c89_uint32_t lo)
{
    double one = 1.0, x;
    unsigned char b[8], c[8];
    int i, little;
    memcpy(c, &one, 8);
    little = c[7] == 0x3F;
    for (i = 0; i < 4; i++) {
        b[little ? 7 - i : i] = (unsigned char)((hi >> (24 - 8 * i)) & 0xFF);
        b[little ? 3 - i : 4 + i] = (unsigned char)((lo >> (24 - 8 * i)) & 0xFF);
    }
    memcpy(&x, b, 8);
    return x;
}

static void l98_init(void)
{
    int i;
    for (i = 0; i < K_COUNT; i++)
        l98_k[i] = l98_double(l98_const_bits[i][0], l98_const_bits[i][1]);
    for (i = 0; i < 32; i++)
        l98_exp2[i] = l98_double(l98_exp2_bits[i][0], l98_exp2_bits[i][1]);
    for (i = L98_POW2_MIN; i <= L98_POW2_MAX; i++)
        l98_pow2[i - L98_POW2_MIN] = l98_double((c89_uint32_t)(i + 1023) << 20, 0);
    l98_ready = 1;
}

/* The bits of a float (float and integer share a byte order on every target). */
static c89_uint32_t l98_bits(float x)
{
    c89_uint32_t w;
    memcpy(&w, &x, 4);
    return w;
}

#define L98_ABSTOP12(w) (((w) >> 20) & 0x7FF)

/* ---------------------------------------------------------------- expf */

static float l98_expf_core(float x)
{
    c89_uint32_t w = l98_bits(x), abstop = L98_ABSTOP12(w);
    double xd, z, kd, r, r2, y, s;
    long k;
    int j;

    if (abstop >= 0x42Bu) {                     /* |x| >= 88, or not finite */
        if (w == 0xFF800000UL)
            return 0.0f;                        /* exp(-inf) */
        if (abstop >= 0x7F8u)
            return x + x;                       /* +inf, NaN */
        if ((w & 0x80000000UL) == 0 && w > 0x42B17217UL)
            return (float)HUGE_VAL;             /* x > log(2^128): overflow */
        if ((w & 0x80000000UL) != 0 && w > 0xC2CFF1B4UL)
            return 0.0f;                        /* x < log(2^-150): underflow */
    }
    xd = x;
    z = l98_k[K_INVLN2N] * xd;
    kd = z + l98_k[K_SHIFT];                    /* rounds z to an integer, ties to even */
    kd -= l98_k[K_SHIFT];
    r = z - kd;
    k = (long)kd;
    j = (int)(((k % 32) + 32) % 32);
    s = l98_exp2[j] * l98_pow2[(k - j) / 32 - L98_POW2_MIN];   /* 2^(k/32), exact */
    z = l98_k[K_E0] * r + l98_k[K_E1];
    r2 = r * r;
    y = l98_k[K_E2] * r + 1.0;
    y = z * r2 + y;
    y = y * s;
    return (float)y;
}

/* ---------------------------------------------------------------- sinf, cosf */

/* The polynomial of quadrant n: sine for even n, cosine for odd; `neg`
 * negates the cosine (the sine's sign comes with x). */
static float l98_sincos_poly(double x, double x2, int n, int neg)
{
    double x3, x4, x6, x7, s, c, c1, c2, s1;
    if ((n & 1) == 0) {
        x3 = x * x2;
        s1 = l98_k[K_S2] + x2 * l98_k[K_S3];
        x7 = x3 * x2;
        s = x + x3 * l98_k[K_S1];
        return (float)(s + x7 * s1);
    }
    x4 = x2 * x2;
    if (neg) {
        c2 = -l98_k[K_C3] + x2 * -l98_k[K_C4];
        c1 = -l98_k[K_C0] + x2 * -l98_k[K_C1];
        x6 = x4 * x2;
        c = c1 + x4 * -l98_k[K_C2];
    } else {
        c2 = l98_k[K_C3] + x2 * l98_k[K_C4];
        c1 = l98_k[K_C0] + x2 * l98_k[K_C1];
        x6 = x4 * x2;
        c = c1 + x4 * l98_k[K_C2];
    }
    return (float)(c + x6 * c2);
}

/* x minus the nearest multiple n of pi/2, for |x| < 120. */
static double l98_reduce_fast(double x, int *np)
{
    double r = x * l98_k[K_HPI_INV];
    int n = (int)(((c89_int32_t)r + 0x800000L) >> 24);
    double t;
    *np = n;
    t = n * l98_k[K_HPI];
    return x - t;
}

/* The same for larger |x| (bits w), in fixed point: the product of the 24-bit
 * significand and 2/pi to 64 bits past the units of the quadrant count. */
static double l98_reduce_large(c89_uint32_t w, int *np)
{
    const c89_uint32_t *arr = &l98_inv_pio4[(w >> 26) & 15];
    int shift = (int)((w >> 23) & 7);
    c89_uint64_t n, res0, res1, res2;
    c89_int64_t signed_res;
    double x;

    w = (w & 0xFFFFFFUL) | 0x800000UL;
    w <<= shift;
    res0 = (c89_uint32_t)(w * arr[0]);          /* the low 32 bits of the product */
    res1 = (c89_uint64_t)w * arr[4];
    res2 = (c89_uint64_t)w * arr[8];
    res0 = (res2 >> 32) | (res0 << 32);
    res0 += res1;
    n = (res0 + ((c89_uint64_t)1 << 61)) >> 62;
    res0 -= n << 62;
    signed_res = (c89_int64_t)res0;
    x = (double)signed_res;
    *np = (int)n;
    return x * l98_k[K_PI63];
}

static float l98_sincos_core(float y, int cosine)
{
    c89_uint32_t w = l98_bits(y), abstop = L98_ABSTOP12(w);
    double x = y, s, xs;
    int n, q;

    if (abstop < 0x3F4u) {                      /* |y| < 0.75 */
        if (abstop < 0x398u)                    /* |y| < 2^-12 */
            return cosine ? 1.0f : y;
        return l98_sincos_poly(x, x * x, cosine, 0);
    }
    if (abstop < 0x42Fu) {                      /* |y| < 120 */
        x = l98_reduce_fast(x, &n);
        q = n;
    } else if (abstop < 0x7F8u) {
        x = l98_reduce_large(w, &n);
        q = n + (int)(w >> 31);                 /* the quadrant, with y's sign */
    } else {
        return (y - y) / (y - y);               /* NaN for inf and NaN */
    }
    s = l98_sign[q & 3];
    xs = x * s;
    return l98_sincos_poly(xs, x * x, cosine ? n ^ 1 : n, (q & 2) != 0);
}

/* ---------------------------------------------------------------- entries */

/* Each entry runs its core at 53-bit precision.  The volatile input and
 * output keep the arithmetic between the two control-word changes. */
#define L98_AT_DOUBLE_PRECISION(result, expr)        \
    do {                                              \
        volatile float l98_out;                       \
        unsigned l98_cw;                              \
        if (!l98_ready)                               \
            l98_init();                               \
        l98_cw = l98_fpu_precision(53);               \
        l98_out = (expr);                             \
        l98_fpu_restore(l98_cw);                      \
        result = l98_out;                             \
    } while (0)

float l98_expf(float x)
{
    volatile float in = x;
    float r;
    L98_AT_DOUBLE_PRECISION(r, l98_expf_core(in));
    return r;
}

float l98_sinf(float x)
{
    volatile float in = x;
    float r;
    L98_AT_DOUBLE_PRECISION(r, l98_sincos_core(in, 0));
    return r;
}

float l98_cosf(float x)
{
    volatile float in = x;
    float r;
    L98_AT_DOUBLE_PRECISION(r, l98_sincos_core(in, 1));
    return r;
}

float l98_powf(float x, float y)
{
    volatile float in = x, in2 = y;
    float r;
    L98_AT_DOUBLE_PRECISION(r, (float)pow((double)in, (double)in2));
    return r;
}

float l98_sqrtf(float x)
{
    volatile float in = x;
    float r;
    L98_AT_DOUBLE_PRECISION(r, (float)sqrt((double)in));
    return r;
}
