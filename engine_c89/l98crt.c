/*
 * l98crt.c - the process start-up code llama98 links instead of MinGW-w64's.
 *
 * MinGW-w64's crt2.o, its pformat printf and its libmingwex math are built for
 * i686 (they contain CMOV and FCOMI) and call functions Windows 98's MSVCRT.DLL
 * does not export.  This file replaces all of that with the few lines a console
 * program needs: ask MSVCRT.DLL for argc/argv, call main, exit.  Everything else
 * comes straight from MSVCRT.DLL and KERNEL32.DLL through import libraries that
 * llama98 generates from its own list of Windows 98 functions.
 *
 * Only the MinGW driver compiles this file; other compilers bring their own
 * start-up code.  Strict C89 apart from the GCC attribute on the entry point.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv);

typedef struct { int newmode; } l98_startupinfo;

extern int __cdecl __getmainargs(int *argc, char ***argv, char ***envp,
                                 int expand_wildcards, l98_startupinfo *info);
extern void __cdecl __set_app_type(int type);

/*
 * MinGW-w64's <stdio.h> spells stdin/stdout/stderr as __acrt_iob_func(n), a
 * Universal CRT function declared dllimport, so callers load its address from
 * the import slot __imp____acrt_iob_func.  MSVCRT.DLL on Windows 98 has no such
 * function but exports the FILE array _iob, which the header reaches as
 * __iob_func().  Provide the function and fill the slot ourselves.
 */
static FILE *__cdecl l98_iob(unsigned index)
{
    return &(__iob_func())[index];
}

FILE *(__cdecl *l98_iob_slot)(unsigned) __asm__("__imp____acrt_iob_func") = l98_iob;

/*
 * GCC calls __main at the top of main() on Windows targets so that static
 * constructors run.  C programs have none unless they use GCC's constructor
 * attribute; run whatever the linker collected, last to first, as libgcc does.
 */
typedef void (*l98_ctor)(void);
extern l98_ctor __CTOR_LIST__[];

void __main(void)
{
    static int done = 0;
    unsigned long n = 0;
    if (done) {
        return;
    }
    done = 1;
    if (__CTOR_LIST__[0] == (l98_ctor)-1) {
        while (__CTOR_LIST__[n + 1] != 0) {
            n++;
        }
    } else {
        n = (unsigned long)__CTOR_LIST__[0];
    }
    while (n > 0) {
        __CTOR_LIST__[n]();
        n--;
    }
}

/*
 * The entry point (the linker is told -e _mainCRTStartup).  Windows 9x only
 * guarantees 4-byte stack alignment; GCC realigns here so code compiled for
 * a 16-byte preferred boundary keeps its assumption.
 */
#if defined(__GNUC__)
__attribute__((force_align_arg_pointer, noreturn))
#endif
void mainCRTStartup(void)
{
    int argc = 0;
    char **argv = 0;
    char **envp = 0;
    l98_startupinfo info;

    info.newmode = 0;
    __set_app_type(1); /* _CONSOLE_APP */
    if (__getmainargs(&argc, &argv, &envp, 0, &info) < 0) {
        fputs("llama98: out of memory while reading the command line\n", stderr);
        exit(255);
    }
    exit(main(argc, argv));
}
