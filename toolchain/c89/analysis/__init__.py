"""Analyses shared by the passes: what they compute is read, never edited.

``conditionals``  ``#if`` structure and which branches the preprocessor keeps
``c99``           C99/C11 features found in tokens (no AST needed)
``libc``          the C library names the port knows (float math, C99-only math)
``names``         name tables: what the program defines, identifier uses, calls
``walks``         cached walks over the (shared, cached) AST of a chunk
``extents``       token extents of expressions, initializers and function bodies
``literals``      integer literals: values, 64-bit forms
``constants``     constant expressions: values, C89 initializer constants
``initializers``  brace initializers resolved against their type

The semantic model (scopes, types, constants) is ``c89/semantics.py``; the
"where did this come from" of an AST node is the front end's
(``Unit.origin``).
"""
