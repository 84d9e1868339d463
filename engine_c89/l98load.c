/*
 * l98load.c - see l98load.h.  Strict C89.
 *
 * Every size is computed in saturating unsigned long arithmetic capped just above
 * L98_LIMIT (2^31 - 1 bytes: what a 32-bit program can address, and the range of
 * ftell), so no product of header fields can wrap, on a 32-bit or a 64-bit host.
 * A checkpoint is accepted only when:
 *   - every header field is in its range (negative vocab_size: a separate
 *     classifier, fp32 format only), n_heads divides dim into an even head size,
 *     n_kv_heads divides n_heads, vocab_size >= 3 (the programs use token ids 1
 *     and 2, <s> and </s>);
 *   - int8: group_size divides dim and hidden_dim, the shared-classifier byte is
 *     0 or 1, and every int8 tensor has a multiple of 4 values (its float scales
 *     follow it and must stay 4-byte aligned);
 *   - the file has exactly the bytes the header describes;
 *   - the file plus the key/value cache (n_layers x seq_len x dim floats, twice),
 *     the attention scores and (int8) the dequantized token table fit in
 *     L98_LIMIT bytes: then every element count the program computes in int fits.
 * The checks in toolchain/models.py are the same rules at build time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "l98load.h"

#define L98_MAX_FILES 8
#define L98_CHUNK 65536L
#define L98_PROGRESS_BYTES 8388608.0 /* report progress for files above 8 MB */

#define L98_LIMIT 2147483647UL       /* the most bytes anything may take */
#define L98_OVER (L98_LIMIT + 1UL)   /* "more than L98_LIMIT" */
#define L98_MAGIC 0x616B3432UL       /* "ak42", llama2.c's export.py versions 1 and 2 */
#define L98_FP32_HEADER 28
#define L98_INT8_HEADER 256
#define L98_MIN_VOCAB 3L             /* <unk>, <s>, </s> */
#define L98_MAX_TOKEN_LENGTH 65536L

#define L98_UNKNOWN (-1)             /* formats: as the file says */
#define L98_FP32 0                   /* legacy export version 0, run.c */
#define L98_INT8 2                   /* export version 2, runq.c */

/* header fields */
#define L98_DIM 0
#define L98_HIDDEN 1
#define L98_LAYERS 2
#define L98_HEADS 3
#define L98_KV_HEADS 4
#define L98_VOCAB 5
#define L98_SEQ 6

static const char *l98_names[7] = {
    "dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"
};
/* larger than any llama2.c-format model (Llama 2 70B: dim 8192, hidden 28672, 80 layers,
   64 heads; Llama 3: vocabulary 128256), small enough to catch garbage */
static const long l98_max[7] = { 32768L, 262144L, 1024L, 1024L, 1024L, 1048576L, 1048576L };

typedef struct {
    const char *path;
    int format;                 /* L98_FP32 or L98_INT8 */
    long h[7];                  /* the header fields, vocab_size made positive */
    int shared;                 /* the classifier is the token embedding table */
    long group_size;            /* int8 only */
    unsigned long size;         /* bytes of the file */
    unsigned long weights_end;  /* where the program's weight pointers end */
} L98Model;

static const char *l98_paths[L98_MAX_FILES];

static L98Model l98_model;                  /* the last checkpoint that passed */
static int l98_model_ok;
static FILE *l98_model_file;                /* opened by l98_fopen_model */
static const char *l98_model_path;
static int l98_model_seen;                  /* the program has read from it */
static int l98_model_format = L98_UNKNOWN;  /* the format the program reads */
static const char *l98_data;                /* what l98_mmap loaded */

static void l98_fail(void)
{
    fflush(stdout);
    exit(EXIT_FAILURE);
}

/* "llama98: " + the message + newline on stderr, then exit */
static void l98_die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("llama98: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n", stderr);
    l98_fail();
}

static unsigned long l98_mul(unsigned long a, unsigned long b)
{
    if (a == 0UL || b == 0UL) {
        return 0UL;
    }
    if (a > L98_OVER / b) {
        return L98_OVER;
    }
    a *= b;
    return a > L98_OVER ? L98_OVER : a;
}

static unsigned long l98_mul3(unsigned long a, unsigned long b, unsigned long c)
{
    return l98_mul(l98_mul(a, b), c);
}

static unsigned long l98_add(unsigned long a, unsigned long b)
{
    if (a >= L98_OVER || b >= L98_OVER) {
        return L98_OVER;
    }
    a += b;     /* below 2^32 */
    return a > L98_OVER ? L98_OVER : a;
}

static double l98_mb(double bytes)
{
    return (bytes + 1048575.0) / 1048576.0;
}

/* a little-endian int32 from the file */
static long l98_int32(const unsigned char *p)
{
    unsigned long u = (unsigned long)p[0] | ((unsigned long)p[1] << 8)
                    | ((unsigned long)p[2] << 16) | ((unsigned long)p[3] << 24);
    if (u >= 0x80000000UL) {
        return -(long)(0xFFFFFFFFUL - u) - 1L;
    }
    return (long)u;
}

/* bytes in the file, or dies */
static unsigned long l98_file_size(const char *path, FILE *f)
{
    long end;
    if (fseek(f, 0L, SEEK_END) != 0 || (end = ftell(f)) < 0L || fseek(f, 0L, SEEK_SET) != 0) {
        l98_die("cannot read '%s' (not a regular file, or larger than 2 GB)", path);
    }
    return (unsigned long)end;
}

/* bytes of an int8 tensor of n values: the values, then one float scale per group */
static unsigned long l98_q8(unsigned long n, unsigned long group)
{
    return l98_add(n, l98_mul(4UL, n / group));
}

static void l98_bad_header(const char *path, const char *why)
{
    l98_die("'%s' is not a llama2.c checkpoint: %s", path, why);
}

/* Checks the checkpoint in f against the format the program reads (want) and
   fills m; dies with a message on any problem. */
static void l98_check_model(const char *path, FILE *f, int want, L98Model *m)
{
    unsigned char head[L98_INT8_HEADER];
    char why[256];
    size_t have;
    unsigned long size, dim, hidden, layers, heads, kv, vocab, seq, hs, kv_dim, x, need;
    const unsigned char *fields;
    int magic, i;
    long version = 0L;

    memset(head, 0, sizeof head);
    m->path = path;
    size = l98_file_size(path, f);
    m->size = size;
    have = fread(head, 1, sizeof head, f);
    magic = have >= 4 && (unsigned long)l98_int32(head) == L98_MAGIC;
    if (magic) {
        version = have >= 8 ? l98_int32(head + 4) : -1L;
    }
    m->format = want == L98_UNKNOWN ? (magic ? L98_INT8 : L98_FP32) : want;
    if (m->format == L98_FP32 && magic) {
        l98_die("'%s' is a llama2.c export version %ld file (magic \"ak42\"%s): this program "
                "reads legacy fp32 checkpoints (export.py --version 0)", path, version,
                version == 2L ? ", int8" : "");
    }
    if (m->format == L98_INT8 && !magic) {
        l98_die("'%s' is not an int8 llama2.c checkpoint: it does not start with the magic "
                "\"ak42\" (a legacy fp32 checkpoint?); this program reads export version 2 "
                "(export.py --version 2)", path);
    }
    if (m->format == L98_INT8 && version != 2L) {
        l98_die("'%s' is llama2.c export version %ld: this program reads version 2", path,
                version);
    }
    if (m->format == L98_FP32 ? size < L98_FP32_HEADER : size < L98_INT8_HEADER) {
        l98_die("'%s' is truncated: %lu bytes, smaller than the %d-byte llama2.c header",
                path, size, m->format == L98_FP32 ? L98_FP32_HEADER : L98_INT8_HEADER);
    }
    if (have < (m->format == L98_FP32 ? (size_t)L98_FP32_HEADER : sizeof head)) {
        l98_die("cannot read '%s'", path);
    }
    fields = m->format == L98_FP32 ? head : head + 8;
    m->shared = 1;
    for (i = 0; i < 7; i++) {
        long v = l98_int32(fields + 4 * i);
        if (i == L98_VOCAB && m->format == L98_FP32 && v < 0L && v >= -l98_max[i]) {
            v = -v;
            m->shared = 0;
        }
        if (v <= 0L || v > l98_max[i]) {
            sprintf(why, "impossible header value %s=%ld (allowed: 1 to %ld%s)", l98_names[i],
                    l98_int32(fields + 4 * i), l98_max[i],
                    i == L98_VOCAB && m->format == L98_FP32 ? ", negative for a separate "
                                                               "classifier" : "");
            l98_bad_header(path, why);
        }
        m->h[i] = v;
    }
    m->group_size = 0L;
    if (m->format == L98_INT8) {
        if (head[36] > 1) {
            sprintf(why, "impossible header value shared_classifier=%d (0 or 1)", head[36]);
            l98_bad_header(path, why);
        }
        m->shared = head[36];
        m->group_size = l98_int32(head + 37);
    }
    dim = (unsigned long)m->h[L98_DIM];
    hidden = (unsigned long)m->h[L98_HIDDEN];
    layers = (unsigned long)m->h[L98_LAYERS];
    heads = (unsigned long)m->h[L98_HEADS];
    kv = (unsigned long)m->h[L98_KV_HEADS];
    vocab = (unsigned long)m->h[L98_VOCAB];
    seq = (unsigned long)m->h[L98_SEQ];
    if (dim % heads != 0UL || kv > heads || heads % kv != 0UL) {
        sprintf(why, "impossible header (dim=%lu, n_heads=%lu, n_kv_heads=%lu do not divide)",
                dim, heads, kv);
        l98_bad_header(path, why);
    }
    hs = dim / heads;
    kv_dim = hs * kv;
    if (hs % 2UL != 0UL) {
        sprintf(why, "impossible header (head size dim/n_heads = %lu/%lu = %lu is odd; the "
                "rotary embedding turns pairs of values)", dim, heads, hs);
        l98_bad_header(path, why);
    }
    if (vocab < (unsigned long)L98_MIN_VOCAB) {
        sprintf(why, "vocab_size=%lu is below %ld (llama2.c's token ids 0, 1 and 2 are "
                "<unk>, <s> and </s>)", vocab, L98_MIN_VOCAB);
        l98_bad_header(path, why);
    }
    if (m->format == L98_FP32) {
        x = l98_add(l98_mul(vocab, dim), l98_mul3(2UL, layers, dim));   /* embedding, rms */
        x = l98_add(x, l98_mul3(2UL * layers, dim, dim));               /* wq, wo */
        x = l98_add(x, l98_mul3(2UL * layers, dim, kv_dim));            /* wk, wv */
        x = l98_add(x, l98_mul3(3UL * layers, dim, hidden));            /* w1, w2, w3 */
        x = l98_add(x, l98_add(dim, l98_mul(seq, hs)));       /* rms_final, old RoPE tables */
        if (!m->shared) {
            x = l98_add(x, l98_mul(vocab, dim));                        /* wcls */
        }
        m->size = l98_add(L98_FP32_HEADER, l98_mul(4UL, x));
    } else {
        unsigned long g = (unsigned long)m->group_size;
        unsigned long sizes[4];
        if (m->group_size <= 0L || dim % g != 0UL || hidden % g != 0UL) {
            sprintf(why, "impossible header value group_size=%ld (it must divide dim=%lu and "
                    "hidden_dim=%lu)", m->group_size, dim, hidden);
            l98_bad_header(path, why);
        }
        sizes[0] = l98_mul(vocab, dim);
        sizes[1] = l98_mul(dim, dim);
        sizes[2] = l98_mul(dim, kv_dim);
        sizes[3] = l98_mul(dim, hidden);
        for (i = 0; i < 4; i++) {
            if (sizes[i] % 4UL != 0UL) {
                sprintf(why, "impossible header: an int8 tensor of %lu values would leave "
                        "the float scales after it misaligned (dim=%lu, hidden_dim=%lu, "
                        "vocab_size=%lu)", sizes[i], dim, hidden, vocab);
                l98_bad_header(path, why);
            }
        }
        x = l98_mul(4UL, l98_add(l98_mul3(2UL, layers, dim), dim));     /* fp32 rms weights */
        x = l98_add(x, l98_q8(sizes[0], g));                            /* token embedding */
        x = l98_add(x, l98_mul(layers, l98_mul(2UL, l98_q8(sizes[1], g))));   /* wq, wo */
        x = l98_add(x, l98_mul(layers, l98_mul(2UL, l98_q8(sizes[2], g))));   /* wk, wv */
        x = l98_add(x, l98_mul(layers, l98_mul(3UL, l98_q8(sizes[3], g))));   /* w1-w3 */
        if (!m->shared) {
            x = l98_add(x, l98_q8(sizes[0], g));                        /* wcls */
        }
        m->size = l98_add(L98_INT8_HEADER, x);
    }
    if (m->size >= L98_OVER) {
        l98_die("'%s' describes a model of more than 2 GB (dim=%lu, n_layers=%lu, "
                "vocab_size=%lu): more than a 32-bit program can load", path, dim, layers, vocab);
    }
    if (size < m->size) {
        l98_die("'%s' is truncated: expected %lu bytes for dim=%lu, n_layers=%lu, "
                "vocab_size=%lu, but the file has %lu bytes", path, m->size, dim, layers, vocab,
                size);
    }
    if (size > m->size) {
        l98_die("'%s' does not match its header: expected %lu bytes for dim=%lu, n_layers=%lu, "
                "vocab_size=%lu, but the file has %lu bytes (%lu extra)", path, m->size, dim,
                layers, vocab, size, size - m->size);
    }
    m->weights_end = m->size;
    if (m->format == L98_FP32 && !m->shared) {
        m->weights_end -= l98_mul3(4UL, vocab, dim);    /* below m->size: it is part of it */
    }
    /* what the program allocates besides the file: key and value caches (n_layers x
       seq_len x kv_dim floats; dim in versions without grouped-query attention),
       attention scores (n_heads x seq_len), int8: the dequantized token table */
    need = l98_add(size, l98_mul(8UL, l98_mul3(layers, seq, dim)));
    need = l98_add(need, l98_mul3(4UL, heads, seq));
    if (m->format == L98_INT8) {
        need = l98_add(need, l98_mul3(4UL, vocab, dim));
    }
    if (need >= L98_OVER) {
        l98_die("'%s' needs %.0f MB of memory to run (the model, and a key/value cache of "
                "n_layers x seq_len x dim = %lu x %lu x %lu floats, twice): more than the "
                "2048 MB a 32-bit program can address", path,
                l98_mb((double)size + 8.0 * (double)layers * (double)seq * (double)dim),
                layers, seq, dim);
    }
    l98_model = *m;
    l98_model_ok = 1;
}

/* ------------------------------------------------------------ the checkpoint */

FILE *l98_fopen_model(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (f != NULL) {
        l98_model_file = f;
        l98_model_path = path;
        l98_model_seen = 0;
        l98_model_format = L98_UNKNOWN;
    }
    return f;
}

size_t l98_fread_model(void *ptr, size_t size, size_t count, FILE *file)
{
    size_t got;
    if (file == l98_model_file && !l98_model_seen) {
        L98Model m;
        /* run.c reads its 28-byte header first; runq.c reads the 4-byte magic */
        l98_model_seen = 1;
        l98_model_format = size * count >= (size_t)L98_FP32_HEADER ? L98_FP32 : L98_INT8;
        l98_check_model(l98_model_path, file, l98_model_format, &m);
        if (fseek(file, 0L, SEEK_SET) != 0) {
            l98_die("cannot read '%s'", l98_model_path);
        }
    }
    got = fread(ptr, size, count, file);
    if (got != count && file == l98_model_file) {
        l98_die("read error in '%s'", l98_model_path);
    }
    return got;
}

int l98_fclose_model(FILE *file)
{
    if (file == l98_model_file) {
        l98_model_file = NULL;
    }
    return fclose(file);
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

void *l98_mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)
{
    const char *path;
    FILE *f;
    char *data;
    L98Model m;
    int want = L98_UNKNOWN;
    size_t done = 0;
    int show_progress;
    int last_percent = -1;

    (void)addr; (void)prot; (void)flags;
    if (fd < 3 || fd >= L98_MAX_FILES + 3 || l98_paths[fd - 3] == NULL || offset != 0) {
        l98_die("internal error: bad arguments to the model loader");
    }
    path = l98_paths[fd - 3];
    f = fopen(path, "rb");
    if (f == NULL) {
        l98_die("cannot open model file '%s'", path);
    }
    if (l98_model_seen && l98_model_path != NULL && strcmp(l98_model_path, path) == 0) {
        want = l98_model_format;
    }
    l98_check_model(path, f, want, &m);
    if (fseek(f, 0L, SEEK_SET) != 0) {
        l98_die("cannot read '%s'", path);
    }
    if ((unsigned long)length != m.size) {
        l98_die("'%s' is %lu bytes, but the program asked for %lu (did it change while "
                "loading?)", path, m.size, (unsigned long)length);
    }
    data = (char *)malloc(length);
    if (data == NULL) {
        fclose(f);
        l98_die("not enough memory to load '%s': it needs %.0f MB", path,
                l98_mb((double)length));
    }
    show_progress = (double)length > L98_PROGRESS_BYTES;
    while (done < length) {
        size_t want_bytes = length - done;
        size_t got;
        if (want_bytes > (size_t)L98_CHUNK) {
            want_bytes = (size_t)L98_CHUNK;
        }
        got = fread(data + done, 1, want_bytes, f);
        if (got != want_bytes) {
            free(data);
            fclose(f);
            l98_die("%sread error in '%s' after %lu of %lu bytes", show_progress ? "\n" : "",
                    path, (unsigned long)(done + got), (unsigned long)length);
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
    l98_data = data;
    return data;
}

int l98_munmap(void *addr, size_t length)
{
    (void)length;
    if (addr != NULL && addr != MAP_FAILED) {
        if ((const char *)addr == l98_data) {
            l98_data = NULL;
        }
        free(addr);
    }
    return 0;
}

/* The program has set its weight pointers from the header and stopped at end: where
   the format puts the end of the weights (legacy fp32: the separate classifier, when
   there is one, starts there).  A program that reads the header otherwise (a llama2.c
   without grouped-query attention reading a checkpoint that has it) stops elsewhere. */
void l98_weights_end(const void *end)
{
    unsigned long at;
    if (l98_data == NULL || !l98_model_ok) {
        l98_die("internal error: no checkpoint loaded");
    }
    at = (unsigned long)((const char *)end - l98_data);
    if (at != l98_model.weights_end) {
        if (l98_model.h[L98_KV_HEADS] != l98_model.h[L98_HEADS]) {
            l98_die("'%s' does not fit this program: its header has n_kv_heads=%ld for "
                    "n_heads=%ld (grouped-query attention), which this llama2.c does not "
                    "support; use a checkpoint with n_kv_heads = n_heads", l98_model.path,
                    l98_model.h[L98_KV_HEADS], l98_model.h[L98_HEADS]);
        }
        l98_die("'%s' does not fit this program: it reads the weights as ending at byte %lu, "
                "the file's header puts their end at byte %lu", l98_model.path, at,
                l98_model.weights_end);
    }
}

/* ------------------------------------------------------------ the vocabulary */

/* reads the 8-byte (score, length) record at *off; 0 at the end of the file */
static int l98_token_head(FILE *f, unsigned long size, unsigned long off, long *len)
{
    unsigned char rec[8];
    if (size - off < 8UL || fread(rec, 1, 8, f) != 8) {
        return 0;
    }
    *len = l98_int32(rec + 4);
    return 1;
}

/* Tokens from off to the end of the file, when the rest is whole tokens; else 0. */
static long l98_more_tokens(FILE *f, unsigned long size, unsigned long off, long max_len)
{
    long count = 0L, len;
    while (off < size) {
        if (!l98_token_head(f, size, off, &len) || len < 1L || len > max_len
                || size - off - 8UL < (unsigned long)len
                || fseek(f, len, SEEK_CUR) != 0) {
            return 0L;
        }
        off += 8UL + (unsigned long)len;
        count++;
    }
    return count;
}

/* Checks a llama2.c vocabulary: int32 max_token_length, then per token a float32
   score, an int32 length (1 to max_token_length: llama2.c's fread of 0 bytes
   fails) and the bytes.  The count is the checked model's vocab_size (all tokens
   to the end of the file when no model was checked). */
static void l98_check_vocab(const char *path, FILE *f)
{
    unsigned char buf[4];
    unsigned long size, off;
    long max_len, want, len, i, extra;

    size = l98_file_size(path, f);
    if (size < 4UL || fread(buf, 1, 4, f) != 4) {
        l98_die("'%s' is truncated: %lu bytes, smaller than the 4-byte header of a llama2.c "
                "vocabulary", path, size);
    }
    max_len = l98_int32(buf);
    if (max_len < 1L || max_len > L98_MAX_TOKEN_LENGTH) {
        l98_die("'%s' is not a llama2.c vocabulary: impossible max_token_length=%ld "
                "(allowed: 1 to %ld)", path, max_len, L98_MAX_TOKEN_LENGTH);
    }
    want = l98_model_ok ? l98_model.h[L98_VOCAB] : -1L;
    off = 4UL;
    for (i = 0L; want < 0L ? off < size : i < want; i++) {
        if (!l98_token_head(f, size, off, &len)) {
            if (off == size) {
                l98_die("'%s' is truncated: it has only %ld tokens, the model's vocab_size is "
                        "%ld", path, i, want);
            }
            l98_die("'%s' is truncated: it ends inside token %ld, which starts at byte %lu",
                    path, i, off);
        }
        if (len < 1L || len > max_len) {
            l98_die("'%s' is not a llama2.c vocabulary: token %ld has length %ld (allowed: 1 "
                    "to max_token_length=%ld) at byte %lu", path, i, len, max_len, off + 4UL);
        }
        if (size - off - 8UL < (unsigned long)len) {
            l98_die("'%s' is truncated: it ends inside token %ld, which starts at byte %lu",
                    path, i, off);
        }
        if (fseek(f, len, SEEK_CUR) != 0) {
            l98_die("cannot read '%s'", path);
        }
        off += 8UL + (unsigned long)len;
    }
    if (want >= 0L && off < size) {
        extra = l98_more_tokens(f, size, off, max_len);
        if (extra > 0L) {
            l98_die("'%s' has %ld tokens but the model's vocab_size is %ld: the wrong "
                    "vocabulary for this model", path, want + extra, want);
        }
    }
    if (i < L98_MIN_VOCAB) {
        l98_die("'%s' is not a llama2.c vocabulary: %ld tokens, fewer than %ld (<unk>, <s> "
                "and </s>)", path, i, L98_MIN_VOCAB);
    }
}

FILE *l98_fopen_vocab(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (f == NULL) {
        return NULL;        /* the program says it could not open it */
    }
    l98_check_vocab(path, f);
    if (fseek(f, 0L, SEEK_SET) != 0) {
        l98_die("cannot read '%s'", path);
    }
    return f;
}

/* The token id itself when the vocabulary has it, else 0 (<unk>): llama2.c's
   encoder looks up its dummy prefix " " (-1 when the vocabulary lacks it) and
   falls back to token 3 + byte for bytes it has no piece for. */
int l98_token_id(int id, int vocab_size)
{
    return id >= 0 && id < vocab_size ? id : 0;
}

/* ------------------------------------------------------------ command-line text */

char *l98_strcpy_fit(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (n >= size) {
        l98_die("a prompt of %lu bytes is too long here: this program takes at most %lu",
                (unsigned long)n, (unsigned long)(size - 1));
    }
    memcpy(dst, src, n + 1);
    return dst;
}
