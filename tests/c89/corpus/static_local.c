#include <stdio.h>
static int tick(void) {
    int base = 1;
    base++;
    static int calls = 0;   /* initialised once: never split */
    calls += base;
    return calls;
}
int main(void) {
    tick();
    tick();
    printf("%d\n", tick());
    return 0;
}
