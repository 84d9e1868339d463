#include <stdio.h>
#include <time.h>
long time_in_ms(void) {
    struct timespec time;
    clock_gettime(CLOCK_REALTIME, &time);
    return time.tv_sec * 1000 + time.tv_nsec / 1000000;
}
int main(void) {
    struct timespec a;
    clock_gettime(CLOCK_MONOTONIC, &a);
    printf("%d %d\n", time_in_ms() > 0, a.tv_nsec >= 0 && a.tv_nsec < 1000000000L);
    return 0;
}
