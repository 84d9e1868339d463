/* Declarations written by macros: in a macro's own block (nothing to do),
   a whole declaration after a statement (a block opens at the invocation),
   and initializers written by macros (split, or moved whole when constant). */
#include <stdio.h>
#include <string.h>

typedef struct { const char *p; int n; } buf;

#define SWAP(a, b) { int t_ = a; a = b; b = t_; }
#define STATIC_ASSERT(c) { enum { static_assert_ = 1 / (int)(!!(c)) }; }
#define DECL_LEN(x) int len_ = (x)
#define DECL(t, n) t n = 0
#define TWICE(x) ((x) * 2)
#define BUF_EMPTY { 0, 0 }
#define SKIP(prefix) \
    do { \
        size_t cc_len = strlen(prefix); \
        if (strncmp(str, prefix, cc_len) != 0) \
            return -1; \
        str += cc_len; \
    } while ((void)0, 0)

static int parse(const char *str)
{
    int n = 0;
    SKIP("$");
    n++;
    SKIP("v=");
    while (*str >= '0' && *str <= '9')
        n = n * 10 + (*str++ - '0');
    return n;
}

static int mix(int x, int y)
{
    x++;
    SWAP(x, y);
    STATIC_ASSERT(sizeof(int) >= 2);
    int d = TWICE(x);
    buf b = BUF_EMPTY;
    y += d + b.n;
    DECL_LEN(x + y);
    DECL(int, extra);
    extra += len_;
    return extra * 3 + (b.p == 0);
}

int main(void)
{
    printf("%d %d\n", mix(1, 2), mix(5, -7));
    printf("%d %d\n", parse("$v=19"), parse("x"));
    return 0;
}
