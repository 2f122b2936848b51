"""marbledx._frozen.frozen_builder: a frozen, slotted dataclass built fast is the same object (session s37)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass

import pytest

from marbledx._frozen import frozen_builder
from marbledx.ranking import FindingEvidence


def test_a_built_finding_evidence_is_an_ordinary_frozen_one() -> None:
    values = ("HP:0011002", "Osteopetrosis", "observed", 374.5, "exact", "text")
    made = frozen_builder(FindingEvidence)(*values)
    plain = FindingEvidence(*values)  # type: ignore[arg-type]
    assert type(made) is FindingEvidence
    assert made == plain
    assert hash(made) == hash(plain)
    assert repr(made) == repr(plain)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.lr = 1.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(made)) == plain
    assert copy.deepcopy(made) == plain
    assert dataclasses.asdict(made) == dataclasses.asdict(plain)


def test_only_slotted_dataclasses_are_accepted() -> None:
    @dataclass(frozen=True)
    class NoSlots:
        value: int

    with pytest.raises(TypeError, match="NoSlots is not a slotted dataclass"):
        frozen_builder(NoSlots)
    with pytest.raises(TypeError, match="int is not a slotted dataclass"):
        frozen_builder(int)
