/* declarations in switch cases: a case label jumps past an initialised
 * declaration (C99 allows it for non-VLAs; the object exists but is not
 * initialised there), the initializer calls a function, a later case
 * assigns the same object, and a for loop inside a case declares its own. */
#include <stdio.h>

static int calls;
static int next(int v) { calls++; return v * 3; }

static int run(int c)
{
    int r = 0;
    switch (c) {
    case 1:
        r = 1;
        int x = next(c);
        r += x;
        /* fall through */
    case 2:
        x = 40 + c;               /* jumped past the initialisation */
        r += x;
        for (int i = 0; i < c; i++)
            r += i;
        break;
    case 3: {
        int y = next(c);
        r = y;
        break;
    }
    default:
        r = -1;
    }
    return r;
}

int main(void)
{
    int c;
    for (c = 0; c < 5; c++)
        printf("%d ", run(c));
    printf("calls=%d\n", calls);
    return 0;
}
