#include <stdio.h>
struct pt { int x; int y; float w; };
typedef struct { char *str; int id; } TokenIndex;
int main(void) {
    int a = 3, b = 4;
    struct pt p = { a, b };             /* non-constant: per-member assignments */
    int v[4] = { a, b, a + b };         /* non-constant: per-element, rest zero */
    char name[] = "key";
    TokenIndex tok = { .str = name };   /* designated, as in llama2.c */
    int fixed[3] = { 1, 2, 3 };         /* constant: left alone */
    printf("%d %d %.1f %d %d %d %d %s %d %d\n", p.x, p.y, p.w, v[0], v[1], v[2], v[3],
           tok.str, tok.id, fixed[2]);
    return 0;
}
