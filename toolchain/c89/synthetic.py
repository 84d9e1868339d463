"""A generated C99 program of a chosen size, for the porter's speed figures.

``generate(lines, seed)`` writes one self-contained C99 file of about
``lines`` lines, made of many small pieces written the way C99 code usually
is: ``//`` comments, declarations in ``for`` and after statements,
designated initializers, <stdint.h> types, ``bool``, ``long long`` and
``LL`` constants, compound literals.  ``main`` calls every function and
prints one checksum, so the C99 original and its C89 port can be compared
by running them.  Arithmetic is unsigned where it may wrap: the program has
no undefined behaviour, and its output does not depend on the compiler.
"""

from __future__ import annotations

import random

HEADER = """\
// generated C99 program (toolchain/c89/synthetic.py): porter speed and scale
#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

struct point { int32_t x, y; };
struct span { uint16_t lo, hi; };

// mixing step shared by every piece
static uint32_t mix(uint32_t h, uint64_t v)
{
    h ^= (uint32_t)v ^ (uint32_t)(v >> 32);
    return h * 16777619u;
}
"""


def _table(n: int, r: random.Random) -> tuple[str, str]:
    k = r.randint(3, 6)
    rows = []
    for i in r.sample(range(k), k):
        fields = [f".id = {r.randint(0, 9999)}"]
        if r.random() < 0.7:
            fields.append(f".flags = 0x{r.randint(0, 0xFFFF):x}u")
        if r.random() < 0.6:
            fields.append(f'.name = "n{n}_{i}"')
        if r.random() < 0.5:
            fields.append(f".weight = {r.randint(-(1 << 40), 1 << 40)}LL")
        r.shuffle(fields)
        rows.append(f"    [{i}] = {{ {', '.join(fields)} }},   // row {i}")
    code = f"""
// table {n}: records in no particular order
struct rec{n} {{ int32_t id; uint16_t flags; const char *name; long long weight; }};
static const struct rec{n} recs{n}[] = {{
{chr(10).join(rows)}
}};

static uint32_t table{n}(uint32_t h)
{{
    const size_t count = sizeof recs{n} / sizeof recs{n}[0];
    for (size_t i = 0; i < count; i++) {{
        h = mix(h, (uint64_t)recs{n}[i].weight);   // 64-bit field
        h = mix(h, (uint32_t)recs{n}[i].id + recs{n}[i].flags);
        const char *s = recs{n}[i].name;
        if (s)
            h = mix(h, strlen(s));
    }}
    return h;
}}
"""
    return code, f"table{n}(h)"


def _loops(n: int, r: random.Random) -> tuple[str, str]:
    a, b, c = r.randint(3, 40), r.randint(2, 9), r.randint(1, 1 << 20)
    code = f"""
// loops {n}: nested loops with their own counters
static uint64_t loops{n}(int32_t limit)
{{
    uint64_t acc = {c}ULL;   // start value
    for (int32_t i = 0; i < limit; i++) {{
        uint32_t x = (uint32_t)i * 2654435761u;
        acc += x % {a}u;
        for (int j = 0; j < {b}; j++) {{
            unsigned long long sq = (unsigned long long)(i + j) * (uint64_t)(j + 1);
            acc ^= sq << (j & 7);
        }}
        int8_t small = (int8_t)(i & 0x3f);
        acc += (uint64_t)(int64_t)small;
    }}
    uint16_t tail = (uint16_t)(acc & 0xffffu);   // declared after statements
    acc += tail;
    return acc;
}}
"""
    return code, f"mix(h, loops{n}({r.randint(5, 30)}))"


def _points(n: int, r: random.Random) -> tuple[str, str]:
    dx, dy = r.randint(-50, 50), r.randint(-50, 50)
    code = f"""
// points {n}: designated and compound literals
static struct point step{n}(struct point p, int k)
{{
    struct point d = {{ .y = {dy}, .x = {dx} }};
    p.x += d.x * k;
    p.y -= d.y;
    return p;
}}

static uint32_t points{n}(uint32_t h)
{{
    struct point p = (struct point){{ .x = {r.randint(0, 9)}, .y = {r.randint(0, 9)} }};
    bool moved = false;
    for (int k = 1; k <= {r.randint(2, 6)}; ++k) {{
        p = step{n}(p, k);   // walk
        moved = moved || p.x != 0;
    }}
    struct span s = {{ .hi = (uint16_t)(p.y & 0xff), .lo = (uint16_t)(p.x & 0xff) }};
    h = mix(h, (uint32_t)s.lo << 16 | s.hi);
    return mix(h, moved);
}}
"""
    return code, f"points{n}(h)"


def _bits(n: int, r: random.Random) -> tuple[str, str]:
    shift = r.randint(1, 31)
    code = f"""
// bits {n}: 64-bit constants and shifts
static uint32_t bits{n}(uint32_t h)
{{
    const uint64_t magic = 0x{r.getrandbits(64):016x}ULL;
    long long total = {r.randint(-(1 << 50), 1 << 50)}LL;
    int64_t mask = INT64_C({r.randint(1, 1 << 30)});
    for (unsigned i = 0; i < 4u; i++) {{
        uint64_t v = magic >> (i * 8u);
        total = (long long)((unsigned long long)total + (v & (uint64_t)mask));
    }}
    uint32_t folded = (uint32_t)((uint64_t)total >> {shift}) ^ (uint32_t)magic;
    return mix(h, folded);
}}
"""
    return code, f"bits{n}(h)"


def _text(n: int, r: random.Random) -> tuple[str, str]:
    words = ["alpha", "beta", "gamma", "delta", "eps", "zeta"]
    w = r.sample(words, 3)
    code = f"""
/* text {n}: a static word list, counted by a loop with a declaration */
static const char *const words{n}[] = {{ "{w[0]}", "{w[1]}", "{w[2]}" }};

static uint32_t text{n}(uint32_t h)
{{
    char buf[32];
    size_t used = 0;
    for (size_t i = 0; i < sizeof words{n} / sizeof *words{n}; i++) {{
        size_t len = strlen(words{n}[i]);
        if (used + len + 1 >= sizeof buf)
            break;
        memcpy(buf + used, words{n}[i], len);
        used += len;
        buf[used++] = ',';
    }}
    buf[used] = '\\0';
    for (const char *c = buf; *c; c++)   // byte by byte
        h = mix(h, (unsigned char)*c);
    return h;
}}
"""
    return code, f"text{n}(h)"


def _scan(n: int, r: random.Random) -> tuple[str, str]:
    a, b = r.randint(2, 9), r.randint(2, 9)
    sample = " ".join(r.choice(["x1", "abc", "42", "q;", "z9z", "--"]) for _ in range(5))
    code = f"""
/*
 * scan{n}: count the words, digits and other characters of a string.
 * Returns a small hash of the three counts.
 */
static unsigned long scan{n}(const char *s)
{{
    unsigned long words = 0, digits = 0, other = 0;
    int in_word = 0;

    while (*s) {{
        switch (*s) {{
        case ' ':
        case '\\t':
        case '\\n':
            in_word = 0;
            break;
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            digits++;
            break;
        default:
            if (!in_word) {{
                words++;
                in_word = 1;
            }}
            other++;
            break;
        }}
        s++;
    }}
    return words * {a}ul + digits * {b}ul + other;
}}
"""
    return code, f'mix(h, scan{n}("{sample}"))'


def _list(n: int, r: random.Random) -> tuple[str, str]:
    a, b = r.randint(1, 20), r.randint(0, 50)
    code = f"""
struct node{n} {{
    struct node{n} *next;
    int value;
}};

/*
 * list{n}: link up to 16 nodes of a static pool, newest first,
 * and add up their values walking the list.
 */
static int list{n}(int k)
{{
    static struct node{n} pool[16];
    struct node{n} *head = NULL;
    int i, total = 0;

    if (k > 16)
        k = 16;
    for (i = 0; i < k; i++) {{
        pool[i].value = i * {a} - {b};
        pool[i].next = head;
        head = &pool[i];
    }}
    while (head != NULL) {{
        total += head->value;
        head = head->next;
    }}
    return total;
}}
"""
    return code, f"mix(h, (uint32_t)list{n}((int)(h % 20u)))"


def _names(n: int, r: random.Random) -> tuple[str, str]:
    names = r.sample(["red", "green", "blue", "cyan", "grey", "black"], 3)
    code = f"""
enum color{n} {{ RED{n}, GREEN{n}, BLUE{n}, NCOLORS{n} }};

/* color_name{n}: the name of a color, "?" for anything else */
static const char *color_name{n}(int c)
{{
    static const char *const names[NCOLORS{n}] = {{ "{names[0]}", "{names[1]}", "{names[2]}" }};

    if (c < 0 || c >= NCOLORS{n})
        return "?";
    return names[c];
}}
"""
    return code, f"mix(h, strlen(color_name{n}((int)(h % 4u))))"


def _clamp(n: int, r: random.Random) -> tuple[str, str]:
    lo, hi = r.randint(-100, 0), r.randint(1, 100)
    code = f"""
#define CLAMP{n}(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))

/*
 * clamp{n}: fold a value into [{lo}, {hi}], then grade it.
 */
static int clamp{n}(long v)
{{
    long c = CLAMP{n}(v % 1000, {lo}L, {hi}L);

    if (c < 0)
        return -1;
    else if (c == 0)
        return 0;
    else if (c < {hi} / 2)
        return 1;
    else
        return 2;
}}
"""
    return code, f"mix(h, (uint32_t)(clamp{n}((long)(h % 2001u) - 1000) + 1))"


# Pieces written as C99 code usually is, and pieces with nothing C99 in them
# (real projects are mostly the latter: about one line in ten of the
# program below is changed by the port, one in twenty-three of cmark-gfm's).
C99_PIECES = (_table, _loops, _points, _bits, _text)
PLAIN_PIECES = (_scan, _list, _names, _clamp)
PLAIN_PER_C99 = 3


def generate(lines: int, seed: int = 1) -> str:
    """A C99 program of about ``lines`` lines (never fewer)."""
    r = random.Random(seed)
    parts = [HEADER]
    calls = []
    count = HEADER.count("\n") + 12   # the main() below
    n = 0
    while count < lines:
        k = n // (PLAIN_PER_C99 + 1)
        if n % (PLAIN_PER_C99 + 1) == 0:
            piece = C99_PIECES[k % len(C99_PIECES)]
        else:
            piece = PLAIN_PIECES[(n - k - 1) % len(PLAIN_PIECES)]
        code, call = piece(n, r)
        parts.append(code)
        calls.append(call)
        count += code.count("\n") + 1
        n += 1
    body = "".join(f"    h = {c};\n" for c in calls)
    parts.append(f"""
int main(void)
{{
    uint32_t h = 2166136261u;   // FNV offset basis
{body}    printf("%lu\\n", (unsigned long)h);
    return 0;
}}
""")
    return "".join(parts)
