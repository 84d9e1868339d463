"""llama98 toolchain: modern C -> strict C89 -> Pentium-safe Windows 98 executables."""

__version__ = "0.1.0"
