/*
 * l98float.h - float arithmetic that gives the same bits on an x87 FPU as on
 * the SSE unit upstream llama2.c is compiled for (engine_c89/l98float.c).
 *
 * On an x87 FPU (every Pentium-class CPU) C's float expressions are evaluated
 * in the FPU's precision, not rounded to float after every operation as SSE
 * does, so `a * (b * c)` can come out one bit away from what upstream prints
 * with.  Setting the precision-control field to 24 bits makes every x87
 * operation round to float; the float math functions here then switch to 53
 * bits for their own double arithmetic.  Everywhere else (SSE, other CPUs)
 * l98_fpu_precision() does nothing.
 *
 * l98_expf, l98_sinf and l98_cosf compute what glibc's expf, sinf and cosf
 * compute on x86-64 (its portable code path, without fused multiply-add):
 * the same algorithm in strict C89, so the result does not depend on the
 * C library the program runs with (MSVCRT.DLL has no float functions, and
 * its double ones differ from glibc's in the last bit).  l98_powf and
 * l98_sqrtf round the C library's double pow and sqrt to float.
 */
#ifndef L98FLOAT_H
#define L98FLOAT_H

/* How the precision control is reached: GNU asm (gcc on i386 with x87 math),
 * or _control87 from <float.h> (MSVC, Borland, Watcom on x86). */
#if defined(__GNUC__) && defined(__i386__) && !defined(__SSE_MATH__)
#define L98_X87_ASM 1
#elif defined(_M_IX86) || defined(__386__) || defined(__BORLANDC__)
#include <float.h>
#if defined(_MCW_PC)
#define L98_X87_CONTROL87 1
#define L98_MCW_PC _MCW_PC
#define L98_PC_24 _PC_24
#define L98_PC_53 _PC_53
#elif defined(MCW_PC)
#define L98_X87_CONTROL87 1
#define L98_MCW_PC MCW_PC
#define L98_PC_24 PC_24
#define L98_PC_53 PC_53
#endif
#endif

/* A float accumulator.  On an x87 FPU with the precision control at 24 bits
 * every operation rounds to float's precision, so a long double accumulator
 * gives the float sums bit for bit (exponent range aside: only values below
 * FLT_MIN could differ) and the compiler keeps it in a register: C89's
 * rounding of intermediates applies to float variables, not long double
 * ones.  Elsewhere it is a float. */
#if defined(L98_X87_ASM) || defined(L98_X87_CONTROL87)
typedef long double l98_facc;
#else
typedef float l98_facc;
#endif

/* Set the x87 precision control to `bits` (24 or 53); returns the old
 * control word for l98_fpu_restore (0 where there is no x87 FPU). */
unsigned l98_fpu_precision(int bits);
void l98_fpu_restore(unsigned old);

/* llama2.c's fp32 matmul, W (d,n) @ x (n,) -> xout (d,), summed in the same
 * order at float precision; on an x87 FPU the sum stays in a register (no
 * store and reload per multiply-add, which strict C89 mode otherwise makes
 * the compiler emit to round it to float). */
void l98_matmul_f32(float *xout, const float *x, const float *w, int n, int d);

float l98_expf(float x);
float l98_sinf(float x);
float l98_cosf(float x);
float l98_powf(float x, float y);
float l98_sqrtf(float x);

#endif
