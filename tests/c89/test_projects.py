"""Five real third-party C99 libraries, from PyPI sdists, ported to C89.

Each sdist is pinned (version + sha256, see ``toolchain/c89/sdist.py``),
found through PyPI's JSON API, fetched with urllib into pytest's cache
directory and never committed; the tests skip, with the reason, only when
PyPI cannot be reached.  Licenses: BLAKE3 (CC0-1.0 or Apache-2.0),
PyCryptodome (BSD-2-Clause / public domain), libargon2 as bundled by
argon2-cffi-bindings (CC0-1.0 or Apache-2.0), crc32c (BSD-style
crc32c_sw.c), cmark-gfm as bundled by cmarkgfm (BSD-2-Clause).

For each library:

* ``c89port --check`` reports that the files need changes (exit 1);
* the files are ported as one folder by the command line (``c89port SRC -o
  OUT``): every file ports without an error, and porting the output again
  changes nothing;
* a driver written in C89 (below) is built three times: with the original
  sources under ``gcc -std=c99``, and with the output folder as c89port
  wrote it (the project's own include directories in OUT, the runtime
  sources c89port put there, nothing from engine_c89) under ``gcc -std=c89
  -pedantic-errors -Wall`` and under tcc; the three programs must print the
  same thing, and known answers (the libraries' own test vectors where the
  sdist has them) are checked too.

What is not ported, and why: PyCryptodome's SHA-1/DES make the declarations
pass stop with "produced by a macro?" and its SHA-2 files include a ``.c``
template, so the seven algorithms below are the ones ported.  BLAKE3 is
ported in gcc's configuration (``__GNUC__``, ``__x86_64__``: the CPU
detection with GNU inline asm); tcc builds that port without the detection
(no ``__GNUC__``, so ``IS_X86`` is undefined), which checks that the blocks
the declarations pass opens inside ``#if`` branches balance in either
configuration.  aklomp/base64 is ported in gcc's configuration too
(``__x86_64__``: 64-bit words), where no file includes
``lib/arch/generic/32/enc_loop.c`` (passed through with a warning, as dropped
code is); tcc does not build it (its x86 CPU detection includes GCC's
``<cpuid.h>``).  cmark-gfm is the whole library, 34 sources and 31 headers
(its generated ``config.h`` included), rendered to HTML, XML, CommonMark,
LaTeX, man and plain text by a driver using its extensions.  xxhash (pinned
in ``sdist``) is not here: its header tests
``ULONG_MAX == 0xFFFFFFFFFFFFFFFFULL`` in an ``#if``, which C89 cannot
express (the longlong pass warns and keeps it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from toolchain.c89 import sdist
from toolchain.c89.cli import main as c89port
from toolchain.c89.project import port_files

from .conftest import have
from .strict_build import c89port as port_cli, runtime_in

# the sdists come from PyPI (once; pytest's cache keeps them), and each
# project is ported and built three times
pytestmark = [pytest.mark.slow, pytest.mark.network,
              pytest.mark.skipif(not have("gcc"), reason="gcc is needed")]


@dataclass
class Project:
    name: str
    dist: sdist.Sdist
    root: str                       # library directory inside the sdist
    sources: list[str]              # .c files ported and built
    headers: list[str]              # headers ported (and used by the C89 builds)
    includes: list[str]             # include directories, relative to root
    defines: list[str]
    driver: str                     # C89 source of the test program
    check: Callable[[str, Path], None]
    extra_diag_ok: tuple[str, ...] = field(default_factory=tuple)
    # the configuration ported, beyond ``defines``: macros the C89 compiler
    # predefines that the analysis (gcc -E -undef) does not
    port_defines: list[str] = field(default_factory=list)
    # files the sources include that are not C units (copied into the port as they are)
    verbatim: list[str] = field(default_factory=list)
    # engine_c89 sources the port must put into its output (the c89_* functions it calls)
    engine: list[str] = field(default_factory=list)
    # why tcc cannot build the original either ("": tcc builds the port too)
    no_tcc: str = ""


# -- BLAKE3 --------------------------------------------------------------------

BLAKE3_DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "blake3.h"

static unsigned char input[102400];

static void hex(const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
}

static void run(blake3_hasher *h, size_t len, size_t step)
{
    unsigned char out[131];
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < step ? len - done : step;
        blake3_hasher_update(h, input + done, n);
        done += n;
    }
    blake3_hasher_finalize(h, out, sizeof out);
    printf(" ");
    hex(out, sizeof out);
}

int main(void)
{
    static const size_t lens[] = {0, 1, 1023, 1024, 1025, 2048, 2049, 3072, 3073, 4096,
        4097, 5120, 5121, 6144, 6145, 7168, 7169, 8192, 8193, 16384, 31744, 102400};
    static const char key[] = "whats the Elvish word for friend";
    static const char ctx[] = "BLAKE3 2019-12-27 16:29:52 test vectors context";
    blake3_hasher h;
    size_t i, k;
    for (i = 0; i < sizeof input; i++)
        input[i] = (unsigned char)(i % 251);
    for (k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        printf("%lu", (unsigned long)lens[k]);
        blake3_hasher_init(&h);
        run(&h, lens[k], lens[k] + 1);
        blake3_hasher_init_keyed(&h, (const unsigned char *)key);
        run(&h, lens[k], 1000);
        blake3_hasher_init_derive_key(&h, ctx);
        run(&h, lens[k], 7);
        printf("\n");
    }
    printf("version %s\n", blake3_version());
    return 0;
}
"""


def _check_blake3(out: str, top: Path) -> None:
    vectors = json.loads((top / "tests" / "test_vectors.json").read_text())
    got = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0].isdigit():
            got[int(parts[0])] = parts[1:]
    assert len(got) == len(vectors["cases"])
    for case in vectors["cases"]:
        assert got[case["input_len"]] == [case["hash"], case["keyed_hash"], case["derive_key"]]


BLAKE3 = Project(
    "blake3", sdist.BLAKE3, "c_impl/vendor",
    sources=["blake3.c", "blake3_dispatch.c", "blake3_portable.c"],
    headers=["blake3.h", "blake3_impl.h"],
    includes=["."],
    defines=["BLAKE3_NO_SSE2", "BLAKE3_NO_SSE41", "BLAKE3_NO_AVX2", "BLAKE3_NO_AVX512",
             "BLAKE3_USE_NEON=0"],
    driver=BLAKE3_DRIVER, check=_check_blake3,
    # gcc's configuration: blake3_dispatch.c's x86 CPU detection (GNU inline asm)
    port_defines=["__GNUC__=12", "__x86_64__"])


# -- PyCryptodome ------------------------------------------------------------------

PYCRYPTODOME_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the libraries' exported API; their state types are opaque here */
int MD5_init(void **s);
int MD5_update(void *s, const unsigned char *in, size_t len);
int MD5_digest(const void *s, unsigned char *out);
int MD5_destroy(void *s);
int md4_init(void **s);
int md4_update(void *s, const unsigned char *in, size_t len);
int md4_digest(const void *s, unsigned char *out);
int md4_destroy(void *s);
int ripemd160_init(void **s);
int ripemd160_update(void *s, const unsigned char *in, size_t len);
int ripemd160_digest(const void *s, unsigned char *out);
int ripemd160_destroy(void *s);
int keccak_init(void **s, size_t capacity, unsigned char rounds);
int keccak_absorb(void *s, const unsigned char *in, size_t len);
int keccak_digest(void *s, unsigned char *out, size_t len, unsigned char padding);
int keccak_destroy(void *s);
int ARC4_stream_init(unsigned char *key, size_t keylen, void **s);
int ARC4_stream_encrypt(void *s, const unsigned char *in, unsigned char *out, size_t len);
int ARC4_stream_destroy(void *s);
int poly1305_init(void **s, const unsigned char *r, size_t rlen, const unsigned char *k, size_t klen);
int poly1305_update(void *s, const unsigned char *in, size_t len);
int poly1305_digest(const void *s, unsigned char *out, size_t len);
int poly1305_destroy(void *s);
int chacha20_init(void **s, const unsigned char *key, size_t keylen,
                  const unsigned char *nonce, size_t noncelen);
int chacha20_encrypt(void *s, const unsigned char *in, unsigned char *out, size_t len);
int chacha20_destroy(void *s);

static unsigned char big[1000000];

static void hex(const char *name, const unsigned char *p, size_t n)
{
    size_t i;
    printf("%s ", name);
    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

typedef int (*init_f)(void **);
typedef int (*update_f)(void *, const unsigned char *, size_t);
typedef int (*digest_f)(const void *, unsigned char *);
typedef int (*destroy_f)(void *);

static void hash(const char *name, init_f init, update_f update, digest_f digest,
                 destroy_f destroy, size_t size, const unsigned char *in, size_t len)
{
    void *s;
    unsigned char out[64];
    size_t done = 0;
    if (init(&s) != 0) { printf("%s init failed\n", name); return; }
    while (done < len) {          /* uneven pieces */
        size_t n = len - done < 4099 ? len - done : 4099;
        update(s, in + done, n);
        done += n;
    }
    digest(s, out);
    destroy(s);
    hex(name, out, size);
}

static void sha3_256(const char *name, const unsigned char *in, size_t len)
{
    void *s;
    unsigned char out[32];
    keccak_init(&s, 64, 24);
    keccak_absorb(s, in, len);
    keccak_digest(s, out, 32, 0x06);
    keccak_destroy(s);
    hex(name, out, 32);
}

int main(void)
{
    static const unsigned char abc[] = "abc";
    static const unsigned char pr[16] = {0x85, 0xd6, 0xbe, 0x78, 0x57, 0x55, 0x6d, 0x33,
        0x7f, 0x44, 0x52, 0xfe, 0x42, 0xd5, 0x06, 0xa8};
    static const unsigned char ps[16] = {0x01, 0x03, 0x80, 0x8a, 0xfb, 0x0d, 0xb2, 0xfd,
        0x4a, 0xbf, 0xf6, 0xaf, 0x41, 0x49, 0xf5, 0x1b};
    static const char msg[] = "Cryptographic Forum Research Group";
    unsigned char key[32], nonce[12], buf[1024], out[1024];
    void *s;
    size_t i;
    memset(big, 'a', sizeof big);
    hash("md5-abc", MD5_init, MD5_update, MD5_digest, MD5_destroy, 16, abc, 3);
    hash("md5-million-a", MD5_init, MD5_update, MD5_digest, MD5_destroy, 16, big, sizeof big);
    hash("md4-abc", md4_init, md4_update, md4_digest, md4_destroy, 16, abc, 3);
    hash("md4-million-a", md4_init, md4_update, md4_digest, md4_destroy, 16, big, sizeof big);
    hash("ripemd160-abc", ripemd160_init, ripemd160_update, ripemd160_digest,
         ripemd160_destroy, 20, abc, 3);
    hash("ripemd160-million-a", ripemd160_init, ripemd160_update, ripemd160_digest,
         ripemd160_destroy, 20, big, sizeof big);
    sha3_256("sha3-256-abc", abc, 3);
    sha3_256("sha3-256-million-a", big, sizeof big);

    ARC4_stream_init((unsigned char *)"Key", 3, &s);
    ARC4_stream_encrypt(s, (const unsigned char *)"Plaintext", out, 9);
    ARC4_stream_destroy(s);
    hex("arc4", out, 9);

    poly1305_init(&s, pr, 16, ps, 16);
    poly1305_update(s, (const unsigned char *)msg, strlen(msg));
    poly1305_digest(s, out, 16);
    poly1305_destroy(s);
    hex("poly1305", out, 16);

    memset(key, 0, sizeof key);
    memset(nonce, 0, sizeof nonce);
    memset(buf, 0, sizeof buf);
    chacha20_init(&s, key, 32, nonce, 12);
    chacha20_encrypt(s, buf, out, 64);
    hex("chacha20-zero", out, 64);
    for (i = 0; i < 32; i++)
        key[i] = (unsigned char)(i * 7 + 1);
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 13);
    chacha20_destroy(s);
    chacha20_init(&s, key, 32, nonce, 12);
    chacha20_encrypt(s, buf, out, sizeof buf);
    chacha20_destroy(s);
    hex("chacha20-1k", out, sizeof out);
    return 0;
}
"""

PYCRYPTODOME_KNOWN = {
    "md5-abc": "900150983cd24fb0d6963f7d28e17f72",
    "md5-million-a": "7707d6ae4e027c70eea2a935c2296f21",
    "md4-abc": "a448017aaf21d8525fc10ae87aa6729d",
    "ripemd160-abc": "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
    "ripemd160-million-a": "52783243c1697bdbe16d37f97f68f08325dc1528",
    "sha3-256-abc": "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    "arc4": "bbf316e8d940af0ad3",
    "poly1305": "a8061dc1305136c6c22b8baf0c0127a9",   # RFC 8439, 2.5.2
    "chacha20-zero": "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
                     "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
}


def _check_pycryptodome(out: str, top: Path) -> None:
    got = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    for name, want in PYCRYPTODOME_KNOWN.items():
        assert got.get(name) == want, name


PYCRYPTODOME = Project(
    "pycryptodome", sdist.PYCRYPTODOME, "src",
    sources=["MD5.c", "MD4.c", "RIPEMD160.c", "keccak.c", "ARC4.c", "poly1305.c", "chacha20.c"],
    headers=["common.h", "endianess.h", "errors.h"],
    includes=["."],
    defines=["HAVE_STDINT_H", "HAVE_POSIX_MEMALIGN", "SYS_BITS=32"],
    driver=PYCRYPTODOME_DRIVER, check=_check_pycryptodome,
    # the SSE2 branches of chacha20/poly1305 are not the configuration built here
    extra_diag_ok=("inactive",))


# -- libargon2 ---------------------------------------------------------------------

ARGON2_DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "argon2.h"

static void one(const char *name, unsigned t, unsigned m, unsigned p, const char *pwd,
                const char *salt, argon2_type type, unsigned version)
{
    unsigned char out[32];
    size_t i;
    int rc = argon2_hash(t, m, p, pwd, strlen(pwd), salt, strlen(salt), out, sizeof out,
                         NULL, 0, type, version);
    char enc[128];
    printf("%s t=%u m=%u p=%u v=%x rc=%d ", name, t, m, p, version, rc);
    for (i = 0; i < sizeof out; i++)
        printf("%02x", out[i]);
    printf("\n");
    /* the $argon2...$ string format (encoding.c), and verifying it back */
    rc = argon2_hash(t, m, p, pwd, strlen(pwd), salt, strlen(salt), NULL, 32, enc, sizeof enc,
                     type, version);
    printf("%s rc=%d verify=%d wrong=%d\n", enc, rc, argon2_verify(enc, pwd, strlen(pwd), type),
           argon2_verify(enc, "x", 1, type));
}

int main(void)
{
    static const argon2_type types[] = {Argon2_i, Argon2_d, Argon2_id};
    static const char *names[] = {"argon2i", "argon2d", "argon2id"};
    static const unsigned versions[] = {ARGON2_VERSION_10, ARGON2_VERSION_13};
    int k, v;
    for (k = 0; k < 3; k++)
        for (v = 0; v < 2; v++) {
            one(names[k], 2, 256, 1, "password", "somesalt", types[k], versions[v]);
            one(names[k], 2, 256, 2, "password", "somesalt", types[k], versions[v]);
            one(names[k], 3, 1024, 4, "differentpassword", "diffsalt", types[k], versions[v]);
        }
    return 0;
}
"""

ARGON2_KNOWN = [  # libargon2's src/test.c
    "argon2i t=2 m=256 p=1 v=10 rc=0 "
    "fd4dd83d762c49bdeaf57c47bdcd0c2f1babf863fdeb490df63ede9975fccf06",
    "argon2i t=2 m=256 p=2 v=10 rc=0 "
    "b6c11560a6a9d61eac706b79a2f97d68b4463aa3ad87e00c07e2b01e90c564fb",
]
ARGON2_KNOWN_ENCODED = ("$argon2i$v=16$m=256,t=2,p=1$c29tZXNhbHQ"   # test.c, without v=
                        "$/U3YPXYsSb3q9XxHvc0MLxur+GP960kN9j7emXX8zwY rc=0 verify=0 wrong=-35")


def _check_argon2(out: str, top: Path) -> None:
    lines = out.splitlines()
    assert len(lines) == 36 and all(" rc=0 " in x for x in lines[::2])
    for want in ARGON2_KNOWN:
        assert want in lines
    assert all(x.startswith("$argon2") and x.endswith(" rc=0 verify=0 wrong=-35")
               for x in lines[1::2])
    assert ARGON2_KNOWN_ENCODED in lines[1::2]


ARGON2 = Project(
    "argon2", sdist.ARGON2, "extras/libargon2",
    # (thread.c is empty with ARGON2_NO_THREADS, which strict C rejects in any mode)
    sources=["src/argon2.c", "src/core.c", "src/ref.c", "src/encoding.c",
             "src/blake2/blake2b.c"],
    headers=["include/argon2.h", "src/core.h", "src/thread.h", "src/encoding.h",
             "src/blake2/blake2.h", "src/blake2/blake2-impl.h", "src/blake2/blamka-round-ref.h"],
    includes=["include", "src"],
    defines=["ARGON2_NO_THREADS"],
    driver=ARGON2_DRIVER, check=_check_argon2)

# -- crc32c (software slicing-by-8) ---------------------------------------------

CRC32C_DRIVER = r"""
#include <stdio.h>
#include <string.h>

int is_big_endian;   /* set like the package's module init does */
unsigned int _crc32c_sw_slicing_by_8(unsigned int crc, const unsigned char *data,
                                     unsigned long length);

static unsigned char buf[1 << 20];

static unsigned int crc32c(unsigned int crc, const unsigned char *p, unsigned long n)
{
    return _crc32c_sw_slicing_by_8(crc ^ 0xFFFFFFFFu, p, n) ^ 0xFFFFFFFFu;
}

int main(void)
{
    unsigned long n = 1;
    unsigned long i, x = 12345;
    unsigned int c;
    is_big_endian = (*(const char *)&n == 0);
    printf("check %08x\n", crc32c(0, (const unsigned char *)"123456789", 9));
    for (i = 0; i < sizeof buf; i++) {
        x = x * 1103515245UL + 12345UL;
        buf[i] = (unsigned char)(x >> 16);
    }
    for (i = 0; i < 8; i++)        /* every misalignment, odd lengths */
        printf("off%lu %08x\n", i, crc32c(0, buf + i, sizeof buf - 8 - i * 3));
    c = 0;                         /* chained over uneven pieces = one call */
    for (i = 0; i < sizeof buf; i += 4097)
        c = crc32c(c, buf + i, sizeof buf - i < 4097 ? sizeof buf - i : 4097);
    printf("chained %08x whole %08x\n", c, crc32c(0, buf, sizeof buf));
    return 0;
}
"""


def _check_crc32c(out: str, top: Path) -> None:
    lines = out.splitlines()
    assert lines[0] == "check e3069283"          # the CRC-32C check value
    chained, whole = lines[-1].split()[1::2]
    assert chained == whole


CRC32C = Project(
    "crc32c", sdist.CRC32C, "src/crc32c/ext",
    sources=["crc32c_sw.c"],
    headers=["crc32c.h", "common.h"],
    includes=["."],
    defines=[],
    driver=CRC32C_DRIVER, check=_check_crc32c)

# -- cmark-gfm (GitHub's CommonMark, from the cmarkgfm bindings) -----------------------

CMARK_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmark-gfm.h"
#include "cmark-gfm-core-extensions.h"

static const char doc[] =
    "# Title *emph* and **strong** `code`\n\n"
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n| x | ~~y~~ |\n\n"
    "- [x] done\n- [ ] todo, see https://example.com and www.example.org\n\n"
    "1. one\n2. two\n   > quoted &amp; &copy; &#x263A; <b>bold</b> <script>x</script>\n\n"
    "```c\nint x = 1;\n```\n\n"
    "A footnote[^n] and a [link](http://a.b \"title\") and ![img](i.png).\n\n"
    "[^n]: The note, with *emphasis*.\n\n"
    "Setext\n======\n\n---\n\n    indented code\n\nhard  \nbreak\\\nend\n";

static void show(const char *name, char *s)
{
    printf("== %s\n%s", name, s);
    free(s);
}

int main(void)
{
    static const char *const exts[] = {"table", "strikethrough", "autolink", "tagfilter",
                                       "tasklist"};
    cmark_parser *p;
    cmark_node *root;
    int i;
    cmark_gfm_core_extensions_ensure_registered();
    p = cmark_parser_new(CMARK_OPT_FOOTNOTES | CMARK_OPT_SMART);
    for (i = 0; i < 5; i++)
        cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension(exts[i]));
    cmark_parser_feed(p, doc, strlen(doc));
    root = cmark_parser_finish(p);
    show("html", cmark_render_html(root, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(p)));
    show("xml", cmark_render_xml(root, CMARK_OPT_SOURCEPOS));
    show("commonmark", cmark_render_commonmark(root, CMARK_OPT_DEFAULT, 40));
    show("latex", cmark_render_latex(root, CMARK_OPT_DEFAULT, 0));
    show("man", cmark_render_man(root, CMARK_OPT_DEFAULT, 0));
    show("plaintext", cmark_render_plaintext(root, CMARK_OPT_DEFAULT, 0));
    cmark_node_free(root);
    cmark_parser_free(p);
    cmark_release_plugins();
    return 0;
}
"""


def _check_cmark(out: str, top: Path) -> None:
    html = out.split("== xml")[0]
    for want in ("<h1>Title <em>emph</em> and <strong>strong</strong> <code>code</code></h1>",
                 '<td align="right">2</td>', "<del>y</del>",
                 '<input type="checkbox" checked="" disabled="" /> done',
                 '<a href="https://example.com">https://example.com</a>',
                 "<!-- raw HTML omitted -->", "\u263a",
                 '<section class="footnotes" data-footnotes>'):
        assert want in html, want
    assert "== plaintext" in out


_CMARK_SRC = ("arena blocks buffer cmark cmark_ctype commonmark footnotes houdini_href_e "
              "houdini_html_e houdini_html_u html inlines iterator latex linked_list man map "
              "node plaintext plugin references registry render scanners syntax_extension "
              "utf8 xml").split()
_CMARK_EXT = "autolink core-extensions ext_scanners strikethrough table tagfilter tasklist".split()
_CMARK_HDR = ("buffer chunk cmark-gfm-extension_api cmark-gfm cmark_ctype footnotes houdini "
              "html inlines iterator map node parser plugin references registry render "
              "scanners syntax_extension utf8").split()
_CMARK_EXT_HDR = ("autolink cmark-gfm-core-extensions ext_scanners strikethrough table "
                  "tagfilter tasklist").split()

CMARK = Project(
    "cmark-gfm", sdist.CMARKGFM, ".",
    sources=[f"third_party/cmark/src/{n}.c" for n in _CMARK_SRC]
    + [f"third_party/cmark/extensions/{n}.c" for n in _CMARK_EXT],
    headers=[f"third_party/cmark/src/{n}.h" for n in _CMARK_HDR]
    + [f"third_party/cmark/extensions/{n}.h" for n in _CMARK_EXT_HDR]
    + [f"generated/unix/{n}.h" for n in ("config", "cmark-gfm_export",
                                           "cmark-gfm-extensions_export", "cmark-gfm_version")],
    includes=["third_party/cmark/src", "third_party/cmark/extensions", "generated/unix"],
    defines=["CMARK_GFM_STATIC_DEFINE", "CMARK_GFM_EXTENSIONS_STATIC_DEFINE"],
    driver=CMARK_DRIVER, check=_check_cmark,
    verbatim=["third_party/cmark/src/entities.inc", "third_party/cmark/src/case_fold_switch.inc"],
    engine=["c89snprintf.c"])

PROJECTS = [PYCRYPTODOME, CRC32C, BLAKE3, ARGON2, CMARK]
PROJECT_IDS = ["pycryptodome", "crc32c", "blake3", "argon2", "cmark-gfm"]


# -- the test ------------------------------------------------------------------------

def _run(cmd, timeout=300, cwd=None):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def _build(cc: list[str], incs: list[Path], defines: list[str], srcs: list[Path],
           exe: Path) -> None:
    cmd = list(cc)
    for d in incs:
        cmd += ["-I", str(d)]
    cmd += [f"-D{d}" for d in defines]
    cmd += [str(s) for s in srcs] + ["-o", str(exe)]
    proc = _run(cmd)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="session")
def sdist_cache(pytestconfig) -> Path:
    return Path(pytestconfig.cache.mkdir("c89-sdists"))


@pytest.mark.parametrize("proj", PROJECTS, ids=PROJECT_IDS)
def test_project_ports_and_behaves_the_same(proj: Project, sdist_cache, tmp_path, capsys):
    try:
        top = proj.dist.extract(sdist_cache)
    except sdist.Unavailable as exc:
        pytest.skip(f"PyPI unreachable: {exc}")
    root = top / proj.root
    rels = proj.sources + proj.headers
    incs = [root / d for d in proj.includes]
    defines = proj.defines + proj.port_defines
    opts = [f"-I{d}" for d in incs] + [f"-D{d}" for d in defines]

    # 1. --check says changes are needed
    assert c89port([str(root / r) for r in rels] + ["--check"] + opts) == 1
    capsys.readouterr()

    # 2. the port of the files as one folder, by the command line: no errors,
    # and a fixed point
    src = tmp_path / "src"
    for rel in rels:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, src / rel)
    out = tmp_path / "port"
    status, report, err = port_cli([str(src), "-o", str(out), "--json", *opts])
    files = {Path(f["path"]).relative_to(src).as_posix(): f for f in json.loads(report)["files"]}
    assert sorted(files) == sorted(rels)
    changed = 0
    for rel in rels:
        f = files[rel]
        assert f["status"] != "failed", f"{rel}: {f.get('error')}: {f['diagnostics']}"
        bad = [d for d in f["diagnostics"] if d["severity"] in ("error", "warning")
               and d["code"] not in proj.extra_diag_ok]
        assert not bad, "\n".join(map(str, bad))
        changed += f["status"] == "changed"
    assert status == 0, err
    assert changed >= 1
    for rel in proj.sources:     # a source the port leaves alone is strict C89 already
        if files[rel]["status"] != "changed":      # (with the ported headers)
            proc = _run(["gcc", "-std=c89", "-pedantic-errors", "-fsyntax-only",
                         *[f"-I{out / d}" for d in proj.includes], *[f"-D{d}" for d in defines],
                         str(out / rel)])
            assert proc.returncode == 0, f"{rel} left unchanged but not C89:\n{proc.stderr}"
    status, stdout, err = port_cli([str(out), "--check"]
                                   + [f"-I{out / d}" for d in proj.includes]
                                   + [f"-D{d}" for d in defines])
    assert status == 0, f"porting the port changed it:\n{stdout}{err}"

    # 3. the same behaviour, original (C99) and port (C89, gcc and tcc): the
    # output folder as written (plus the files the sources include verbatim)
    driver = tmp_path / "driver.c"
    driver.write_text(proj.driver)
    for rel in proj.verbatim:
        (out / rel).write_bytes((root / rel).read_bytes())
    runtime = runtime_in(out)
    assert set(proj.engine) <= {p.name for p in runtime}
    ported = [out / s for s in proj.sources] + runtime
    builds = {
        "gcc-c99": (["gcc", "-std=c99", "-O1", "-w"], incs, [root / s for s in proj.sources]),
        "gcc-c89": (["gcc", "-std=c89", "-pedantic-errors", "-Wall", "-Wno-unused-function",
                     "-O1"], [out / d for d in proj.includes], ported),
    }
    if have("tcc") and not proj.no_tcc:
        builds["tcc"] = (["tcc"], [out / d for d in proj.includes], ported)
    outputs = {}
    for name, (cc, bincs, srcs) in builds.items():
        exe = tmp_path / f"{proj.name}-{name}"
        _build(cc, bincs, proj.defines, [driver, *srcs], exe)
        proc = _run([str(exe)], timeout=120)
        assert proc.returncode == 0, f"{name}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
        outputs[name] = proc.stdout
    want = outputs.pop("gcc-c99")
    proj.check(want, top)
    for name, got in outputs.items():
        assert got == want, f"{name} output differs from the C99 original"


# -- the front end on real inputs ----------------------------------------------------

def _dump(node, out: list) -> None:
    out.append(type(node).__name__)
    out.extend(repr(getattr(node, a)) for a in node.attr_names)
    out.append(str(node.coord) if node.coord else "-")
    for name, child in node.children():
        out.append(name)
        _dump(child, out)
    out.append(")")


@pytest.mark.parametrize("proj", PROJECTS, ids=PROJECT_IDS)
def test_incremental_parse_equals_whole_parse(proj: Project, sdist_cache):
    """The chunked, cached parse (frontend.parse_chunked) builds the very AST,
    coordinates included, that one pycparser run on the whole text builds;
    also after edits that move chunks, and when every chunk is a cache hit."""
    from pycparser import c_parser

    from toolchain.c89 import frontend
    try:
        top = proj.dist.extract(sdist_cache)
    except sdist.Unavailable as exc:
        pytest.skip(f"PyPI unreachable: {exc}")
    root = top / proj.root
    incs = [str(root / d) for d in proj.includes]
    for rel in proj.sources + proj.headers:
        text = (root / rel).read_text("utf-8")
        # the text as is, then with lines added near the top (every chunk moves)
        for variant in (text, "\n\n\n" + text.replace("\n", "\n\n", 3)):
            unit = frontend.Unit(variant, str(root / rel), include_dirs=incs,
                                 defines=proj.defines)
            want: list = []
            _dump(c_parser.CParser().parse(unit.pp_text, filename=unit.path), want)
            pieces = frontend.split_chunks(unit.pp_text)
            assert pieces, rel
            for _ in range(2):   # cold (or partly warm), then all hits
                got: list = []
                _dump(frontend.parse_chunked(pieces), got)
                assert got == want, rel


def test_parallel_port_equals_sequential(sdist_cache):
    try:
        top = PYCRYPTODOME.dist.extract(sdist_cache)
    except sdist.Unavailable as exc:
        pytest.skip(f"PyPI unreachable: {exc}")
    root = top / PYCRYPTODOME.root
    items = [(str(root / r), (root / r).read_text("utf-8"))
             for r in PYCRYPTODOME.sources + PYCRYPTODOME.headers]
    kw = dict(include_dirs=[str(root)], defines=PYCRYPTODOME.defines)
    one = port_files(items, jobs=1, **kw)
    two = port_files(items, jobs=2, **kw)
    assert [r.path for r in two] == [p for p, _ in items]
    assert [(r.result.text, r.result.diagnostics) for r in one] == \
        [(r.result.text, r.result.diagnostics) for r in two]


# -- more real C99 libraries (issue 13, item 8) ------------------------------------------
#
# Each is pinned here (sdist.py holds the first five's pins), built with its own
# tests or test data, and marked xfail(strict=True) with what c89port refuses or
# gets wrong today; the minimal reproducers of those failures are in
# test_variadic.py, test_real_code.py, test_silent_output.py and
# test_output_builds.py.  The drivers find the unpacked sdist through the
# environment variable C89_PROJECT_TOP.

LZ4_SDIST = sdist.Sdist("lz4", "4.4.5", "lz4-4.4.5.tar.gz",
                        "5f0b9e53c1e82e88c10d7c180069363980136b9d7a8306c4dca4f760d60c39f0",
                        "BSD-3-Clause (bindings); lz4 library BSD-2-Clause")
BROTLI_SDIST = sdist.Sdist("brotli", "1.2.1", "brotli-1.2.1.tar.gz",
                           "02b2f7b5a83485efe448a44ddf7983def05c3bb1dcf917d4f7154070260e13de",
                           "MIT")
PYBASE64_SDIST = sdist.Sdist("pybase64", "1.5.1", "pybase64-1.5.1.tar.gz",
                             "aa924f7c2e90349d472d7d57c3680de8d222a32c2d3d07f922ab2f60516e478d",
                             "BSD-2-Clause (pybase64 and aklomp/base64)")
TINYAES_SDIST = sdist.Sdist("tinyaes", "1.1.2", "tinyaes-1.1.2.tar.gz",
                            "ac045558486ba1832183a41e807d7d8389439d6cfea237dbd70205d6fc6c63ce",
                            "MIT (bindings); tiny-AES-c Unlicense")
ZFEC_SDIST = sdist.Sdist("zfec", "1.6.0.0", "zfec-1.6.0.0.tar.gz",
                         "c5a1861c253b512698c2e733ae4d83f5e2d6ea6c881b7dbe11334b694e755a00",
                         "GPL-2.0-or-later or TGPPL")


@dataclass(frozen=True)
class WithGenerated:
    """An sdist plus the files its build system generates (aklomp/base64's
    Makefile writes lib/config.h), written into the unpacked tree as the
    build would."""
    dist: sdist.Sdist
    files: tuple[tuple[str, str], ...]

    def extract(self, cache: Path, timeout: float = 60.0) -> Path:
        top = self.dist.extract(cache, timeout)
        for rel, text in self.files:
            p = top / rel
            if not p.is_file() or p.read_text() != text:
                p.write_text(text)
        return top


# -- lz4 (block, HC and frame formats, its xxhash) --------------------------------------

LZ4_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lz4.h"
#include "lz4hc.h"
#include "lz4frame.h"
#include "xxhash.h"

static char text[300000], noise[70000];

static void block(const char *name, const char *src, int n, int level)
{
    int cap = LZ4_compressBound(n), c, d;
    char *dst = (char *)malloc((size_t)cap), *back = (char *)malloc((size_t)n + 1);
    c = level ? LZ4_compress_HC(src, dst, n, cap, level) : LZ4_compress_default(src, dst, n, cap);
    d = LZ4_decompress_safe(dst, back, c, n);
    printf("%s-%d %d %d %08lx %s\n", name, level, n, c, (unsigned long)XXH32(dst, (size_t)c, 0),
           d == n && memcmp(back, src, (size_t)n) == 0 ? "ok" : "FAIL");
    free(dst);
    free(back);
}

static void frame(const char *name, const char *src, size_t n)
{
    size_t cap = LZ4F_compressFrameBound(n, NULL), c, got = 0, pos = 0;
    char *dst = (char *)malloc(cap), *back = (char *)malloc(n + 1);
    LZ4F_dctx *d;
    c = LZ4F_compressFrame(dst, cap, src, n, NULL);
    if (LZ4F_isError(c)) { printf("%s frame FAIL\n", name); return; }
    LZ4F_createDecompressionContext(&d, LZ4F_VERSION);
    while (pos < c) {                 /* uneven pieces in, small pieces out */
        size_t in = c - pos < 777 ? c - pos : 777, out = n + 1 - got < 4096 ? n + 1 - got : 4096;
        size_t r = LZ4F_decompress(d, back + got, &out, dst + pos, &in, NULL);
        if (LZ4F_isError(r)) { printf("%s frame FAIL %s\n", name, LZ4F_getErrorName(r)); break; }
        pos += in;
        got += out;
    }
    LZ4F_freeDecompressionContext(d);
    printf("%s frame %lu %lu %s\n", name, (unsigned long)n, (unsigned long)c,
           got == n && memcmp(back, src, n) == 0 ? "ok" : "FAIL");
    free(dst);
    free(back);
}

int main(void)
{
    static const char *words[] = {"the ", "quick ", "brown ", "fox ", "jumps ", "over ",
                                  "lazy ", "dog, ", "and ", "again.\n"};
    unsigned long x = 12345;
    size_t i, n = 0;
    while (n + 16 < sizeof text) {
        const char *w;
        x = x * 1103515245UL + 12345UL;
        w = words[(x >> 16) % 10];
        memcpy(text + n, w, strlen(w));
        n += strlen(w);
    }
    for (i = 0; i < sizeof noise; i++) {
        x = x * 1103515245UL + 12345UL;
        noise[i] = (char)(x >> 16);
    }
    printf("xxh32-a %08lx\n", (unsigned long)XXH32("a", 1, 0));
    block("text", text, (int)n, 0);
    block("text", text, (int)n, 9);
    block("noise", noise, (int)sizeof noise, 0);
    block("empty", text, 0, 0);
    frame("text", text, n);
    frame("noise", noise, sizeof noise);
    printf("version %s\n", LZ4_versionString());
    return 0;
}
"""


def _check_lz4(out: str, top: Path) -> None:
    lines = out.splitlines()
    assert lines[0] == "xxh32-a 550d7456"      # python-xxhash's test: xxh32(b'a') == 1426945110
    assert "FAIL" not in out and sum(x.endswith(" ok") for x in lines) == 6


LZ4 = Project(
    "lz4", LZ4_SDIST, "lz4libs",
    sources=["lz4.c", "lz4hc.c", "lz4frame.c", "xxhash.c"],
    headers=["lz4.h", "lz4hc.h", "lz4frame.h", "lz4frame_static.h", "xxhash.h"],
    includes=["."], defines=[],
    driver=LZ4_DRIVER, check=_check_lz4,
    # lz4.c's and lz4frame.c's DEBUGLOG for LZ4_DEBUG>=2 (dropped here) prints
    # __FILE__/__LINE__: no function form, a warning
    extra_diag_ok=("inactive",))

# -- brotli (the decoder, on the package's own test data) -------------------------------

_BROTLI_CASES = (["10x10y", "64x", "alice29.txt", "asyoulik.txt", "backward65536",
                  "compressed_file", "compressed_repeated", "cp1251-utf16le", "cp852-utf8",
                  "empty", "lcet10.txt", "mapsdatazrh", "monkey", "plrabn12.txt", "quickfox",
                  "quickfox_repeated", "random_org_10k.bin", "ukkonooa", "x", "xyzzy", "zeros",
                  "zerosukkanooa"]
                 + [f"empty.compressed.{k:02d}" for k in range(19)]
                 + [f"x.compressed.{k:02d}" for k in range(4)])

BROTLI_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <brotli/decode.h>

static const char *const cases[] = {%s};

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    long len;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = (unsigned char *)malloc((size_t)len + 1);
    *n = fread(p, 1, (size_t)len, f);
    fclose(f);
    return p;
}

int main(void)
{
    const char *top = getenv("C89_PROJECT_TOP");
    char path[2048];
    size_t i;
    if (!top) { printf("C89_PROJECT_TOP not set\n"); return 1; }
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t clen = 0, olen = 0, outlen;
        unsigned char *c, *o, *out;
        BrotliDecoderResult r;
        const char *dot = strstr(cases[i], ".compressed.");
        sprintf(path, "%%s/tests/testdata/%%s%%s", top, cases[i], dot ? "" : ".compressed");
        c = slurp(path, &clen);
        sprintf(path, "%%s/tests/testdata/%%.*s", top,
                (int)(dot ? (size_t)(dot - cases[i]) : strlen(cases[i])), cases[i]);
        o = slurp(path, &olen);
        if (!c || !o) { printf("%%s missing\n", cases[i]); return 1; }
        outlen = olen;
        out = (unsigned char *)malloc(olen + 1);
        r = BrotliDecoderDecompress(clen, c, &outlen, out);
        printf("%%s %%d %%lu %%s\n", cases[i], (int)r, (unsigned long)outlen,
               r == BROTLI_DECODER_RESULT_SUCCESS && outlen == olen
               && memcmp(out, o, olen) == 0 ? "ok" : "FAIL");
        free(c);
        free(o);
        free(out);
    }
    printf("version %%lx\n", (unsigned long)BrotliDecoderVersion());
    return 0;
}
""" % ", ".join(f'"{c}"' for c in _BROTLI_CASES)


def _check_brotli(out: str, top: Path) -> None:
    lines = out.splitlines()
    assert len(lines) == len(_BROTLI_CASES) + 1
    assert all(x.endswith(" ok") for x in lines[:-1]), out


_BROTLI_COMMON = "constants context dictionary platform shared_dictionary transform".split()
_BROTLI_DEC = "bit_reader decode huffman prefix state static_init".split()

BROTLI = Project(
    "brotli", BROTLI_SDIST, "c",
    sources=[f"common/{n}.c" for n in _BROTLI_COMMON] + [f"dec/{n}.c" for n in _BROTLI_DEC],
    headers=["include/brotli/decode.h", "include/brotli/port.h",
             "include/brotli/shared_dictionary.h", "include/brotli/types.h"]
    + [f"common/{n}.h" for n in ("constants", "context", "dictionary", "dictionary_inc",
                                 "platform", "shared_dictionary_internal", "static_init",
                                 "transform", "version")]
    + [f"dec/{n}.h" for n in ("bit_reader", "huffman", "prefix", "prefix_inc", "state",
                              "static_init")],
    includes=["include"], defines=[],
    driver=BROTLI_DRIVER, check=_check_brotli,
    # prefix.c's run-time table setup (BROTLI_STATIC_INIT) is not this configuration
    extra_diag_ok=("inactive",))

# -- aklomp/base64 (from pybase64), with its own test program ---------------------------

_B64_CONFIG = "".join(f"#define HAVE_{n} 0\n" for n in
                      ("AVX512", "AVX2", "NEON32", "NEON64", "SSSE3", "SSE41", "SSE42", "AVX"))
_B64_ARCHS = "generic ssse3 sse41 sse42 avx avx2 avx512 neon32 neon64".split()

BASE64_DRIVER = r"""
/* base64/test/test_base64.c is the test program (it has main); nothing else here */
typedef int c89_driver_placeholder;
"""


def _check_base64(out: str, top: Path) -> None:
    assert "Testing with codec plain" in out or "plain" in out, out[:2000]
    assert "FAIL" not in out


BASE64 = Project(
    "base64", WithGenerated(PYBASE64_SDIST, (("base64/lib/config.h", _B64_CONFIG),)), "base64",
    sources=["lib/lib.c", "lib/codec_choose.c", "lib/tables/tables.c"]
    + [f"lib/arch/{a}/codec.c" for a in _B64_ARCHS]
    + ["test/test_base64.c", "test/codec_supported.c"],
    headers=["include/libbase64.h", "lib/codecs.h", "lib/env.h", "lib/config.h",
             "lib/tables/tables.h", "lib/tables/table_dec_32bit.h", "lib/tables/table_enc_12bit.h",
             "lib/arch/generic/enc_head.c", "lib/arch/generic/enc_tail.c",
             "lib/arch/generic/dec_head.c", "lib/arch/generic/dec_tail.c",
             "lib/arch/generic/32/enc_loop.c", "lib/arch/generic/32/dec_loop.c",
             "lib/arch/generic/64/enc_loop.c",
             "test/codec_supported.h", "test/moby_dick.h"],
    includes=["include", "lib", "test"], defines=["BASE64_STATIC_DEFINE"],
    driver=BASE64_DRIVER, check=_check_base64,
    # gcc's configuration (lib/env.h: __x86_64__ -> 64-bit words), where
    # lib/arch/generic/32/enc_loop.c is included by no file: left as it is
    port_defines=["__x86_64__"], extra_diag_ok=("inactive",),
    no_tcc="lib/codec_choose.c includes GCC's <cpuid.h> on x86, which tcc does not have")

# -- xxhash (from python-xxhash: XXH32, XXH64, XXH3 64 and 128 bits) -----------------------

XXHASH_DRIVER = r"""
#include <stdio.h>
#include "xxhash.h"

static void h64(const char *name, XXH64_hash_t h)
{
    printf("%s %08lx%08lx\n", name, (unsigned long)(h >> 16 >> 16),
           (unsigned long)(h & 0xFFFFFFFFUL));
}

int main(void)
{
    static char big[100000];
    XXH128_hash_t w;
    XXH64_hash_t seed = 0;
    unsigned long i, x = 1;
    for (i = 0; i < sizeof big; i++) {
        x = x * 1103515245UL + 12345UL;
        big[i] = (char)(x >> 16);
    }
    printf("xxh32-a %lu\n", (unsigned long)XXH32("a", 1, 0));
    printf("xxh32-a-1 %lu\n", (unsigned long)XXH32("a", 1, 1));
    h64("xxh64-a", XXH64("a", 1, 0));
    h64("xxh64-a-1", XXH64("a", 1, 1));
    seed = ~seed;
    h64("xxh64-a-max", XXH64("a", 1, seed));
    h64("xxh3-64-a", XXH3_64bits_withSeed("a", 1, 0));
    h64("xxh3-64-a-1", XXH3_64bits_withSeed("a", 1, 1));
    w = XXH3_128bits_withSeed("a", 1, 0);
    h64("xxh3-128-a-high", w.high64);
    h64("xxh3-128-a-low", w.low64);
    printf("xxh32-big %lu\n", (unsigned long)XXH32(big, sizeof big, 7));
    h64("xxh64-big", XXH64(big, sizeof big, 7));
    h64("xxh3-64-big", XXH3_64bits(big, sizeof big));
    return 0;
}
"""


def _check_xxhash(out: str, top: Path) -> None:
    got = dict(line.split(" ", 1) for line in out.splitlines())
    w = 225219434562328483135862406050043285023     # python-xxhash's tests, xxh3_128(b'a')
    want = {"xxh32-a": "1426945110", "xxh32-a-1": "4111757423",
            "xxh64-a": "%016x" % 15154266338359012955, "xxh64-a-1": "%016x" % 16051599287423682246,
            "xxh64-a-max": "%016x" % 6972758980737027682,
            "xxh3-64-a": "%016x" % 16629034431890738719,
            "xxh3-64-a-1": "%016x" % 15201566949650179872,
            "xxh3-128-a-high": "%016x" % (w >> 64), "xxh3-128-a-low": "%016x" % (w & (2**64 - 1))}
    for k, v in want.items():
        assert got.get(k) == v, k


XXHASH = Project(
    "xxhash", sdist.XXHASH, "deps/xxhash",
    sources=["xxhash.c"], headers=["xxhash.h"], includes=["."], defines=[],
    driver=XXHASH_DRIVER, check=_check_xxhash)

# -- tiny-AES-c (from tinyaes): NIST SP 800-38A vectors -----------------------------------

TINYAES_DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "aes.h"

static const unsigned char key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                      0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
static const unsigned char pt[16] = {0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
                                     0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a};

static void hex(const char *name, const unsigned char *p, size_t n)
{
    size_t i;
    printf("%s ", name);
    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

int main(void)
{
    struct AES_ctx ctx;
    unsigned char buf[64], iv[16], ctr[16];
    size_t i;
    for (i = 0; i < 16; i++) {
        iv[i] = (unsigned char)i;
        ctr[i] = (unsigned char)(0xf0 + i);
    }
    memcpy(buf, pt, 16);
    AES_init_ctx(&ctx, key);
    AES_ECB_encrypt(&ctx, buf);
    hex("ecb", buf, 16);
    AES_ECB_decrypt(&ctx, buf);
    printf("ecb-back %d\n", memcmp(buf, pt, 16) == 0);
    memcpy(buf, pt, 16);
    AES_init_ctx_iv(&ctx, key, iv);
    AES_CBC_encrypt_buffer(&ctx, buf, 16);
    hex("cbc", buf, 16);
    memcpy(buf, pt, 16);
    AES_init_ctx_iv(&ctx, key, ctr);
    AES_CTR_xcrypt_buffer(&ctx, buf, 16);
    hex("ctr", buf, 16);
    for (i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 7);
    AES_init_ctx_iv(&ctx, key, iv);
    AES_CBC_encrypt_buffer(&ctx, buf, sizeof buf);
    hex("cbc-64", buf, sizeof buf);
    return 0;
}
"""


def _check_tinyaes(out: str, top: Path) -> None:
    got = dict(line.split(" ", 1) for line in out.splitlines())
    assert got["ecb"] == "3ad77bb40d7a3660a89ecaf32466ef97"     # SP 800-38A F.1.1
    assert got["ecb-back"] == "1"
    assert got["cbc"] == "7649abac8119b246cee98e9b12e9197d"     # F.2.1
    assert got["ctr"] == "874d6191b620e3261bef6864990db6ce"     # F.5.1


TINYAES = Project(
    "tiny-aes", TINYAES_SDIST, "tiny-AES-c",
    sources=["aes.c"], headers=["aes.h"], includes=["."], defines=[],
    driver=TINYAES_DRIVER, check=_check_tinyaes)

# -- zfec (Reed-Solomon erasure coding) ---------------------------------------------------

ZFEC_DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "fec.h"

#define K 3
#define M 7
#define SZ 1000

int main(void)
{
    static unsigned char data[K][SZ], parity[M - K][SZ], back[K][SZ];
    const unsigned char *src[K], *in[K];
    unsigned char *fecs[M - K], *out[K];
    unsigned nums[M - K], index[K];
    unsigned long x = 99, sum;
    unsigned i, j;
    fec_t *code;
    fec_init();
    for (i = 0; i < K; i++) {
        src[i] = data[i];
        for (j = 0; j < SZ; j++) {
            x = x * 1103515245UL + 12345UL;
            data[i][j] = (unsigned char)(x >> 16);
        }
    }
    for (i = 0; i < M - K; i++) {
        nums[i] = K + i;
        fecs[i] = parity[i];
    }
    code = fec_new(K, M);
    fec_encode(code, src, fecs, nums, M - K, SZ);
    for (i = 0; i < M - K; i++) {
        for (sum = 0, j = 0; j < SZ; j++)
            sum = (sum * 31 + parity[i][j]) & 0xFFFFFFFFUL;
        printf("parity %u %08lx\n", K + i, sum);
    }
    /* lose blocks 0 and 2: decode from block 1 and parity blocks 3 and 5 */
    index[0] = 3; in[0] = parity[0];
    index[1] = 1; in[1] = data[1];
    index[2] = 5; in[2] = parity[2];
    out[0] = back[0];
    out[1] = back[2];
    fec_decode(code, in, out, index, SZ);
    printf("decoded %d %d\n", memcmp(back[0], data[0], SZ) == 0, memcmp(back[2], data[2], SZ) == 0);
    fec_free(code);
    return 0;
}
"""


def _check_zfec(out: str, top: Path) -> None:
    assert out.splitlines()[-1] == "decoded 1 1"


ZFEC = Project(
    "zfec", ZFEC_SDIST, "zfec",
    sources=["fec.c"], headers=["fec.h"], includes=["."], defines=[],
    driver=ZFEC_DRIVER, check=_check_zfec)


# -- ed25519 (python-ed25519's SUPERCOP reference implementation) -------------------------

ED25519_SDIST = sdist.Sdist("ed25519", "1.5", "ed25519-1.5.tar.gz",
                            "02053ee019ceef0df97294be2d4d5a8fc120fc86e81e08bec1245fc0f9403358",
                            "MIT (python-ed25519); the reference code public domain")

# the library's own known-answer tests (kat-ed25519.txt, read by its test_ed25519_kat.py):
# the public key from the seed, the signature, verification, and a corrupted signature refused
ED25519_DRIVER = r"""#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto_sign.h"

#define MAXMSG 1100

/* the message lengths: unsigned long long in the original API, its C89 port's name after */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
typedef unsigned long long msglen;
#else
typedef c89_uint64_t msglen;
#endif

static int unhex(const char *s, unsigned char *out, unsigned long n)
{
    unsigned long i;
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return 0;
        out[i] = (unsigned char)v;
    }
    return 1;
}

int main(void)
{
    static char line[8 * MAXMSG];
    static unsigned char sk[64], pk[32], msg[MAXMSG], sm[MAXMSG + 64];
    static unsigned char sk2[64], pk2[32], sm2[MAXMSG + 64], m2[MAXMSG + 64];
    const char *top = getenv("C89_PROJECT_TOP");
    char path[1024];
    FILE *f;
    unsigned long count = 0, good = 0, limit = 64;
    if (!top || strlen(top) > 900)
        return 2;
    sprintf(path, "%s/kat-ed25519.txt", top);
    f = fopen(path, "r");
    if (!f)
        return 3;
    while (count < limit && fgets(line, sizeof line, f)) {
        char *field[4], *p = line;
        unsigned long mlen, i;
        msglen smlen, mlen2;
        int ok;
        for (i = 0; i < 4; i++) {
            field[i] = p;
            p = strchr(p, ':');
            if (!p)
                return 4;
            *p++ = 0;
        }
        mlen = (unsigned long)strlen(field[2]) / 2;
        if (mlen > MAXMSG || !unhex(field[0], sk, 64) || !unhex(field[1], pk, 32)
            || !unhex(field[2], msg, mlen) || !unhex(field[3], sm, mlen + 64))
            return 5;
        crypto_sign_publickey(pk2, sk2, sk);
        ok = memcmp(pk2, pk, 32) == 0 && memcmp(sk2, sk, 64) == 0;
        crypto_sign(sm2, &smlen, msg, mlen, sk2);
        ok = ok && smlen == mlen + 64 && memcmp(sm2, sm, mlen + 64) == 0;
        ok = ok && crypto_sign_open(m2, &mlen2, sm2, smlen, pk2) == 0 && mlen2 == mlen
             && memcmp(m2, msg, mlen) == 0;
        sm2[mlen > 0 ? 64 : 0] ^= 1;
        ok = ok && crypto_sign_open(m2, &mlen2, sm2, smlen, pk2) != 0;
        printf("%lu %s %02x%02x\n", count, ok ? "ok" : "BAD", sm2[0], sm2[63]);
        good += ok;
        count++;
    }
    fclose(f);
    printf("kat %lu %lu\n", count, good);
    return 0;
}
"""


def _check_ed25519(out: str, top: Path) -> None:
    assert out.splitlines()[-1] == "kat 64 64"


ED25519 = Project(
    "ed25519", ED25519_SDIST, "src/ed25519-supercop-ref",
    sources=[f"{n}.c" for n in "ed25519 fe25519 ge25519 sc25519 sha512-blocks sha512-hash "
                                 "verify".split()],
    headers=[f"{n}.h" for n in "api crypto_int32 crypto_sign crypto_uint32 crypto_verify_32 "
                                 "fe25519 ge25519 sc25519 sha512".split()],
    includes=["."], defines=[], driver=ED25519_DRIVER, check=_check_ed25519,
    verbatim=["ge25519_base.data"])


def _more(proj: Project, reason: str | None = None):
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(proj, marks=marks, id=proj.name)


MORE_PROJECTS = [
    _more(LZ4),
    _more(BROTLI),
    _more(BASE64),
    _more(XXHASH),
    _more(TINYAES),
    _more(ZFEC),
    _more(ED25519),
]


@pytest.mark.parametrize("proj", MORE_PROJECTS)
def test_more_projects_port_and_behave_the_same(proj: Project, sdist_cache, tmp_path, capsys,
                                                monkeypatch):
    """The test above, on more libraries (their drivers read C89_PROJECT_TOP)."""
    try:
        top = proj.dist.extract(sdist_cache)
    except sdist.Unavailable as exc:
        pytest.skip(f"PyPI unreachable: {exc}")
    monkeypatch.setenv("C89_PROJECT_TOP", str(top))
    test_project_ports_and_behaves_the_same(proj, sdist_cache, tmp_path, capsys)
