"""Names of a package imported on first use (PEP 562 module ``__getattr__``), for the few packages whose parts
``marbledx rank`` does not need: importing them at start-up would cost every run (docs/benchmarks.md)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def lazy_attributes(
    package: str, modules: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` for ``modules`` (name → module that defines it).

    A name is imported from its module the first time it is looked up, and kept in the package, so later
    look-ups do not come here. Any other name is an ``AttributeError``, as without this. Assign the first
    function to ``__getattr__`` under ``if not TYPE_CHECKING:``: type checkers would otherwise take any
    misspelt name for an attribute, and they see the real imports under ``if TYPE_CHECKING:`` instead.
    """

    def getattr_(name: str) -> object:
        module = modules.get(name)
        if module is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip this function
        return value

    def dir_() -> list[str]:
        return sorted({*vars(sys.modules[package]), *modules})

    return getattr_, dir_
