/* designated pass: every designated-initializer shape, printed element by
 * element so the C99 original and the positional C89 port can be compared. */
#include <stdio.h>

struct P { int x, y; };
struct R { struct P a, b; const char *name; int tag[3]; };
union U { int i; float f; };
enum { A, B, C, D };
typedef struct { char name[8]; int n; } W;

static const char *names[] = { [C] = "c", [A] = "a", [D] = "d" };
int sparse[10] = { [2] = 5, 6, [8] = 1 };
struct P p1 = { .y = 2, .x = 1 };
struct R r1 = { .b.y = 4, .name = "r", .tag[1] = 9, 10 };
struct R r2 = { .a = { 1, 2 }, .b = { .y = 3 } };
union U u1 = { .i = 3 };
int grid[2][3] = { [1] = { [2] = 6 }, [0][0] = 1 };
struct P ps[] = { [2].y = 5, [0] = { 1, 1 } };
char s[8] = { [0] = 'a', [3] = 'd' };
W w[] = { [1] = { "hi", 2 }, [0].n = 1 };
static int one(void) { return 1; }
static int two(void) { return 2; }
static int (*ops[3])(void) = { [2] = two, [0] = one };
int table[] = {
    [B] = 20,   /* bee */
    [A] = 10,   /* ay */
    [C] = 30,
};

static void show_p(const char *tag, struct P p) { printf("%s %d %d\n", tag, p.x, p.y); }

int main(void)
{
    int i, v = 7;
    struct P local = { .y = 3 };
    struct P dyn = { .y = v, .x = v + 1 };
    static struct P st = { .y = 11 };
    for (i = 0; i < 4; i++)
        printf("%s ", names[i] ? names[i] : "(null)");
    printf("%d\n", (int)(sizeof names / sizeof names[0]));
    for (i = 0; i < 10; i++)
        printf("%d ", sparse[i]);
    printf("\n");
    show_p("p1", p1);
    show_p("r1.a", r1.a);
    show_p("r1.b", r1.b);
    printf("%s %d %d %d\n", r1.name, r1.tag[0], r1.tag[1], r1.tag[2]);
    show_p("r2.a", r2.a);
    show_p("r2.b", r2.b);
    printf("%d\n", u1.i);
    for (i = 0; i < 6; i++)
        printf("%d ", grid[i / 3][i % 3]);
    printf("\n%d\n", (int)(sizeof ps / sizeof ps[0]));
    for (i = 0; i < 3; i++)
        show_p("ps", ps[i]);
    printf("%c%d%d%c\n", s[0], s[1], s[2], s[3]);
    printf("[%s] %d [%s] %d %d\n", w[0].name, w[0].n, w[1].name, w[1].n, (int)(sizeof w / sizeof w[0]));
    printf("%d %d %d\n", ops[0](), ops[1] == 0, ops[2]());
    printf("%d %d %d %d\n", table[0], table[1], table[2], (int)(sizeof table / sizeof table[0]));
    show_p("local", local);
    show_p("dyn", dyn);
    show_p("st", st);
    return 0;
}
