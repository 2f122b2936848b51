"""``marbledx.rank``: the ranking job as one typed call (the CLI ``rank`` command is a thin layer over it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from marbledx.errors import InputError

if TYPE_CHECKING:
    from marbledx.findings import Case, FamilyHistory
    from marbledx.genotype import GenotypeOptions
    from marbledx.knowledge import KnowledgeBase
    from marbledx.ontology import Hpo
    from marbledx.ranking import CaseResult, PriorKind, Ranker

__all__ = ["iter_rank", "rank"]


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
    searched recursively; each file is ranked once). Each input gives one
    :class:`~marbledx.ranking.CaseResult`, whose ``to_dict()`` is the object ``marbledx rank --format json``
    prints; a file that cannot be read gives a result with ``error`` set, and the others go on. ``family``
    (consanguinity, an affected parent or sibling) is added to each case's own family history. ``genotype``
    sets the VCF options (``GenotypeOptions(vcf=…)`` for a single case); without it, as with the CLI, the VCF a
    phenopacket (or a :class:`~marbledx.findings.Case`) names in ``files`` is read. Pass a
    prebuilt ``ranker`` to rank many batches without rebuilding the engine (about a second).

    Raises :class:`~marbledx.errors.InputError` when ``top`` is below 1 or there is nothing to rank.

    >>> import marbledx
    >>> hpo = marbledx.load_hpo()
    >>> [r.diagnoses[0].disease_id for r in marbledx.rank("examples/infant-aro.json", hpo=hpo)]  # doctest: +SKIP
    ['OMIM:259710']
    """
    return list(
        iter_rank(
            source,
            hpo=hpo,
            kb=kb,
            top=top,
            prior=prior,
            family=family,
            genotype=genotype,
            strict=strict,
            ranker=ranker,
        )
    )


def _paths(source: str | Path | Sequence[str | Path]) -> list[str | Path]:
    if isinstance(source, str | Path):
        return _without_nul([source])
    if isinstance(source, bytes | bytearray) or not isinstance(source, Iterable):
        # bytes is a sequence too, of ints: name the mistake instead of failing on the first int.
        msg = (
            f"source: expected a Case, a path (str or Path) or a list of paths, found {type(source).__name__}"
        )
        raise InputError(msg)
    paths = list(source)
    # Indices, not the items: a None among the paths must be named too.
    wrong = next((i for i, p in enumerate(paths) if not isinstance(p, str | Path)), None)
    if wrong is not None:
        msg = f"source: expected paths (str or Path), found {type(paths[wrong]).__name__} {paths[wrong]!r}"
        raise InputError(msg)
    if not paths:
        msg = "nothing to rank; expected phenopacket files or folders"
        raise InputError(msg)
    return _without_nul(paths)


def _without_nul(paths: list[str | Path]) -> list[str | Path]:
    """``paths``, none of which has a NUL character (no file name can; the OS calls would raise ValueError).

    The paths are returned as given, not as the checked :class:`Path`: ``Path("")`` is ".", and
    :func:`~marbledx.findings._phenopacket.scan_inputs` must still see an empty path to refuse it.
    """
    from marbledx.findings._io import check_path  # the one rule for a NUL in an input path

    for path in paths:
        check_path(path, argument="source", expected="a file or folder path")
    return paths


def _with_family(case: Case, family: FamilyHistory | None) -> Case:
    """``case`` with ``family`` added (logical or) to its own family history, as for phenopacket files."""
    if family is None or not family.any:
        return case
    own = case.family
    merged = replace(
        own,
        consanguineous=own.consanguineous or family.consanguineous,
        affected_parent=own.affected_parent or family.affected_parent,
        affected_sibling=own.affected_sibling or family.affected_sibling,
    )
    return replace(case, family=merged)


def iter_rank(
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
) -> Iterator[CaseResult]:
    """:func:`rank`, one result at a time (the CLI prints each case as soon as it is ranked).

    The arguments are checked before the first result: a bad ``top`` or ``prior``, or an empty ``source``, raises
    at once.
    Two cases with the same id are both ranked; the later one carries a warning naming the earlier file.
    """
    from marbledx.findings import Case, read_case_file
    from marbledx.findings._phenopacket import peek_case_id, scan_inputs
    from marbledx.genotype import GenotypeOptions, GenotypeReader
    from marbledx.knowledge import load_knowledge_base
    from marbledx.ranking import CaseResult, Ranker
    from marbledx.ranking._rank import check_prior

    if isinstance(top, bool) or (isinstance(top, int) and top < 1):
        msg = f"top must be at least 1, got {top!r}"
        raise InputError(msg)
    if not isinstance(top, int):
        msg = f"top must be a whole number of at least 1, got {top!r}"
        raise InputError(msg)
    check_prior(prior)
    entries = None if isinstance(source, Case) else scan_inputs(_paths(source))
    engine = ranker or Ranker(hpo, kb or load_knowledge_base())

    # Without options the VCFs that phenopackets name in ``files`` are read, as ``marbledx rank`` reads them, so
    # that the API gives the CLI's content (a case without such a file has no genotype either way).
    reader = GenotypeReader(genotype or GenotypeOptions())

    def results() -> Iterator[CaseResult]:
        if isinstance(source, Case):
            case = _with_family(source, family)
            calls = reader.read(case)
            yield engine.rank(case, top=top, prior=prior, genotype=calls)
            return
        first_input: dict[str, str] = {}  # case id -> the input that had it first
        for entry in entries or []:
            path = entry.path
            if entry.error is not None:
                yield CaseResult(case_id=None, input=entry.shown, error=entry.error)
                continue
            try:
                case = read_case_file(path, engine.hpo.ontology, family, strict=strict)
            except InputError as exc:
                yield CaseResult(case_id=peek_case_id(path), input=str(path), error=str(exc))
                continue
            notes = list(entry.notes)
            earlier = first_input.setdefault(case.case_id, case.input)
            if earlier != case.input:
                # Both are ranked; a script joining results on case_id must tell them apart by "input".
                notes.append(f"{case.input}: case id {case.case_id!r} is also the id of {earlier}")
            if notes:
                case = replace(case, warnings=(*case.warnings, *notes))
            try:
                calls = reader.read(case)
            except InputError as exc:
                yield CaseResult(case.case_id, case.input, warnings=list(case.warnings), error=str(exc))
                continue
            yield engine.rank(case, top=top, prior=prior, genotype=calls)

    return results()
