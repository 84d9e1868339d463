/*
 * l98load.h - llama98's loader for the files a user gives llama2.c: the checkpoint
 * and the vocabulary, read with fread in place of POSIX open/mmap, and checked.
 *
 * Windows 98 has no mmap, and 1990s compilers have no <sys/mman.h>.  The patches
 * in patches/llama2c.toml rename llama2.c's calls to the functions below:
 *
 *   open/mmap/munmap/close       -> l98_open ...  read the whole checkpoint into
 *                                   memory in 64 KB chunks
 *   fopen/fread/fclose in the block that maps the checkpoint
 *                                -> l98_fopen_model ...  check the whole file before
 *                                   the program reads its header
 *   after the program has computed where its weights are
 *                                -> l98_weights_end(ptr)
 *   fopen in the block that reads max_token_length
 *                                -> l98_fopen_vocab: check the whole vocabulary
 *   the token ids encode() appends
 *                                -> l98_token_id(id, vocab_size)
 *   strcpy into a fixed-size array
 *                                -> l98_strcpy_fit(dst, src, sizeof dst)
 *
 * Every problem ends the program with one line "llama98: ..." on stderr and
 * EXIT_FAILURE, before anything indexes memory with an unchecked size.
 *
 * The checkpoint formats: llama2.c's legacy fp32 file (version 0, what run.c
 * reads: seven int32 header fields, float32 tensors) and its int8 file (export
 * version 2, what runq.c reads: magic "ak42", version 2, the seven fields, a
 * shared-classifier byte and the group size in a 256-byte header, then
 * group-wise Q8_0 tensors).  Which one the program reads, the loader learns from
 * the program's first read of the file: run.c reads the 28-byte header first,
 * runq.c the 4-byte magic.
 */
#ifndef L98LOAD_H
#define L98LOAD_H

#include <stddef.h>
#include <stdio.h>

#ifndef O_RDONLY
#define O_RDONLY 0
#endif
#ifndef PROT_READ
#define PROT_READ 1
#endif
#ifndef MAP_PRIVATE
#define MAP_PRIVATE 2
#endif
#ifndef MAP_FAILED
#define MAP_FAILED ((void *)-1)
#endif

int l98_open(const char *path, int flags);
int l98_close(int fd);
void *l98_mmap(void *addr, size_t length, int prot, int flags, int fd, long offset);
int l98_munmap(void *addr, size_t length);

FILE *l98_fopen_model(const char *path, const char *mode);
size_t l98_fread_model(void *ptr, size_t size, size_t count, FILE *file);
int l98_fclose_model(FILE *file);
void l98_weights_end(const void *end);

FILE *l98_fopen_vocab(const char *path, const char *mode);
int l98_token_id(int id, int vocab_size);

char *l98_strcpy_fit(char *dst, const char *src, size_t size);

#endif
