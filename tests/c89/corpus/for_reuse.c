#include <stdio.h>
int main(void) {
    int sum = 0;
    for (int i = 0; i < 3; i++) sum += i;
    for (int i = 10; i < 12; i++) sum += i;          /* same name, same type */
    for (double i = 0.5; i < 2.0; i += 0.5) sum += (int)(i * 2);  /* another type */
    for (int i = 0, j = 5; i < j; i++, j--) sum += i * j;
    int i = 100;                                     /* block-level i after the loops */
    sum += i;
    for (int k = 0; k < 2; k++)
        for (int m = 0; m < 2; m++)
            sum += k + m;
    printf("%d %d\n", sum, i);
    return 0;
}
