/* Strict C89 that looks like what the new passes rewrite: it must come out
 * byte-identical (positional initializers, enums without a trailing comma,
 * an int typedef called bool, a user function named round, "__func__" in a
 * string, casts followed by braces in a block, address constants). */
#include <stdio.h>

typedef int bool;
enum colour { RED, GREEN, BLUE };
struct P { int x, y; };
struct Q { struct P a; const char *name; int tag[3]; };

static int counter;
static int *where = &counter;
static struct Q q = { { 1, 2 }, "q", { 4, 5, 6 } };
static const char *names[] = { "red", "green", "blue", };
static double round(double v) { return (double)(long)(v + 0.5); }

static bool is_odd(int v) { bool r = v & 1; return r; }

int main(void)
{
    struct P p;
    int sum = 0, i;
    p.x = 3;
    p.y = 4;
    for (i = 0; i < 3; i++) {
        sum += (int)(p.x) + q.tag[i];
    }
    if (sum > 0) { sum += 1; }
    printf("%d %s %s %d %d\n", sum, names[BLUE], "__func__ restrict inline", is_odd(3), *where);
    printf("%.1f %d %d\n", round(2.4), q.a.x, q.a.y);
    return 0;
}
