#include <stdio.h>
// a line comment
int main(void) { // trailing
    const char *s = "// not a comment"; /* block // with slashes */
    char c = '/'; // comment with */ inside
    int v = 1; // spliced \
    v = 2;
    printf("%s %c %d\n", s, c, v); //
    return 0;
}
