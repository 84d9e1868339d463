#include <stdio.h>
#include <math.h>
struct ops { float expf; };   /* a member with a math name stays */
int main(void) {
    float x = 0.5f;
    struct ops o;
    o.expf = expf(x);
    float r = sqrtf(expf(x) + powf(x, 2.0f)) + fabsf(-x) + cosf(x) * sinf(x) + logf(2.0f);
    float m = fmodf(7.5f, 2.0f) + atan2f(1.0f, 1.0f) + floorf(2.7f) + ceilf(2.1f) + tanhf(x);
    const char *s = "expf(x) in a string";
    printf("%.4f %.4f %.4f %s\n", o.expf, r, m, s);
    printf("%d\n", HUGE_VALF > 1e30f);
    return 0;
}
