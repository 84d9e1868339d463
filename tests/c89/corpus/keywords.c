/* keywords pass: inline, restrict, __func__, enum trailing commas, _Bool/bool
 * normalisation to 0/1. */
/* c89-flags: -Wno-unused-function */
#include <stdio.h>
#include <string.h>
#include <stdbool.h>

static inline int sq(int x) { return x * x; }
inline int cube(int x) { return x * x * x; }
int cube(int x);                 /* makes this the external definition */
inline int helper(int x) { return x + 1; }   /* inline definition only: becomes static */
static __inline int twice(int x) { return 2 * x; }

enum level { LOW, MID, HIGH, };
enum { ALONE = 7, };

struct opts { bool verbose; _Bool quiet; int count; };

static bool nonzero(int v) { return v; }          /* return normalises */
static _Bool masked(unsigned m) { return m & 0x10; }
static int show(bool b) { return b; }             /* parameter normalises */

static void copy(char *restrict dst, const char *__restrict src, size_t n)
{
    memcpy(dst, src, n);
}

static const char *who(void) { return __func__; }

int main(void)
{
    char buf[16];
    bool a = 5;                 /* initialisation */
    _Bool b = 0x100;
    bool c = a && b;
    struct opts o;
    bool flags[3];
    int n = 6;
    o.verbose = n & 2;          /* member assignment */
    o.quiet = (bool)n;          /* cast */
    o.count = n;
    flags[0] = n;               /* array element */
    flags[1] = n - 6;
    flags[2] = (n > 100);
    a = 40;                     /* assignment */
    b = a + 1;
    a |= n;                     /* compound assignments */
    b = 1;
    b &= 2;
    c = 1;
    c += 1;
    copy(buf, "hello", 6);
    printf("%d %d %d %d\n", sq(3), cube(2), twice(4), (int)sizeof(enum level));
    printf("%d %d %d %d\n", LOW, MID, HIGH, ALONE);
    printf("%d %d %d\n", a, b, c);
    printf("%d %d %d\n", o.verbose, o.quiet, o.count);
    printf("%d %d %d\n", flags[0], flags[1], flags[2]);
    printf("%d %d %d %d\n", nonzero(42), nonzero(0), masked(0x30), show(77));
    printf("%s %s %s\n", buf, who(), __func__);
    printf("%d\n", true + true);
    return 0;
}
