#include <stdio.h>
int main(void) {
    int total = 0;
    for (int r = 0; r < 3; r++) {
        total += r;
        int sq = r * r;
        if (sq > 0) {
            total += sq;
            int cube = sq * r;
            total += cube;
        }
        while (total > 100) {
            total -= 7;
            int keep = total;
            total = keep - 1;
        }
    }
    printf("%d\n", total);
    return 0;
}
