#include <stdio.h>
#include <string.h>
/* c89-flags: -Wno-format */
int main(void) {
    long long v = -1234567890123LL;
    unsigned long long u = 18446744073709551615ULL;
    size_t n = strlen("hello");
    char buf[64];
    printf("v=%lld u=%llu hex=%llx HEX=%#llX w=[%20lld] p=[%-8lli]%%\n", v, u, u, u, v, 7LL);
    sprintf(buf, "%05lld|%zu|%hhx", 42LL, n, 511);
    printf("%s\n", buf);
    fprintf(stdout, "%lld" "\n", v);
    printf("%*lld|%.3lld\n", 6, 12LL, 5LL);
    return 0;
}
