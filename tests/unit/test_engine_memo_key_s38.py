"""The engine's memo key: a finding's evidence is shared between patients whose age and sex change the same
onset- and sex-qualified annotation rows, and only between them (docs/engine.md, "How the evidence is
computed")."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from marbledx.evidence import PhenotypeModel
from marbledx.ontology import PHENOTYPIC_ABNORMALITY_ID, Hpo
from tests.engine_reference import assert_excluded_matches_reference, assert_matches_reference


def _ages(model: PhenotypeModel) -> list[float | None]:
    """No age, and ages just below, at and just above every onset of a qualified row of the release."""
    onsets = sorted({float(v) for v in model._a.cond_onset})
    return [None, *sorted({max(0.0, v + d) for v in onsets for d in (-0.5, 0.0, 0.5)})]


SEXES = [None, "male", "female"]


def test_the_release_has_onset_and_sex_qualified_rows(mini_hpo: Hpo) -> None:
    # Otherwise the tests below would not test the key.
    model = PhenotypeModel(mini_hpo, cache=False)
    assert (model._a.cond_onset > 0).any()
    assert (model._a.cond_sex > 0).any()


@pytest.mark.parametrize("broad_term_diseases", [1000, 1])
def test_one_model_shared_by_every_age_and_sex_gives_each_its_own_evidence(
    mini_hpo: Hpo, broad_term_diseases: int
) -> None:
    # A key that joined two (age, sex) pairs with different evidence would hand one of them the other's.
    shared = PhenotypeModel(mini_hpo, cache=False, broad_term_diseases=broad_term_diseases)
    terms = sorted(mini_hpo.ontology.descendants(PHENOTYPIC_ABNORMALITY_ID))
    for age, sex in itertools.product(_ages(shared), SEXES):
        for hpo_id in terms:
            assert_matches_reference(shared, hpo_id, age, sex)
            assert_excluded_matches_reference(shared, hpo_id, age, sex)


def test_a_shared_entry_is_bit_identical_to_computing_afresh(mini_hpo: Hpo) -> None:
    shared = PhenotypeModel(mini_hpo, cache=False)
    terms = sorted(mini_hpo.ontology.descendants(PHENOTYPIC_ABNORMALITY_ID))
    for age, sex in itertools.product(_ages(shared), SEXES):
        fresh = PhenotypeModel(mini_hpo, cache=False)
        for hpo_id in terms:
            for memoised, computed in (
                (shared.observed(hpo_id, age, sex), fresh._observed(hpo_id, age, sex)),
                (shared.excluded(hpo_id, age, sex), fresh._excluded(hpo_id, age, sex)),
            ):
                np.testing.assert_array_equal(memoised.log_lr, computed.log_lr, err_msg=hpo_id)
                np.testing.assert_array_equal(memoised.best_ancestor, computed.best_ancestor, err_msg=hpo_id)
                np.testing.assert_array_equal(memoised.floored, computed.floored, err_msg=hpo_id)


def test_findings_whose_terms_have_no_qualified_rows_share_one_entry_for_every_age_and_sex(
    mini_hpo: Hpo,
) -> None:
    model = PhenotypeModel(mini_hpo, cache=False)
    terms = sorted(mini_hpo.ontology.descendants(PHENOTYPIC_ABNORMALITY_ID))
    onsets, sexes = model._row_bits
    unqualified = [
        t for t in terms if not onsets[mini_hpo.ontology.index(t)] and not sexes[mini_hpo.ontology.index(t)]
    ]
    assert unqualified
    for hpo_id in unqualified:
        first = model.excluded(hpo_id, None, None)
        assert all(model.excluded(hpo_id, age, sex) is first for age in _ages(model) for sex in SEXES)


def test_ages_on_either_side_of_a_qualified_onset_get_their_own_entries(mini_hpo: Hpo) -> None:
    model = PhenotypeModel(mini_hpo, cache=False)
    a = model._a
    row = int(np.flatnonzero(a.cond_onset > 0)[0])
    term = int(np.searchsorted(a.cond_indptr, row, side="right") - 1)
    hpo_id = mini_hpo.ontology.id_at(term)
    onset = float(a.cond_onset[row])
    younger, older = model.excluded(hpo_id, onset - 1.0, None), model.excluded(hpo_id, onset, None)
    assert younger is not older
    # No age at all weighs no onset, as an age past every onset does.
    assert model.excluded(hpo_id, None, None) is model.excluded(hpo_id, 1e9, None)
