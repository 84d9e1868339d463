/* String literals longer than C89's 509 characters: a char array, a pointer,
   a table of pointers, a struct member and an argument. */
#include <stdio.h>
#include <string.h>

static const char poem[] =
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n";

static const char exact[62 * 9] =
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n";

static const char *text =
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "\t\\ \"quoted\" \x41\102 '\001'";

static const char *table[] = {
    "short",
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n",
};

struct note { int id; char body[700]; };
static struct note note = { 7,
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n"
    "The quick brown fox jumps over the lazy dog, again and again.\n" };

static unsigned sum(const char *s, size_t n) {
    unsigned h = 0;
    size_t i;
    for (i = 0; i < n; i++) h = h * 31 + (unsigned char)s[i];
    return h;
}

int main(void) {
    printf("%d %u\n", (int)sizeof poem, sum(poem, sizeof poem));
    printf("%d %u\n", (int)sizeof exact, sum(exact, sizeof exact));
    printf("%d %u\n", (int)strlen(text), sum(text, strlen(text)));
    printf("%d %u %s\n", (int)strlen(table[1]), sum(table[1], strlen(table[1])), table[0]);
    printf("%d %d %u\n", note.id, (int)strlen(note.body), sum(note.body, sizeof note.body));
    for (int k = 0; k < 2; k++)  // C99
        printf("%u\n", sum("The quick brown fox jumps over the lazy dog, again and again.\n" "The quick brown fox jumps over the lazy dog, again and again.\n" "The quick brown fox jumps over the lazy dog, again and again.\n" "The quick brown fox jumps over the lazy dog, again and again.\n" "The quick brown fox jumps over the lazy dog, again and again.\n"
                            "The quick brown fox jumps over the lazy dog, again and again.\n" "The quick brown fox jumps over the lazy dog, again and again.\n" "The quick brown fox jumps over the lazy dog, again and again.\n" "The quick brown fox jumps over the lazy dog, again and again.\n", 62 * 9) + k);
    return 0;
}
