#include <stdio.h>
int main(void) {
    int n = 0;
again:
    n++;
    int sq = n * n;
    if (sq < 20)
        goto again;
    int tail = sq + 1;
    if (tail > 0)
        goto done;
    tail = -1;
done:
    printf("%d %d %d\n", n, sq, tail);
    return 0;
}
