"""``marbledx.rank``: the ranking job as one typed call (the CLI ``rank`` command is a thin layer over it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marbledx.findings import Case, FamilyHistory
    from marbledx.genotype import GenotypeOptions
    from marbledx.knowledge import KnowledgeBase
    from marbledx.ontology import Hpo
    from marbledx.ranking import CaseResult, PriorKind, Ranker

__all__ = ["rank"]


def rank(
    source: Case | str | Path | Sequence[str | Path],
    *,
    hpo: Hpo,
    kb: KnowledgeBase | None = None,
    top: int = 20,
    prior: PriorKind = "uniform",
    family: FamilyHistory | None = None,
    genotype: GenotypeOptions | None = None,
    strict: bool = True,
    ranker: Ranker | None = None,
) -> list[CaseResult]:
    """Rank every annotated disease for one case or for phenopacket files and folders.

    ``source`` is a :class:`~marbledx.findings.Case`, or one or more phenopacket paths (folders are
    searched recursively). Each input gives one :class:`~marbledx.ranking.CaseResult`; a file that cannot
    be read gives a result with ``error`` set, and the others go on. ``genotype`` adds VCF evidence
    (``GenotypeOptions(vcf=…)`` for a single case, or the phenopackets' ``files``). Pass a prebuilt
    ``ranker`` to rank many batches without rebuilding the engine (about a second).

    >>> import marbledx
    >>> hpo = marbledx.load_hpo()
    >>> [r.diagnoses[0].disease_id for r in marbledx.rank("examples/infant-aro.json", hpo=hpo)]  # doctest: +SKIP
    ['OMIM:259710']
    """
    from marbledx.findings import Case
    from marbledx.genotype import GenotypeReader
    from marbledx.knowledge import load_knowledge_base
    from marbledx.ranking import Ranker

    engine = ranker or Ranker(hpo, kb or load_knowledge_base())
    if isinstance(source, Case):
        calls = GenotypeReader(genotype).read(source) if genotype is not None else None
        return [engine.rank(source, top=top, prior=prior, genotype=calls)]
    paths = [source] if isinstance(source, str | Path) else list(source)
    return list(
        engine.rank_files(paths, top=top, prior=prior, family=family, strict=strict, genotype=genotype)
    )
