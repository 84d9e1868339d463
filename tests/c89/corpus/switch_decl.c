#include <stdio.h>
static int classify(int c) {
    int r = 0;
    switch (c) {
    case 1:
        r = 1;
        int extra = c * 10;
        r += extra;
        break;
    case 2: {
        r = 2;
        int more = 5;
        r += more;
        break;
    }
    default:
        r = -1;
        break;
    }
    return r;
}
int main(void) {
    printf("%d %d %d\n", classify(1), classify(2), classify(3));
    return 0;
}
