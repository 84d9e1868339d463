/*
 * l98load.h - a chunked fread loader in place of POSIX open/mmap/munmap/close.
 *
 * Windows 98 has no mmap, and 1990s compilers have no <sys/mman.h>.  llama98's
 * "fread-loader" patch (patches/llama2c.toml) renames llama2.c's calls to these
 * functions, which read the whole checkpoint into memory in chunks and stop
 * with a clear message on a missing file, a truncated file (expected versus
 * actual bytes), an impossible header, or too little memory (megabytes needed).
 */
#ifndef L98LOAD_H
#define L98LOAD_H

#include <stddef.h>

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

#endif
