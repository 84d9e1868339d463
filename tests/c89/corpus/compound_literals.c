/* compound_literals pass: file scope, block scope, loops (re-initialised on
 * every evaluation), address-of, arrays of unknown size, designators. */
#include <stdio.h>

struct P { int x, y; };
struct Box { struct P lo, hi; int tag[2]; };

static int sum(const int *a, int n) { int s = 0; while (n--) s += a[n]; return s; }
static int px(struct P *p) { int old = p->x; p->x += 100; return old; }
static int area(struct Box b) { return (b.hi.x - b.lo.x) * (b.hi.y - b.lo.y) + b.tag[1]; }

static int *gp = (int[]){ 4, 5, 6 };
static struct P *gq = &(struct P){ .y = 9 };

int main(void)
{
    int v = 3, t = 0, i;
    struct P q = (struct P){ .x = v, .y = 2 };
    t += sum((int[]){ 1, 2, 3 }, 3);
    t += px(&(struct P){ v, v });
    for (i = 0; i < 3; i++) {
        struct P *r = &(struct P){ 1, i };   /* fresh each iteration */
        r->x += 10;
        t += r->x + r->y;
    }
    for (i = 0; i < 3; i++)
        t += px(&(struct P){ 1, 2 });       /* no braces: re-initialised per call */
    t += ((struct P){ .y = 5 }).y + (int){ 7 };
    t += area((struct Box){ .hi = { v, v + 1 }, .tag[1] = 4 });
    t += sum((int[]){ [4] = v, 1 }, 6);
    gq->y++;
    printf("%d %d %d %d %d\n", t, q.x, q.y, gp[1], gq->y);
    {
        const char **names = (const char *[]){ "zero", "one", "two" };
        printf("%s %s\n", names[2], ((const char *[]){ "a", "b" })[1]);
    }
    return 0;
}
