/*
 * l98load.c - see l98load.h.  Strict C89.
 *
 * The checkpoint is llama2.c's format: seven 32-bit ints (dim, hidden_dim,
 * n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size
 * means the classifier weights follow) and then float32 tensors.  The loader
 * checks the header and the size before it allocates anything, so a damaged
 * file costs a message, not a crash half-way through generation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "l98load.h"

#define L98_MAX_FILES 8
#define L98_CHUNK 65536L
#define L98_PROGRESS_BYTES 8388608.0 /* report progress for files above 8 MB */

static const char *l98_paths[L98_MAX_FILES];

static void l98_fail(void)
{
    fflush(stdout);
    exit(EXIT_FAILURE);
}

int l98_open(const char *path, int flags)
{
    FILE *f;
    int fd;
    (void)flags;
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "llama98: cannot open model file '%s'\n", path);
        return -1;
    }
    fclose(f);
    for (fd = 0; fd < L98_MAX_FILES; fd++) {
        if (l98_paths[fd] == NULL) {
            l98_paths[fd] = path;
            return fd + 3; /* never 0, 1 or 2, like a real descriptor */
        }
    }
    fprintf(stderr, "llama98: too many open model files\n");
    return -1;
}

int l98_close(int fd)
{
    if (fd < 3 || fd >= L98_MAX_FILES + 3 || l98_paths[fd - 3] == NULL) {
        return -1;
    }
    l98_paths[fd - 3] = NULL;
    return 0;
}

static double l98_mb(double bytes)
{
    return (bytes + 1048575.0) / 1048576.0;
}

/* Checks a llama2.c header; returns the bytes the file must have (0: bad header). */
static double l98_expected_size(const char *path, const int *h)
{
    static const char *names[7] = {
        "dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"
    };
    double dim, hidden, layers, heads, kv_heads, vocab, seq, head_size, kv_dim, floats;
    int i;
    for (i = 0; i < 7; i++) {
        int v = (i == 5 && h[i] < 0) ? -h[i] : h[i];
        if (v <= 0 || v > 1048576) {
            fprintf(stderr, "llama98: '%s' is not a llama2.c checkpoint: impossible header "
                            "value %s=%d\n", path, names[i], h[i]);
            return 0.0;
        }
    }
    if (h[0] % h[3] != 0 || h[3] % h[4] != 0) {
        fprintf(stderr, "llama98: '%s' is not a llama2.c checkpoint: impossible header "
                        "(dim=%d, n_heads=%d, n_kv_heads=%d do not divide)\n",
                path, h[0], h[3], h[4]);
        return 0.0;
    }
    dim = h[0]; hidden = h[1]; layers = h[2]; heads = h[3]; kv_heads = h[4];
    vocab = h[5] < 0 ? -(double)h[5] : h[5];
    seq = h[6];
    head_size = dim / heads;
    kv_dim = head_size * kv_heads;
    floats = vocab * dim                    /* token embedding table */
           + layers * dim * 2.0             /* rms_att, rms_ffn */
           + layers * dim * dim * 2.0       /* wq, wo */
           + layers * dim * kv_dim * 2.0    /* wk, wv */
           + layers * dim * hidden * 3.0    /* w1, w2, w3 */
           + dim                            /* rms_final */
           + seq * head_size;               /* freq_cis real + imag (RoPE tables) */
    if (h[5] < 0) {
        floats += vocab * dim;              /* separate classifier */
    }
    return 28.0 + floats * 4.0;
}

void *l98_mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)
{
    const char *path;
    FILE *f;
    char *data;
    int header[7];
    double expected;
    size_t done = 0;
    int show_progress;
    int last_percent = -1;

    (void)addr; (void)prot; (void)flags;
    if (fd < 3 || fd >= L98_MAX_FILES + 3 || l98_paths[fd - 3] == NULL || offset != 0) {
        fprintf(stderr, "llama98: internal error: bad arguments to the model loader\n");
        l98_fail();
    }
    path = l98_paths[fd - 3];
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "llama98: cannot open model file '%s'\n", path);
        l98_fail();
    }
    if (length < sizeof header || fread(header, sizeof header, 1, f) != 1) {
        fprintf(stderr, "llama98: '%s' is truncated: %lu bytes, smaller than the %lu-byte "
                        "llama2.c header\n", path, (unsigned long)length,
                (unsigned long)sizeof header);
        fclose(f);
        l98_fail();
    }
    expected = l98_expected_size(path, header);
    if (expected <= 0.0) {
        fclose(f);
        l98_fail();
    }
    if ((double)length < expected) {
        fprintf(stderr, "llama98: '%s' is truncated: expected %.0f bytes for dim=%d, "
                        "n_layers=%d, vocab_size=%d, but the file has %lu bytes\n",
                path, expected, header[0], header[2], header[5], (unsigned long)length);
        fclose(f);
        l98_fail();
    }
    data = (char *)malloc(length);
    if (data == NULL) {
        fprintf(stderr, "llama98: not enough memory to load '%s': it needs %.0f MB\n",
                path, l98_mb((double)length));
        fclose(f);
        l98_fail();
    }
    memcpy(data, header, sizeof header);
    done = sizeof header;
    show_progress = (double)length > L98_PROGRESS_BYTES;
    while (done < length) {
        size_t want = length - done;
        size_t got;
        if (want > (size_t)L98_CHUNK) {
            want = (size_t)L98_CHUNK;
        }
        got = fread(data + done, 1, want, f);
        if (got != want) {
            fprintf(stderr, "\nllama98: read error in '%s' after %lu of %lu bytes\n",
                    path, (unsigned long)(done + got), (unsigned long)length);
            free(data);
            fclose(f);
            l98_fail();
        }
        done += got;
        if (show_progress) {
            int percent = (int)((double)done * 100.0 / (double)length);
            if (percent != last_percent) {
                fprintf(stderr, "\rloading %s: %3d%%", path, percent);
                last_percent = percent;
            }
        }
    }
    if (show_progress) {
        fprintf(stderr, "\n");
    }
    fclose(f);
    return data;
}

int l98_munmap(void *addr, size_t length)
{
    (void)length;
    if (addr != NULL && addr != MAP_FAILED) {
        free(addr);
    }
    return 0;
}
