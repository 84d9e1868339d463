/* c89port's analysis <stdarg.h>: the fake libc's, with va_arg and va_copy
 * written as expressions pycparser parses (its va_arg(ap, T) expands to
 * __builtin_va_arg((ap)), which it does not).  The fake headers include
 * _fake_defines.h once (a guard), so these stay whatever comes next. */
#include_next <stdarg.h>
#undef va_start
#undef va_arg
#undef va_copy
#undef va_end
#define va_start(ap, last) ((void)(ap))
#define va_arg(ap, T) ((T)__c89port_va_arg(ap))
#define va_copy(dst, src) ((void)((dst) = (src)))
#define va_end(ap) ((void)(ap))
