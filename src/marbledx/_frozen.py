"""Building frozen, slotted dataclass instances without the cost of their ``__init__``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["frozen_builder"]

_Frozen = TypeVar("_Frozen")


def frozen_builder(cls: type[_Frozen]) -> Callable[..., _Frozen]:
    """A function that makes ``cls(*fields)`` (every field given, in order) several times faster, for a frozen,
    slotted dataclass ``cls``.

    A frozen dataclass sets each field through ``object.__setattr__``, which makes ``cls(...)`` several times
    slower than a plain slotted class: about 1 µs for six fields, 4 µs for twenty. The builder makes a mutable
    twin with the same fields, hence the same slot layout, which stores them directly, and sets its
    ``__class__`` to ``cls``: from then on the object is an ordinary ``cls``, frozen like any other, with the
    same equality, hash, repr and pickling.
    """
    if not (dataclasses.is_dataclass(cls) and "__slots__" in vars(cls)):
        msg = f"{cls.__name__} is not a slotted dataclass"
        raise TypeError(msg)
    twin = dataclasses.make_dataclass(
        f"_{cls.__name__}Draft",
        [
            (f.name, f.type) if f.default is dataclasses.MISSING else (f.name, f.type, f.default)
            for f in dataclasses.fields(cls)
        ],
        slots=True,
    )

    def build(*fields: Any) -> _Frozen:
        made = twin(*fields)
        made.__class__ = cls
        return cast("_Frozen", made)

    return build
