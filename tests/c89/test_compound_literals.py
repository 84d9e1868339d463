"""compound_literals pass: named objects with the literal's scope and lifetime."""

import pytest

from toolchain.diag import ToolchainError

from .conftest import port

P = "struct P { int x, y; };\nint g(struct P *p);\n"


def check(src, expected):
    out = port(P + src)
    assert out == P + expected
    assert port(out) == out
    return out


def test_file_scope_becomes_static_object():
    check("static int *gp = (int[]){ 4, 5 };\nstruct P *q = &(struct P){ .y = 9 };\n",
          "static int c89cl_1[] = { 4, 5 };\nstatic int *gp = c89cl_1;\n"
          "static struct P c89cl_2 = { 0, 9 };\nstruct P *q = &c89cl_2;\n")


def test_constant_literal_declared_at_block_start():
    check("int f(void) {\n    int t = g(&(struct P){ 1, 2 });\n    return t;\n}\n",
          "int f(void) {\n    struct P c89cl_1 = { 1, 2 };\n    int t = g(&c89cl_1);\n    return t;\n}\n")


def test_nonconstant_literal_assigned_at_point_of_use():
    check("int f(int v) {\n    return g(&(struct P){ .y = v });\n}\n",
          "int f(int v) {\n    struct P c89cl_1;\n    return g((c89cl_1.x = 0, c89cl_1.y = v, &c89cl_1));\n}\n")


def test_loop_body_without_braces_reinitialises():
    check("int f(int n) {\n    int t = 0;\n    while (n--)\n        t += g(&(struct P){ 1, 2 });\n    return t;\n}\n",
          "int f(int n) {\n    struct P c89cl_1;\n    int t = 0;\n    while (n--)\n"
          "        t += g((c89cl_1.x = 1, c89cl_1.y = 2, &c89cl_1));\n    return t;\n}\n")


def test_loop_body_block_gets_its_own_object():
    out = check("int f(int n) {\n    while (n--) {\n        g(&(struct P){ 1, 2 });\n    }\n    return 0;\n}\n",
                "int f(int n) {\n    while (n--) {\n        struct P c89cl_1 = { 1, 2 };\n"
                "        g(&c89cl_1);\n    }\n    return 0;\n}\n")
    assert out.count("c89cl_1") == 2


def test_array_of_unknown_size_non_constant():
    check("int s(int *a);\nint f(int v) {\n    return s((int[]){ [2] = v });\n}\n",
          "int s(int *a);\nint f(int v) {\n    int c89cl_1[3];\n"
          "    return s((c89cl_1[0] = 0, c89cl_1[1] = 0, c89cl_1[2] = v, c89cl_1));\n}\n")


def test_nested_literals_take_two_rounds():
    out = port(P + "struct L { struct P *p; };\nint f(void) {\n"
               "    struct L *l = &(struct L){ &(struct P){ 1, 2 } };\n    return l->p->x;\n}\n")
    assert "(struct P){" not in out and "(struct L){" not in out
    assert port(out) == out


def test_struct_definition_in_type_name_is_reported():
    with pytest.raises(ToolchainError) as ei:
        port("int f(void) {\n    return (struct { int a; }){ 1 }.a;\n}\n", "s.c")
    d = ei.value.diagnostics[0]
    assert (d.line, d.col) == (2, 12) and d.code == "compound_literals"
