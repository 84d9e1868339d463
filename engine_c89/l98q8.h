/*
 * l98q8.h - llama98's int8 engine pieces for llama2.c's runq.c
 * (engine_c89/l98q8.c, l98kern.c).  patches/runq.toml includes this header
 * and puts these names in place of runq.c's own:
 *
 *   matmul(xout, x, w, n, d)      -> l98q_matmul(...): the integer dot products
 *                                    by MMX pmaddwd where the CPU has MMX (a
 *                                    CPUID check at the first call), by a scalar
 *                                    integer loop elsewhere; the float part in
 *                                    runq.c's own order, so the result is the same
 *                                    bit for bit
 *   the dequantized embedding     -> l98q_embed(x, q_tokens, token, dim): the
 *                                    token's row dequantized when it is looked up
 *                                    (the table stays int8: 4x less memory)
 *   the KV cache for seq_len      -> l98q_plan_steps(steps) before the model is
 *                                    built and l98q_fit_seq_len(&seq_len) before
 *                                    the run state is allocated: the cache holds
 *                                    the positions the run can reach
 *   forward(t, token, pos)        -> l98q_forward(...): the forward pass with the
 *                                    x87 precision set to float (l98float.h)
 *
 * The macros read runq.c's own names (QuantizedTensor's q and s, the group
 * size GS); the functions take plain pointers.
 */
#ifndef L98Q8_H
#define L98Q8_H

#include "l98float.h"

/* xout[i] = sum over groups of (float)(integer dot product of the group)
 * * ws[group of row i] * xs[group], accumulated in runq.c's order. */
void l98q_matmul_gs(float *xout, const signed char *xq, const float *xs,
                    const signed char *wq, const float *ws, int n, int d, int gs);

/* out[i] = q[row * dim + i] * s[(row * dim + i) / gs] for i < dim. */
void l98q_dequantize_row(float *out, const signed char *q, const float *s,
                         int row, int dim, int gs);

void l98q_plan_steps(int steps);
void l98q_fit_seq_len(int *seq_len);

/* Which integer kernel the CPU gets: "mmx" or "scalar". */
const char *l98q_kernel_name(void);

#define l98q_matmul(xout, x, w, n, d) \
    l98q_matmul_gs((xout), (x)->q, (x)->s, (w)->q, (w)->s, (n), (d), GS)
#define l98q_embed(x, qt, token, dim) \
    l98q_dequantize_row((x), (qt)->q, (qt)->s, (token), (dim), GS)

extern unsigned l98q_saved_cw;
extern float *l98q_logits;
#define l98q_forward(t, token, pos)                          \
    (l98q_saved_cw = l98_fpu_precision(24),                   \
     l98q_logits = forward((t), (token), (pos)),              \
     l98_fpu_restore(l98q_saved_cw),                          \
     l98q_logits)

#endif
