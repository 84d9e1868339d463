#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/types.h>
/* c89-flags: -Wno-format */
int main(void) {
    int8_t a = -5;
    uint8_t b = 250;
    int16_t c = -300;
    uint16_t d = 60000;
    int32_t e = -70000;
    uint32_t f = 4000000000u;
    int64_t g = INT64_C(-9000000000);
    uint64_t h = UINT64_MAX;
    intptr_t ip = (intptr_t)&a;
    ssize_t sz = -1;
    bool ok = true;
    printf("%d %d %d %d %ld %lu\n", a, b, c, d, (long)e, (unsigned long)f);
    printf("%" PRId64 " %" PRIu64 " %d %ld %d\n", g, h, ip != 0, (long)sz, ok);
    printf("%d %d\n", (int)sizeof(int32_t), (int)sizeof(uint64_t));
    return 0;
}
