from .conftest import port

H = "#include <math.h>\n"


def test_calls_rewritten_with_args_verbatim():
    src = H + "float f(float x) { return expf(x - 1.0f) + sqrtf(fabsf(x)) + powf(x, 2.0f); }\n"
    assert port(src) == H + ("float f(float x) { return ((float)exp(x - 1.0f)) + "
                             "((float)sqrt(((float)fabs(x)))) + ((float)pow(x, 2.0f)); }\n")


def test_all_names():
    names = "cosf sinf tanf logf log10f floorf ceilf atanf asinf acosf tanhf sinhf coshf".split()
    src = H + "float f(float x) { return " + " + ".join(f"{n}(x)" for n in names) + \
        " + fmodf(x, 2) + atan2f(x, 1); }\n"
    out = port(src)
    for n in names:
        assert f"((float){n[:-1]}(x))" in out
    assert "((float)fmod(x, 2))" in out and "((float)atan2(x, 1))" in out


def test_members_strings_comments_and_user_functions_untouched():
    src = (H + "struct s { float expf; };\nstatic float sqrtf(float v) { return v; }\n"
           "float g(struct s *p) { /* expf(1) */ return p->expf + sqrtf(2.0f) + (float)sizeof(\"expf(x)\"); }\n")
    assert port(src) == src


def test_huge_valf_and_nan():
    from toolchain.c89 import port_source
    src = H + "float a(void) { return HUGE_VALF; }\nfloat b(void) { return INFINITY; }\nfloat c(void) { return NAN; }\n"
    res = port_source(src, "m.c")
    assert "return ((float)HUGE_VAL);" in res.text
    assert "return NAN;" in res.text
    assert any("NAN" in d.message and d.severity == "warning" for d in res.diagnostics)
