/*
 * l98q8.c - see l98q8.h.  Strict C89; the MMX kernel is compiled where the
 * compiler targets MMX (gcc defines __MMX__ under -march=pentium-mmx and
 * later, not under -march=i486), through <mmintrin.h>.
 *
 * runq.c's matmul is, for each output row i,
 *
 *     val = 0.0f;
 *     for each group g of GS values:
 *         ival = integer dot product of x's and row i's int8 values in g;
 *         val += ((float) ival) * w->s[row i's group g] * x->s[g];
 *     xout[i] = val;
 *
 * The integer dot products are exact however they are computed, so they are
 * computed first for a block of rows (MMX: pmaddwd multiplies and adds four
 * pairs of 16-bit values at once; group sizes 4 and multiples of 8, others
 * take the scalar loop), and then the float part runs exactly as above, in
 * the same order, at
 * float precision (l98float.h): the result is runq.c's, bit for bit.  MMX
 * and x87 share registers, so the MMX work of a block ends with EMMS before
 * any float arithmetic.
 */
#include <stdlib.h>
#include <string.h>
#include "c89compat.h"
#include "l98float.h"
#include "l98q8.h"

#if defined(__MMX__) && defined(__GNUC__)
#define L98Q_MMX 1
#include <mmintrin.h>
#include <cpuid.h>
#endif

unsigned l98q_saved_cw;
float *l98q_logits;

/* ---------------------------------------------------------------- integer kernels */

#define L98Q_BLOCK_INTS 4096    /* group sums computed before their float part */

static c89_int32_t l98q_sums[L98Q_BLOCK_INTS];

/* sums[(r - r0) * (g1 - g0) + (g - g0)] = dot product of group g of x and of
 * row r of w, for rows r0..r1-1 and groups g0..g1-1. */
static void l98q_rows_scalar(c89_int32_t *sums, const signed char *xq, const signed char *wq,
                             int n, int gs, int r0, int r1, int g0, int g1)
{
    int r, g, k;
    for (r = r0; r < r1; r++) {
        const signed char *b = wq + (long)r * n + (long)g0 * gs;
        const signed char *a = xq + (long)g0 * gs;
        for (g = g0; g < g1; g++) {
            c89_int32_t acc = 0;
            for (k = 0; k < gs; k++)
                acc += (c89_int32_t)a[k] * (c89_int32_t)b[k];
            *sums++ = acc;
            a += gs;
            b += gs;
        }
    }
}

#if defined(L98Q_MMX)

/* The MMX kernel reads eight weights (one quadword) at a time as four
 * 16-bit words, each word an odd weight (high byte) and an even one (low
 * byte).  Flipping the even byte's top bit (pxor 0x0080) makes the word
 * 256 * odd + (even + 128) exactly; an arithmetic shift by 8 gives odd.  So
 * with x prepared once per call as
 *     xe = the even x values,  xo = odd x - 256 * even x   (16-bit; |x| <= 127)
 * two pmaddwd give
 *     (256 odd + even + 128) * xe + odd * xo = even * xe + odd * x_odd + 128 xe
 * and the group's sum starts at -128 * (sum of its even x values).  Every
 * step is exact in 32-bit lanes (wrapping where a partial sum would overflow
 * is undone by the end, since the true dot product fits). */

static short *l98q_x16;         /* per 8 x values: xe[4], xo[4] */
static c89_int32_t *l98q_xcorr; /* per group: -128 * sum of its even x values */
static int l98q_x16_size, l98q_xcorr_size;

/* One quadword of weights (b) against its x16 pair (a): the even lanes into
 * acc, the odd ones into acc2 (two chains the CPU can overlap). */
#define L98Q_MMX8(b, a)                                             \
    w = _mm_xor_si64((b), flip);                                    \
    o = _mm_srai_pi16(w, 8);                                        \
    acc = _mm_add_pi32(acc, _mm_madd_pi16(w, (a)[0]));              \
    acc2 = _mm_add_pi32(acc2, _mm_madd_pi16(o, (a)[1]))

/* A group of `blocks` quadwords; the sum goes to *sums. */
#define L98Q_MMX_GROUP(blocks, body)                                \
    do {                                                            \
        __m64 acc = _mm_cvtsi32_si64(*c++), acc2 = _mm_setzero_si64(); \
        __m64 w, o;                                                 \
        body;                                                       \
        acc = _mm_add_pi32(acc, acc2);                              \
        acc = _mm_add_pi32(acc, _mm_srli_si64(acc, 32));            \
        *sums++ = _mm_cvtsi64_si32(acc);                            \
        b += (blocks);                                              \
        a += 2 * (blocks);                                          \
    } while (0)

__attribute__((__noinline__))
static void l98q_rows_mmx(c89_int32_t *sums, const short *x16, const c89_int32_t *xcorr,
                          const signed char *wq, int n, int gs, int r0, int r1, int g0, int g1)
{
    const __m64 flip = _mm_set1_pi16(0x0080);
    int blocks = gs / 8;
    int r, g, k;
    for (r = r0; r < r1; r++) {
        const __m64 *b = (const __m64 *)(const void *)(wq + (long)r * n + (long)g0 * gs);
        const __m64 *a = (const __m64 *)(const void *)(x16 + (long)g0 * gs);
        const c89_int32_t *c = xcorr + g0;
        if (blocks == 4) {              /* group size 32 (stories15M, stories42M) */
            for (g = g0; g < g1; g++)
                L98Q_MMX_GROUP(4, L98Q_MMX8(b[0], a); L98Q_MMX8(b[1], a + 2);
                               L98Q_MMX8(b[2], a + 4); L98Q_MMX8(b[3], a + 6));
        } else if (blocks == 8) {       /* group size 64 (export.py's default) */
            for (g = g0; g < g1; g++)
                L98Q_MMX_GROUP(8, L98Q_MMX8(b[0], a); L98Q_MMX8(b[1], a + 2);
                               L98Q_MMX8(b[2], a + 4); L98Q_MMX8(b[3], a + 6);
                               L98Q_MMX8(b[4], a + 8); L98Q_MMX8(b[5], a + 10);
                               L98Q_MMX8(b[6], a + 12); L98Q_MMX8(b[7], a + 14));
        } else {
            for (g = g0; g < g1; g++)
                L98Q_MMX_GROUP(blocks, for (k = 0; k < blocks; k++) { L98Q_MMX8(b[k], a + 2 * k); });
        }
    }
    _mm_empty();
}

/* Group size 4 (stories260K): a quadword holds two groups, and pmaddwd's two
 * lanes are their two sums, so each quadword gives two results directly.  g0
 * is even; a group that ends a row in the middle of a quadword is summed in C. */
__attribute__((__noinline__))
static void l98q_rows_mmx4(c89_int32_t *sums, const short *x16, const c89_int32_t *xcorr,
                           const signed char *xq, const signed char *wq, int n,
                           int r0, int r1, int g0, int g1)
{
    const __m64 flip = _mm_set1_pi16(0x0080);
    int r, g, k;
    for (r = r0; r < r1; r++) {
        const signed char *row = wq + (long)r * n;
        const __m64 *b = (const __m64 *)(const void *)(row + (long)g0 * 4);
        const __m64 *a = (const __m64 *)(const void *)(x16 + (long)g0 * 4);
        const __m64 *c = (const __m64 *)(const void *)(xcorr + g0);
        for (g = g0; g + 2 <= g1; g += 2) {
            __m64 w = _mm_xor_si64(*b++, flip);
            __m64 o = _mm_srai_pi16(w, 8);
            __m64 acc = _mm_add_pi32(*c++, _mm_madd_pi16(w, a[0]));
            acc = _mm_add_pi32(acc, _mm_madd_pi16(o, a[1]));
            a += 2;
            *(__m64 *)(void *)sums = acc;
            sums += 2;
        }
        if (g < g1) {
            c89_int32_t acc = 0;
            for (k = g * 4; k < g * 4 + 4; k++)
                acc += (c89_int32_t)xq[k] * (c89_int32_t)row[k];
            *sums++ = acc;
        }
    }
    _mm_empty();
}

static int l98q_use_mmx = -1;

static int l98q_cpu_has_mmx(void)
{
    unsigned int a, b, c, d;
    const char *force = getenv("L98_KERNEL");
    if (force != NULL && strcmp(force, "scalar") == 0)
        return 0;
    /* __get_cpuid checks that CPUID exists (the EFLAGS ID bit) first */
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    return (d & bit_MMX) != 0;
}

/* Prepares x16 and xcorr for the MMX kernels; 0 when they cannot be used (no
 * memory, a group size that is neither 4 nor a multiple of 8, a value of -128). */
static int l98q_prepare(const signed char *xq, int n, int gs)
{
    int groups = n / gs, k, g;
    if (gs % 8 != 0 && gs != 4)
        return 0;
    n = groups * gs;
    if (n > l98q_x16_size) {
        short *p = (short *)malloc((size_t)n * sizeof(short));
        if (p == NULL)
            return 0;
        free(l98q_x16);
        l98q_x16 = p;
        l98q_x16_size = n;
    }
    if (groups > l98q_xcorr_size) {
        c89_int32_t *p = (c89_int32_t *)malloc((size_t)groups * sizeof(c89_int32_t));
        if (p == NULL)
            return 0;
        free(l98q_xcorr);
        l98q_xcorr = p;
        l98q_xcorr_size = groups;
    }
    for (k = 0; k + 8 <= n; k += 8) {      /* whole quadwords; a last half is scalar */
        int i;
        for (i = 0; i < 4; i++) {
            int e = xq[k + 2 * i], o = xq[k + 2 * i + 1];
            if (e == -128 || o == -128)
                return 0;
            l98q_x16[k + i] = (short)e;
            l98q_x16[k + 4 + i] = (short)(o - 256 * e);
        }
    }
    for (g = 0; g < groups; g++) {
        c89_int32_t even = 0;
        for (k = g * gs; k < (g + 1) * gs; k += 2)
            even += xq[k];
        l98q_xcorr[g] = -128 * even;
    }
    return 1;
}

#endif

const char *l98q_kernel_name(void)
{
#if defined(L98Q_MMX)
    if (l98q_use_mmx < 0)
        l98q_use_mmx = l98q_cpu_has_mmx();
    return l98q_use_mmx ? "mmx" : "scalar";
#else
    return "scalar";
#endif
}

/* ---------------------------------------------------------------- matmul */

/* The float part of rows r0..r1-1 from their group sums, in runq.c's order:
 *     val += ((float) ival) * w->s[(in + j) / GS] * x->s[j / GS];
 * (float)ival is exact when |ival| < 2^24 (group size <= 1040: 127 * 127
 * * 1040 < 2^24), and then the sum is converted by the FPU on the way. */
static void l98q_float_part(float *xout, const c89_int32_t *sums, const float *xs,
                            const float *ws, int n, int gs, int r0, int r1, int groups)
{
    int r, g;
    for (r = r0; r < r1; r++) {
        long in = (long)r * n;
        const float *wsr = ws + in / gs;
        l98_facc val = 0.0f;
        if (n % gs != 0 || gs > 1040) {     /* the general form */
            for (g = 0; g < groups; g++)
                val += ((float)sums[g]) * ws[(in + (long)g * gs) / gs] * xs[g];
        } else {
            for (g = 0; g < groups; g++)
                val += (l98_facc)sums[g] * wsr[g] * xs[g];
        }
        xout[r] = (float)val;
        sums += groups;
    }
}

void l98q_matmul_gs(float *xout, const signed char *xq, const float *xs,
                    const signed char *wq, const float *ws, int n, int d, int gs)
{
    int groups = gs > 0 ? n / gs : 0;
    int block, mmx = 0, r0;
    unsigned cw;

    if (groups <= 0) {              /* runq.c: no group fits, xout is 0 */
        for (r0 = 0; r0 < d; r0++)
            xout[r0] = 0.0f;
        return;
    }
    cw = l98_fpu_precision(24);
#if defined(L98Q_MMX)
    mmx = l98q_kernel_name()[0] == 'm' && l98q_prepare(xq, n, gs);
#endif
    (void)mmx;          /* without MMX support only the scalar kernel exists */
    if (groups <= L98Q_BLOCK_INTS) {
        block = L98Q_BLOCK_INTS / groups;
        if (block > 16)
            block = 16;
        for (r0 = 0; r0 < d; r0 += block) {
            int r1 = r0 + block < d ? r0 + block : d;
#if defined(L98Q_MMX)
            if (mmx && gs == 4)
                l98q_rows_mmx4(l98q_sums, l98q_x16, l98q_xcorr, xq, wq, n, r0, r1, 0, groups);
            else if (mmx)
                l98q_rows_mmx(l98q_sums, l98q_x16, l98q_xcorr, wq, n, gs, r0, r1, 0, groups);
            else
#endif
                l98q_rows_scalar(l98q_sums, xq, wq, n, gs, r0, r1, 0, groups);
            l98q_float_part(xout, l98q_sums, xs, ws, n, gs, r0, r1, groups);
        }
    } else {                        /* long rows: each row's groups a buffer at a time */
        for (r0 = 0; r0 < d; r0++) {
            long in = (long)r0 * n;
            l98_facc val = 0.0f;
            int g0;
            for (g0 = 0; g0 < groups; g0 += L98Q_BLOCK_INTS) {
                int g1 = g0 + L98Q_BLOCK_INTS < groups ? g0 + L98Q_BLOCK_INTS : groups;
                int g;
#if defined(L98Q_MMX)
                if (mmx && gs == 4)
                    l98q_rows_mmx4(l98q_sums, l98q_x16, l98q_xcorr, xq, wq, n, r0, r0 + 1,
                                   g0, g1);
                else if (mmx)
                    l98q_rows_mmx(l98q_sums, l98q_x16, l98q_xcorr, wq, n, gs, r0, r0 + 1,
                                  g0, g1);
                else
#endif
                    l98q_rows_scalar(l98q_sums, xq, wq, n, gs, r0, r0 + 1, g0, g1);
                for (g = g0; g < g1; g++)
                    val += ((float)l98q_sums[g - g0]) * ws[(in + (long)g * gs) / gs] * xs[g];
            }
            xout[r0] = (float)val;
        }
    }
    l98_fpu_restore(cw);
}

/* ---------------------------------------------------------------- embedding, KV cache */

void l98q_dequantize_row(float *out, const signed char *q, const float *s,
                         int row, int dim, int gs)
{
    long base = (long)row * dim;
    int i;
    for (i = 0; i < dim; i++)
        out[i] = q[base + i] * s[(base + i) / gs];
}

static int l98q_steps;

void l98q_plan_steps(int steps)
{
    l98q_steps = steps;
}

void l98q_fit_seq_len(int *seq_len)
{
    if (l98q_steps > 0 && l98q_steps < *seq_len)
        *seq_len = l98q_steps;
}
