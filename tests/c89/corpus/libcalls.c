/* libcalls pass: snprintf/vsnprintf with C99 truncation semantics, strtoll
 * and friends. */
/* c89-flags: -Wno-format */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

static int logf_into(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    int r;
    va_start(ap, fmt);
    r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}

int main(void)
{
    char small[8];
    char big[64];
    char *end;
    int r = snprintf(small, sizeof small, "%s-%d", "abcdef", 12345);
    printf("%d [%s]\n", r, small);
    r = snprintf(NULL, 0, "%lld|%zu|%5.2f", -9000000000LL, sizeof big, 3.14159);
    printf("%d\n", r);
    r = snprintf(big, sizeof big, "%lld|%zu|%5.2f", -9000000000LL, sizeof big, 3.14159);
    printf("%d [%s]\n", r, big);
    r = logf_into(small, 4, "%x%X", 0xabc, 0xdef);
    printf("%d [%s]\n", r, small);
    r = snprintf(big, sizeof big, "%-6s|%6s|%.1s|%%|%c", "ab", "cd", "xyz", 'Q');
    printf("%d [%s]\n", r, big);
    long long v = strtoll("  -1234567890123rest", &end, 10);
    unsigned long long u = strtoull("ffffffffffffffff", NULL, 16);
    printf("%lld [%s] %llu\n", v, end, u);
    printf("%lld %lld\n", atoll("9000000000"), llabs(-77LL));
    printf("%lld\n", strtoll("0x7fffffffffffffff", NULL, 0));
    return 0;
}
