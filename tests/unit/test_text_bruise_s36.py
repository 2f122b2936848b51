"""A bruise put down to an injury is not Bruising susceptibility (HP:0000978), which HPO defines as bruising
"without adequate trauma": such words are shown with a note, not read. Bruising after little or no injury, and
easy or unexplained bruising, are the susceptibility and are read as before."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser
from marbledx.ontology import Hpo

from .text_parse import found

ANAEMIA, BRUISING = "HP:0001903", "HP:0000978"


@pytest.fixture(scope="module")
def real(real_hpo: Hpo) -> TextParser:
    return TextParser(real_hpo.ontology)


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "bruising after a fall",
        "bruises from a fall off his bike",
        "bruise on the forehead after a fall",
        "bruising following venepuncture",
        "ecchymoses due to trauma",
        "bruised after the accident",
        "no bruising after the fall",
    ],
)
def test_a_bruise_put_down_to_an_injury_is_held_back(real: TextParser, text: str) -> None:
    parsed = real.parse(f"anaemia; {text}")
    assert found(real, f"anaemia; {text}") == {(ANAEMIA, False)}
    assert any("without adequate trauma" in note for note in parsed.notes)
    assert any(written.startswith(("bruis", "ecchymos")) for written in parsed.uncertain)


@pytest.mark.integration
@pytest.mark.parametrize(
    "text",
    [
        "bruising after minor trauma",
        "bruises after minimal knocks",
        "bruising from little injury",
        "easy bruising after a fall",
        "unexplained bruising after play",
        "bruising",
        "bruising, then a fall",  # the fall is another clause: no cause given to the bruise
    ],
)
def test_bruising_without_adequate_injury_is_the_susceptibility(real: TextParser, text: str) -> None:
    parsed = real.parse(f"anaemia; {text}")
    assert (BRUISING, False) in found(real, f"anaemia; {text}")
    assert not any("without adequate trauma" in note for note in parsed.notes)
