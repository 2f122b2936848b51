"""An exclusion read from plain words gives way to an observed narrower finding (stop 39).

"Easy bruising +ve, bleeding -ve" reads Bruising susceptibility observed and Abnormal bleeding excluded, its
ancestor: the whole run stopped with "an observed finding implies its ancestors". The writer means no bleeding
other than the bruising, which no HPO term expresses.
"""

from __future__ import annotations

import pytest

from marbledx.errors import InputError
from marbledx.findings import normalise_findings
from marbledx.ontology import Hpo


@pytest.mark.parametrize("observed_source", ["text", "entered"])
@pytest.mark.parametrize(
    ("observed", "excluded"), [("HP:0011002", "HP:0011001"), ("HP:0001876", "HP:0001873")]
)
def test_the_words_exclusion_of_a_broader_term_is_dropped_with_a_warning(
    mini_hpo: Hpo, observed: str, excluded: str, observed_source: str
) -> None:
    raw = [(observed, False, observed_source), (excluded, True, "text")]
    findings, warnings = normalise_findings(mini_hpo.ontology, raw, where="--text")
    assert [(f.hpo_id, f.excluded) for f in findings] == [(observed, False)]
    (warning,) = warnings
    assert f"its broader term {excluded}" in warning
    assert "the exclusion read from the words is dropped" in warning


def test_an_entered_exclusion_still_contradicts(mini_hpo: Hpo) -> None:
    raw = [("HP:0011002", False, "text"), ("HP:0011001", True, "entered")]
    with pytest.raises(InputError, match="is observed but its broader term HP:0011001"):
        normalise_findings(mini_hpo.ontology, raw, where="--exclude/--text")
