#include <stdio.h>
/* An outer name used before an inner declaration of the same name:
 * hoisting the inner one would capture the use. */
int x = 10;
int main(void) {
    int total = 0;
    total += x;                 /* the global x */
    int x = 3;                  /* new x from here on */
    total += x;
    {
        int y = x;              /* 3 */
        printf("%d\n", y);
        int x = y * 7;          /* shadows again */
        printf("%d\n", x);
    }
    printf("%d %d\n", total, x);
    return 0;
}
