/* Aggregate initializers made of address constants stay initializers;
   addresses of automatic objects become element assignments. */
#include <stdio.h>

struct pair { int a, b; };
static int g = 10;
static struct pair gp = { 20, 30 };
static int tab[5] = { 1, 2, 3, 4, 5 };
static const char *word = "word";

static int three(void) { return 3; }
static int four(void) { return 4; }

static int sum(int x)
{
    static int calls = 0;
    int total = 0;
    calls++;
    x++;
    int * const p[2] = { &g, &gp.b };           /* const elements, constant addresses */
    const int *q[4] = { &tab[3], tab + 1, (int *)0, &calls };
    int (* const fn[2])(void) = { three, four };
    const char *names[2] = { "alpha", "beta" };
    int *loc[2] = { &x, &total };               /* automatic: assigned one by one */
    total += *p[0] + *p[1] + *q[0] + *q[1] + (q[2] == 0) + *q[3];
    total += fn[0]() * fn[1]() + names[1][0] + word[0];
    *loc[1] += *loc[0];
    return total;
}

int main(void)
{
    int i;
    for (i = 0; i < 3; i++)
        printf("%d\n", sum(i));
    return 0;
}
