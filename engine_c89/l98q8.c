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
 * pairs of 16-bit values at once, on int8 values sign-extended to 16 bits),
 * and then the float part runs exactly as above, in the same order, at
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
        const signed char *row = wq + (long)r * n;
        for (g = g0; g < g1; g++) {
            const signed char *a = xq + (long)g * gs;
            const signed char *b = row + (long)g * gs;
            c89_int32_t acc = 0;
            for (k = 0; k < gs; k++)
                acc += (c89_int32_t)a[k] * (c89_int32_t)b[k];
            *sums++ = acc;
        }
    }
}

#if defined(L98Q_MMX)

static short *l98q_x16;         /* x's int8 values sign-extended to 16 bits */
static int l98q_x16_size;

/* The same with MMX, from x16 (x's values as shorts). */
__attribute__((__noinline__))
static void l98q_rows_mmx(c89_int32_t *sums, const short *x16, const signed char *wq,
                          int n, int gs, int r0, int r1, int g0, int g1)
{
    int r, g, k;
    for (r = r0; r < r1; r++) {
        const signed char *row = wq + (long)r * n;
        for (g = g0; g < g1; g++) {
            const short *a = x16 + (long)g * gs;
            const signed char *b = row + (long)g * gs;
            __m64 acc = _mm_setzero_si64();
            c89_int32_t tail = 0;
            for (k = 0; k + 8 <= gs; k += 8) {
                __m64 w8 = *(const __m64 *)(const void *)(b + k);
                /* each byte twice in a word, then an arithmetic shift: sign extension */
                __m64 lo = _mm_srai_pi16(_mm_unpacklo_pi8(w8, w8), 8);
                __m64 hi = _mm_srai_pi16(_mm_unpackhi_pi8(w8, w8), 8);
                acc = _mm_add_pi32(acc, _mm_madd_pi16(lo, *(const __m64 *)(const void *)(a + k)));
                acc = _mm_add_pi32(acc, _mm_madd_pi16(hi,
                                                      *(const __m64 *)(const void *)(a + k + 4)));
            }
            if (k + 4 <= gs) {
                c89_int32_t w4;
                __m64 lo;
                memcpy(&w4, b + k, 4);
                lo = _mm_cvtsi32_si64(w4);
                lo = _mm_srai_pi16(_mm_unpacklo_pi8(lo, lo), 8);
                acc = _mm_add_pi32(acc, _mm_madd_pi16(lo, *(const __m64 *)(const void *)(a + k)));
                k += 4;
            }
            for (; k < gs; k++)
                tail += (c89_int32_t)a[k] * (c89_int32_t)b[k];
            *sums++ = _mm_cvtsi64_si32(acc) + _mm_cvtsi64_si32(_mm_srli_si64(acc, 32)) + tail;
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

/* x16 holds x's n values as shorts; 0 when there is no memory for it. */
static int l98q_expand(const signed char *xq, int n)
{
    int k;
    if (n > l98q_x16_size) {
        short *p = (short *)malloc((size_t)n * sizeof(short));
        if (p == NULL)
            return 0;
        free(l98q_x16);
        l98q_x16 = p;
        l98q_x16_size = n;
    }
    for (k = 0; k < n; k++)
        l98q_x16[k] = xq[k];
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

void l98q_matmul_gs(float *xout, const signed char *xq, const float *xs,
                    const signed char *wq, const float *ws, int n, int d, int gs)
{
    int groups = gs > 0 ? n / gs : 0;
    int per_call = groups < L98Q_BLOCK_INTS ? groups : L98Q_BLOCK_INTS;
    int block = per_call > 0 ? L98Q_BLOCK_INTS / per_call : 1;
    int mmx = 0;
    int r0, g0;
    unsigned cw = l98_fpu_precision(24);

#if defined(L98Q_MMX)
    mmx = l98q_kernel_name()[0] == 'm' && l98q_expand(xq, groups * gs);
#endif
    (void)mmx;          /* without MMX support only the scalar kernel exists */
    if (block > 16)
        block = 16;
    if (groups > L98Q_BLOCK_INTS)
        block = 1;
    for (r0 = 0; r0 < d; r0 += block) {
        int r1 = r0 + block < d ? r0 + block : d;
        int r;
        if (groups <= L98Q_BLOCK_INTS) {
#if defined(L98Q_MMX)
            if (mmx)
                l98q_rows_mmx(l98q_sums, l98q_x16, wq, n, gs, r0, r1, 0, groups);
            else
#endif
                l98q_rows_scalar(l98q_sums, xq, wq, n, gs, r0, r1, 0, groups);
            for (r = r0; r < r1; r++) {
                const c89_int32_t *sum = l98q_sums + (long)(r - r0) * groups;
                long in = (long)r * n;
                float val = 0.0f;
                int g;
                for (g = 0; g < groups; g++)
                    val += ((float)sum[g]) * ws[(in + (long)g * gs) / gs] * xs[g];
                xout[r] = val;
            }
        } else {                /* one row, its groups a buffer at a time */
            long in = (long)r0 * n;
            float val = 0.0f;
            for (g0 = 0; g0 < groups; g0 += L98Q_BLOCK_INTS) {
                int g1 = g0 + L98Q_BLOCK_INTS < groups ? g0 + L98Q_BLOCK_INTS : groups;
                int g;
#if defined(L98Q_MMX)
                if (mmx)
                    l98q_rows_mmx(l98q_sums, l98q_x16, wq, n, gs, r0, r1, g0, g1);
                else
#endif
                    l98q_rows_scalar(l98q_sums, xq, wq, n, gs, r0, r1, g0, g1);
                for (g = g0; g < g1; g++)
                    val += ((float)l98q_sums[g - g0]) * ws[(in + (long)g * gs) / gs] * xs[g];
            }
            xout[r0] = val;
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
