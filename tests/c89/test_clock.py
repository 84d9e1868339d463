import pytest

from toolchain.diag import ToolchainError

from .conftest import port

SRC = """#include <time.h>
long time_in_ms(void) {
    struct timespec time;
    clock_gettime(CLOCK_REALTIME, &time);
    return time.tv_sec * 1000 + time.tv_nsec / 1000000;
}
"""


def test_clock_rewritten():
    assert port(SRC) == SRC.replace("#include <time.h>\n", '#include <time.h>\n#include "c89compat.h"\n') \
        .replace("struct timespec", "struct c89_timespec") \
        .replace("clock_gettime(CLOCK_REALTIME", "c89_clock_gettime(C89_CLOCK_REALTIME")


def test_monotonic_and_user_definition():
    out = port("#include <time.h>\nvoid f(struct timespec *t) { clock_gettime(CLOCK_MONOTONIC, t); }\n")
    assert "c89_clock_gettime(C89_CLOCK_MONOTONIC, t)" in out
    own = "struct timespec { long s; };\nint clock_gettime(int c, struct timespec *t) { return c + (int)t->s; }\n"
    assert port(own) == own


def test_posix_timespec_calls_keep_their_names():
    src = ("#include <time.h>\nvoid nap(void) {\n    struct timespec ts = { 0, 1000 };\n"
           "    nanosleep(&ts, 0);\n}\n")
    assert port(src) == src


def test_posix_timespec_call_next_to_clock_gettime_is_an_error():
    src = ("#include <time.h>\nlong f(void) {\n    struct timespec a, b = { 0, 1000 };\n"
           "    clock_gettime(CLOCK_MONOTONIC, &a);\n    nanosleep(&b, 0);\n"
           "    return a.tv_nsec;\n}\n")
    with pytest.raises(ToolchainError) as ei:
        port(src)
    assert [(d.line, d.code) for d in ei.value.diagnostics] == [(5, "clock")]
