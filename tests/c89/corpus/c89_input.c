#include <stdio.h>
/* Already C89: must come out byte-identical. */
static long square(long v) { return v * v; }
int main(void)
{
    int i;
    long total = 0;
    for (i = 0; i < 4; i++) {
        long sq;
        sq = square(i);
        total += sq;
    }
    printf("%ld\n", total);
    return 0;
}
