"""A slow, dense reference for the engine's finding evidence (docs/engine.md, equations 1-5).

It walks the finding's ancestors one by one over every disease, as the equations read, so the optimised
model (precomputed probabilities, sparse credits, cached onset/sex patches) can be checked against it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from marbledx.evidence import PhenotypeModel


def reference_observed(
    model: PhenotypeModel, hpo_id: str, age_days: float | None, sex: str | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """(log-LR, term index of the best partial credit or -1) of an observed finding, for every disease."""
    arrays, ontology, params, n = model._a, model.hpo.ontology, model.params, model.n_diseases

    def implied(term: int) -> npt.NDArray[np.float64]:
        log_absent = np.zeros(n)
        start, end = arrays.impl_indptr[term], arrays.impl_indptr[term + 1]
        log_absent[arrays.impl_disease[start:end]] = arrays.impl_log[start:end]
        diseases, frequencies = model._conditional(term, age_days, sex)
        np.add.at(log_absent, diseases, np.log1p(-frequencies))
        result: npt.NDArray[np.float64] = -np.expm1(log_absent)
        return result

    q = ontology.index(hpo_id)
    best = np.zeros(n)
    source = np.full(n, -1, dtype=np.int64)
    if q not in model._uninformative:
        best = implied(q)
        source[best > 0] = q
    for term in ontology.ancestor_indices(q).tolist():
        if term == q or term in model._no_partial:
            continue
        share = (arrays.disease_count[q] + params.smoothing) / (arrays.disease_count[term] + params.smoothing)
        direct = np.zeros(n)
        start, end = arrays.direct_indptr[term], arrays.direct_indptr[term + 1]
        direct[arrays.direct_disease[start:end]] = -np.expm1(arrays.direct_log[start:end])
        candidate = np.maximum(implied(term) * (params.related_factor * share), direct * share)
        better = candidate > best
        best[better] = candidate[better]
        source[better] = term
    contradicted = np.zeros(n, dtype=bool)
    for term in ontology.ancestor_indices(q).tolist():
        contradicted[arrays.not_disease[arrays.not_indptr[term] : arrays.not_indptr[term + 1]]] = True
    # The size principle: weight by the disease's feature mass (checked on its own in test_engine) ** -beta.
    best = best * model.feature_mass**-params.breadth_exponent
    background = best.mean()
    if background <= 0:
        return np.zeros(n), source
    floor = params.noise * background
    probability = np.maximum(best, floor)
    probability[contradicted] = floor
    log_lr: npt.NDArray[np.float64] = np.log(probability / background)
    return log_lr, source


def assert_matches_reference(
    model: PhenotypeModel, hpo_id: str, age_days: float | None, sex: str | None
) -> None:
    expected_lr, expected_source = reference_observed(model, hpo_id, age_days, sex)
    evidence = model.observed(hpo_id, age_days, sex)
    np.testing.assert_allclose(evidence.log_lr, expected_lr, rtol=1e-12, atol=1e-12, err_msg=hpo_id)
    np.testing.assert_array_equal(evidence.best_ancestor, expected_source, err_msg=hpo_id)


def reference_excluded(
    model: PhenotypeModel, hpo_id: str, age_days: float | None, sex: str | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(log-LR, annotated as absent, has the feature) of an excluded finding, for every disease."""
    arrays, ontology, n = model._a, model.hpo.ontology, model.n_diseases
    q = ontology.index(hpo_id)
    present = np.zeros(n)
    start, end = arrays.impl_indptr[q], arrays.impl_indptr[q + 1]
    present[arrays.impl_disease[start:end]] = arrays.impl_max[start:end]
    diseases, frequencies = model._conditional(q, age_days, sex)
    np.maximum.at(present, diseases, frequencies)
    absent = np.maximum(1.0 - present, model.params.excluded_floor)
    negated = np.zeros(n, dtype=bool)
    for term in ontology.ancestor_indices(q).tolist():
        negated[arrays.not_disease[arrays.not_indptr[term] : arrays.not_indptr[term + 1]]] = True
    absent[negated] = 1.0
    log_lr: npt.NDArray[np.float64] = np.log(absent / absent.mean())
    return log_lr, negated, present > 0


def assert_excluded_matches_reference(
    model: PhenotypeModel, hpo_id: str, age_days: float | None, sex: str | None
) -> None:
    expected_lr, expected_negated, has_feature = reference_excluded(model, hpo_id, age_days, sex)
    evidence = model.excluded(hpo_id, age_days, sex)
    np.testing.assert_allclose(evidence.log_lr, expected_lr, rtol=1e-12, atol=1e-12, err_msg=hpo_id)
    np.testing.assert_array_equal(evidence.contradicted, expected_negated, err_msg=hpo_id)
    assert evidence.pertinent is not None
    np.testing.assert_array_equal(evidence.pertinent, np.flatnonzero(has_feature), err_msg=hpo_id)
