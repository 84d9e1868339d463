/* c89port's analysis only (forced before every unit): GNU spellings that gcc
 * accepts in every mode, written as the words pycparser knows.  The port
 * never outputs these definitions; the input keeps its own spellings. */
#define __inline__ inline
#define __restrict__
#define __const__ const
#define __const const
#define __signed__ signed
#define __signed signed
#define __volatile__ volatile
#define __volatile volatile
#define __alignof__ sizeof
#define __alignof sizeof
#define __builtin_offsetof offsetof
#define __SIZE_TYPE__ unsigned long
#define __PTRDIFF_TYPE__ long
#define __WCHAR_TYPE__ int
#define __CHAR_BIT__ 8
#define __asm(...)
typedef int __builtin_va_list;
