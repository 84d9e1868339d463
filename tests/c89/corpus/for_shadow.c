#include <stdio.h>
int i = 42;
int main(void) {
    int acc = 0;
    for (int i = 0; i < 4; i++) acc += i;
    printf("%d %d\n", acc, i);      /* the global i: a hoisted loop i would capture it */
    return 0;
}
