"""Packages for setuptools (everything else is in pyproject.toml).

engine_c89/ (our C runtime) and patches/ (our changes to llama2.c) stay at the top of the
repository: they are C and data, not Python. A wheel carries them inside the package, as
toolchain/engine_c89 and toolchain/patches, where toolchain/shipped.py finds them.
"""

from setuptools import find_namespace_packages, setup

SHIPPED = {"toolchain.engine_c89": "engine_c89", "toolchain.patches": "patches"}

# namespace packages too: data/ and templates/*/ are folders of package data
PACKAGES = find_namespace_packages(include=["toolchain", "toolchain.*"],
                                   exclude=["*.__pycache__", "*.__pycache__.*"])

setup(packages=PACKAGES + sorted(SHIPPED), package_dir=SHIPPED)
