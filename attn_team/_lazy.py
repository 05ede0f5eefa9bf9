"""Lazy public names for packages (in the spirit of scientific-python's ``lazy_loader.attach``).

A package lists ``name -> defining module`` and gets ``__getattr__``/``__dir__`` that import the
module on first use, so ``import attn_team`` does not load torch or ipywidgets.
"""

from __future__ import annotations

import importlib
import sys


def attach(package: str, lazy: dict[str, str]):
    """Return ``(__getattr__, __dir__, __all__)`` for ``package`` resolving the names of ``lazy``."""

    def __getattr__(name: str):
        mod = lazy.get(name)
        if mod is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(mod), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(lazy))

    return __getattr__, __dir__, list(lazy)
