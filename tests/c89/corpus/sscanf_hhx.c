#include <stdio.h>
int main(void) {
    unsigned char byte_val = 0;
    const char *piece = "<0x41>";
    if (sscanf(piece, "<0x%02hhX>", &byte_val) == 1) {
        printf("%d\n", byte_val);
    }
    int plain = 0;
    sscanf("17", "%d", &plain);       /* C89 format: left as sscanf */
    long long big = 0;
    sscanf("123456789012", "%lld", &big);
    printf("%d %d\n", plain, (int)(big % 1000));
    return 0;
}
