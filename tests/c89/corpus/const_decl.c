#include <stdio.h>
int main(void) {
    int n = 4;
    printf("start\n");
    const int twice = n * 2;        /* const: cannot become an assignment */
    const char *msg = "hello";      /* pointer to const: fine to split */
    char word[] = "abc";            /* array from a string */
    const int fixed = 7;            /* constant initializer: moved whole */
    printf("%d %s %s %d\n", twice, msg, word, fixed);
    return 0;
}
