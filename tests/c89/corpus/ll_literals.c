#include <stdio.h>
/* c89-flags: -Wno-format */
int main(void) {
    unsigned long long state = 0x2545F4914F6CDD1Dull;
    long long big = 10000000000LL;
    long long small = 42LL;
    unsigned long long mid = 4000000000ULL;
    long long int neg = -5ll;
    signed long long s2 = 7;
    long long over = 3000000000;      /* long long in C99 on 32-bit targets */
    unsigned long long h = 0x100000000;
    state ^= state >> 12;
    state *= 0x2545F4914F6CDD1Dull;
    printf("%llu %lld %lld %llu %lld %lld %lld %llu\n", state, big, small, mid, neg, s2,
           -over, h);
    printf("%u\n", (unsigned int)((state * 0x2545F4914F6CDD1Dull) >> 32));
    return 0;
}
