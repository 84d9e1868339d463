#include <stdio.h>
static int counter = 0;
static int next(void) { return ++counter; }
int main(void) {
    printf("go\n");
    int a = next(), b = a + next(), *p = &b, c;
    c = a + b + *p;
    int x = 1, y = x + 1;
    printf("%d %d %d %d %d\n", a, b, c, x, y);
    return 0;
}
