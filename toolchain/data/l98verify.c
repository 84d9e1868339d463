/* llama98 verify build only (never in the EXE): each time the program has computed its
 * logits, append them to the file named by $L98_VERIFY_LOGITS: the int tag of the
 * statement that wrote them, an int count and that many floats, in the host's byte
 * order. toolchain/verify.py inserts the calls after the statements that write the
 * logits and compares the vectors with its reference. */
#include <stdio.h>
#include <stdlib.h>

static FILE *l98v_out = NULL;

void l98v_logits(int tag, const float *logits, int n)
{
    if (l98v_out == NULL) {
        const char *path = getenv("L98_VERIFY_LOGITS");
        if (path == NULL) {
            return;
        }
        l98v_out = fopen(path, "wb");
        if (l98v_out == NULL) {
            fprintf(stderr, "llama98 verify: cannot write %s\n", path);
            exit(3);
        }
    }
    if (n < 0) {
        n = 0;
    }
    fwrite(&tag, sizeof tag, 1, l98v_out);
    fwrite(&n, sizeof n, 1, l98v_out);
    fwrite(logits, sizeof *logits, (size_t)n, l98v_out);
    fflush(l98v_out);
}
