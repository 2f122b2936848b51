"""Load and validate the knowledge-base data files.

Files under ``knowledge/data`` are YAML documents holding ``entities:`` (a list of
:class:`~marbledx.knowledge.Entity`), ``references:`` (the bibliography behind ``ref:KEY`` citations),
``annotation_corrections:`` or ``care:`` (the :class:`~marbledx.knowledge.CareGuide`).
Validation happens at load time; a broken file raises :class:`~marbledx.errors.KnowledgeBaseError` whose
one-line message names the file, the entity and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from marbledx._format import quoted
from marbledx._text import normalise_text
from marbledx._yaml import read_yaml_document
from marbledx.errors import KnowledgeBaseError, UnknownEntityError
from marbledx.knowledge._care import OSTEOPETROSIS_SCOPE, CareFit, CareGuide
from marbledx.knowledge._models import (
    AnnotationCorrection,
    Entity,
    EntityGroup,
    Inheritance,
    Reference,
    Sourced,
)

__all__ = ["KnowledgeBase", "bundled_data_dir", "load_knowledge_base"]

_DOCUMENT_KEYS = frozenset({"entities", "references", "annotation_corrections", "care"})


# Names of groups of subtypes, which users type where one entity is expected ("marbledx subtype ARO"). A group
# is answered with its members, taken from the cards, never with one of them. The abbreviations ARO, ADO and IAO
# are the reference's nomenclature (osteopetrosis-knowledge.md section 1); "malignant infantile osteopetrosis"
# names Orphanet's umbrella entry ORPHA:667, whose members are the cards that list it as broader. Autosomal
# recessive osteopetrosis is not all malignant or infantile (reference 7.3 item 3), so the two groups differ.
_GROUPS_BY_INHERITANCE: dict[str, Inheritance] = {
    "aro": Inheritance.AUTOSOMAL_RECESSIVE,
    "autosomal recessive osteopetrosis": Inheritance.AUTOSOMAL_RECESSIVE,
    "recessive osteopetrosis": Inheritance.AUTOSOMAL_RECESSIVE,
    "ado": Inheritance.AUTOSOMAL_DOMINANT,
    "autosomal dominant osteopetrosis": Inheritance.AUTOSOMAL_DOMINANT,
    "dominant osteopetrosis": Inheritance.AUTOSOMAL_DOMINANT,
}
_GROUPS_BY_UMBRELLA_ID: dict[str, str] = {
    "malignant infantile osteopetrosis": "ORPHA:667",
    "infantile malignant osteopetrosis": "ORPHA:667",
    "autosomal recessive malignant osteopetrosis": "ORPHA:667",
    "malignant osteopetrosis": "ORPHA:667",
}


def bundled_data_dir() -> Path:
    """The folder of knowledge-base YAML files shipped with the package."""
    return Path(str(resources.files("marbledx.knowledge") / "data"))


@dataclass(frozen=True)
class _ForbiddenStatement:
    """A known error of public patient pages that must never appear in the knowledge base."""

    pattern: re.Pattern[str]
    why: str


# Errors of the seed patient pages (reference section 7). Checked over every string of the knowledge base.
_FORBIDDEN: tuple[_ForbiddenStatement, ...] = (
    _ForbiddenStatement(
        re.compile(r"genes?\b[^.]*\bcalled osteoclasts", re.IGNORECASE),
        "genes are not 'called osteoclasts'; osteoclasts are cells (reference 7.1 item 2)",
    ),
    _ForbiddenStatement(
        re.compile(r"cortisol bone", re.IGNORECASE),
        "'cortisol bone abnormalities' is a garbled, unrelated claim (reference 7.1 item 3)",
    ),
    _ForbiddenStatement(
        re.compile(r"lumbar[^.]*osteomyelitis|osteomyelitis[^.]*lumbar", re.IGNORECASE),
        "osteomyelitis in osteopetrosis classically affects the mandible, not the lumbar spine (7.4 item 2)",
    ),
    _ForbiddenStatement(
        re.compile(r"low levels of iron", re.IGNORECASE),
        "anaemia is low haemoglobin or red-cell mass, not low iron (reference 7.4 item 1)",
    ),
    _ForbiddenStatement(
        re.compile(r"second functioning gene", re.IGNORECASE),
        "ADO2 is dominant-negative, not explained by a 'second functioning gene' (reference 7.5 item 1)",
    ),
    _ForbiddenStatement(
        re.compile(r"up to 40% [^.]*asymptomatic", re.IGNORECASE),
        "the unsourced '40% asymptomatic' figure conflicts with the literature (reference 7.1 item 7)",
    ),
)

# ITGB3 links only to Glanzmann thrombasthenia and platelet disorders in HPO (reference 7.2 item 4).
_NOT_OSTEOPETROSIS_GENES = frozenset({"ITGB3"})


ENTITY_EXPECTED = (
    "expected an OMIM/ORPHA id, a short name such as OPTB1 or ADO2, or a name (see 'marbledx subtypes')"
)
# A disease number as people write it: "259700", "#259700" (OMIM's phenotype mark), "MIM:259700", "Orphanet 667".
# No two blank runs meet ("omim" and spaces would otherwise be split between two runs in every way: "omim" then
# 10,000 spaces took 1.3 s, 20,000 took 5 s), and the query's blank runs are cut to one space before it is read.
_DISEASE_NUMBER = re.compile(
    r"\s*(?:(omim|mim|orpha|orphanet)\s*(?:[:_]\s*)?|#)?([0-9]{1,7})\s*", re.IGNORECASE
)
# Names longer than this are not compared for "did you mean": no key, id or name is near it, and the comparison
# would cost time for a pasted page.
_SUGGEST_LIMIT = 200


# The generic last word of a disease name, left out when a name is typed as an eponym.
_GENERIC_LAST_WORD = re.compile(r" (?:disease|syndrome|disorder)$")


def _compact(text: str) -> str:
    """A name without case, accents, spaces or punctuation: "OPTB 1", "optb-1" and "OPTB1" are one name."""
    return normalise_text(text).replace(" ", "")


class KnowledgeBase:
    """The validated, read-only osteopetrosis knowledge base.

    Build it with :func:`load_knowledge_base`; it is an ordinary object to pass to whoever needs it.
    """

    def __init__(
        self,
        entities: Sequence[Entity],
        references: Sequence[Reference],
        source: str,
        corrections: Sequence[AnnotationCorrection] = (),
        care: CareGuide | None = None,
    ) -> None:
        self._entities: tuple[Entity, ...] = tuple(entities)
        # The care guide (work-up, treatments, monitoring, red flags); None for a knowledge base without one.
        self.care = care
        self.annotation_corrections: tuple[AnnotationCorrection, ...] = tuple(corrections)
        self._references = {r.key: r for r in references}
        self.source = source
        self._by_key = {e.key: e for e in self._entities}
        self._by_disease_id: dict[str, Entity] = {}
        for entity in self._entities:
            for disease_id in entity.exact_ids:
                self._by_disease_id.setdefault(disease_id, entity)
        for entity in self._entities:
            if entity.primary_id:
                self._by_disease_id.setdefault(entity.primary_id, entity)
        self._lookup: dict[str, Entity] = {}
        for entity in self._entities:
            for name in self._lookup_names(entity):
                self._lookup.setdefault(normalise_text(name), entity)

    @staticmethod
    def _lookup_names(entity: Entity) -> Iterator[str]:
        yield entity.key
        yield entity.names.name
        yield from entity.names.short_names
        yield from entity.names.synonyms
        yield from entity.exact_ids
        if entity.primary_id:
            yield entity.primary_id

    @property
    def entities(self) -> tuple[Entity, ...]:
        """All entities, subtypes first, in file order."""
        return self._entities

    @property
    def subtypes(self) -> tuple[Entity, ...]:
        """The osteopetrosis subtypes."""
        return tuple(e for e in self._entities if e.group is EntityGroup.OSTEOPETROSIS)

    @property
    def differential(self) -> tuple[Entity, ...]:
        """Genetic sclerosing disorders and acquired causes of high bone density."""
        return tuple(e for e in self._entities if e.group is not EntityGroup.OSTEOPETROSIS)

    @property
    def references(self) -> dict[str, Reference]:
        return dict(self._references)

    def __len__(self) -> int:
        return len(self._entities)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self._entities)

    def get(self, query: str) -> Entity:
        """Find an entity by key, OMIM/ORPHA id, short name (OPTB1, ADO2), name or synonym.

        A name written with other spaces or punctuation ("OPTB 1", "optb-1") and a bare OMIM or Orphanet
        number ("259700", "#259700", "MIM:259700") are taken when exactly one entity fits. Raises
        :class:`UnknownEntityError` naming the query (cut short) when nothing matches, with close names as
        suggestions.
        """
        found = self._by_key.get(query.strip()) or self._lookup.get(normalise_text(query))
        if found is not None:
            return found
        self._raise_if_group(query)
        of_gene = self.for_gene(query.strip().upper())
        if of_gene:
            msg = (
                f"{quoted(query)} is a gene, not an entity; it causes {', '.join(e.key for e in of_gene)}; "
                "expected one of them"
            )
            raise UnknownEntityError(msg, candidates=tuple(e.key for e in of_gene))
        return self._loosely(query)

    @cached_property
    def _compact_names(self) -> dict[str, set[str]]:
        """Every key, name, short name, synonym and id without case, accents, spaces or punctuation, with the
        keys of the entities it names."""
        names: dict[str, set[str]] = {}
        for entity in self._entities:
            for name in self._lookup_names(entity):
                names.setdefault(_compact(name), set()).add(entity.key)
                # Eponyms are typed without their last word: "Camurati-Engelmann" for Camurati-Engelmann disease.
                bare = _GENERIC_LAST_WORD.sub("", normalise_text(name))
                if bare and bare != normalise_text(name):
                    names.setdefault(bare.replace(" ", ""), set()).add(entity.key)
        return names

    def _loosely(self, query: str) -> Entity:
        names = self._compact_names
        wanted = [_compact(query)]
        number = _DISEASE_NUMBER.fullmatch(" ".join(query.split()))
        if number is not None:
            prefix = (number.group(1) or "").lower()
            databases = {"omim": ["omim"], "mim": ["omim"], "orpha": ["orpha"], "orphanet": ["orpha"]}
            wanted = [f"{db}{int(number.group(2))}" for db in databases.get(prefix, ["omim", "orpha"])]
        found = set().union(*(names.get(name, set()) for name in wanted))
        if len(found) == 1:
            return self._by_key[found.pop()]
        if len(found) > 1:
            msg = f"{quoted(query)} names several entities ({', '.join(sorted(found))}); give one of them"
            raise UnknownEntityError(msg, candidates=tuple(sorted(found)))
        if number is not None:
            ids = {
                f"{'OMIM' if name.startswith('omim') else 'ORPHA'}:{int(number.group(2))}" for name in wanted
            }
            self._raise_if_held_loosely(query, ids)
        import difflib  # only for a name not found

        close: list[str] = []
        if len(query) <= _SUGGEST_LIMIT:
            for name in difflib.get_close_matches(_compact(query), names, n=10, cutoff=0.75):
                close.extend(key for key in sorted(names[name]) if key not in close)
        hint = f"; did you mean {', '.join(close[:5])}?" if close else ""
        msg = f"no osteopetrosis subtype or differential entity matches {quoted(query)}; {ENTITY_EXPECTED}{hint}"
        raise UnknownEntityError(msg, candidates=tuple(close[:5]), guessed=bool(close))

    def _raise_if_group(self, query: str) -> None:
        """A name of a group of subtypes ("ARO", "malignant infantile osteopetrosis"): say which cards it holds,
        so that the user picks one, instead of "no entity matches"."""
        wanted = normalise_text(query)
        umbrella = _GROUPS_BY_UMBRELLA_ID.get(wanted)
        mode = _GROUPS_BY_INHERITANCE.get(wanted)
        if umbrella is not None:
            members = [
                e.key
                for e in self.subtypes
                if any(x.id == umbrella and x.relation == "broader" and not x.unverified for x in e.ids)
            ]
            group = f"Orphanet's umbrella entry {umbrella} holds"
        elif mode is not None:
            members = [e.key for e in self.subtypes if mode in e.inheritance.modes]
            group = f"the {mode.value.replace('_', ' ')} subtypes are"
        else:
            return
        if members:
            msg = (
                f"{quoted(query)} names a group, not one entity: {group} {', '.join(members)}; give one of them "
                "(see 'marbledx subtypes')"
            )
            raise UnknownEntityError(msg, candidates=tuple(members))

    def _raise_if_held_loosely(self, query: str, ids: set[str]) -> None:
        """An OMIM or Orphanet id that no entity is, but that entities list as broader, narrower or related (a
        group entry such as ORPHA:667, autosomal recessive malignant osteopetrosis): say which, instead of
        suggesting names that merely look alike."""
        by_relation: dict[str, list[str]] = {}
        for entity in self._entities:
            for external in entity.ids:
                if (
                    external.id in ids
                    and not external.unverified
                    and entity.key not in by_relation.get(external.relation, [])
                ):
                    by_relation.setdefault(external.relation, []).append(entity.key)
        if not by_relation:
            return
        words = {
            "broader": "broader than",
            "narrower": "narrower than",
            "related": "related to",
            "historical": "a former id of",
        }
        held = "; ".join(
            f"{words.get(relation, relation)} {', '.join(keys)}"
            for relation, keys in sorted(by_relation.items())
        )
        msg = f"{quoted(query)} is not one entity of the knowledge base: it is {held}; give one of them"
        keys = tuple(dict.fromkeys(key for _, group in sorted(by_relation.items()) for key in group))
        raise UnknownEntityError(msg, candidates=keys)

    def for_disease_id(self, disease_id: str) -> Entity | None:
        """The entity whose verified ids include ``disease_id`` exactly, or whose primary id it is."""
        return self._by_disease_id.get(disease_id)

    def for_gene(self, symbol: str) -> list[Entity]:
        """Entities with ``symbol`` among their causal genes."""
        return [e for e in self._entities if symbol in e.gene_symbols]


def _describe_location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            if parts:
                parts[-1] = f"{parts[-1]}[{item}]"
            else:
                parts.append(f"[{item}]")
        else:
            parts.append(item)
    return ".".join(parts) or "(top level)"


def _validation_message(path: Path, what: str, label: str, error: ValidationError) -> str:
    first = error.errors()[0]
    field = _describe_location(tuple(first["loc"]))
    more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
    return f"{path.name}: {what} {label}, field '{field}': {first['msg']}{more}"


def _read_yaml(path: Path) -> dict[str, Any]:
    document = read_yaml_document(
        path, what="knowledge-base file", expected="a YAML mapping with 'entities' or 'references'"
    )
    if not isinstance(document, dict) or not (_DOCUMENT_KEYS & document.keys()):
        msg = f"{path.name}: expected a YAML mapping with a top-level 'entities' or 'references' list"
        raise KnowledgeBaseError(msg)
    unknown = set(document) - _DOCUMENT_KEYS
    if unknown:
        msg = f"{path.name}: unknown top-level key(s) {sorted(unknown)}; expected 'entities' or 'references'"
        raise KnowledgeBaseError(msg)
    return document


_Model = TypeVar("_Model", Entity, Reference, AnnotationCorrection)


def _parse_list(
    path: Path, raw: object, model: type[_Model], key: str, what: str, label: Callable[[dict[str, Any]], str]
) -> list[_Model]:
    """Validate every item of a top-level list; the error names the file, the item and the field."""
    if not isinstance(raw, list):
        msg = f"{path.name}: '{key}' must be a list of {what} mappings"
        raise KnowledgeBaseError(msg)
    items: list[_Model] = []
    for index, item in enumerate(raw):
        name = label(item) if isinstance(item, dict) and label(item).strip("' ") else f"#{index + 1}"
        try:
            items.append(model.model_validate(item))
        except ValidationError as exc:
            raise KnowledgeBaseError(_validation_message(path, what, name, exc)) from None
    return items


def _parse_entities(path: Path, raw: object) -> list[Entity]:
    return _parse_list(path, raw, Entity, "entities", "entity", lambda i: repr(i.get("key") or ""))


def _parse_references(path: Path, raw: object) -> list[Reference]:
    return _parse_list(path, raw, Reference, "references", "reference", lambda i: repr(i.get("key") or ""))


def _parse_corrections(path: Path, raw: object) -> list[AnnotationCorrection]:
    return _parse_list(
        path,
        raw,
        AnnotationCorrection,
        "annotation_corrections",
        "correction",
        lambda i: f"{i.get('disease_id') or ''} {i.get('hpo_id') or ''}",
    )


def _parse_care(path: Path, raw: object) -> CareGuide:
    if not isinstance(raw, dict):
        msg = f"{path.name}: 'care' must be a mapping (neuronopathic_signs, testing_rules, workup, …)"
        raise KnowledgeBaseError(msg)
    try:
        return CareGuide.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeBaseError(_validation_message(path, "care", "guide", exc)) from None


def _strings(value: object) -> Iterator[tuple[str, str]]:
    """Every (field path, string) pair inside a model."""
    if isinstance(value, str):
        yield "", value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            for sub, text in _strings(getattr(value, name)):
                separator = "" if sub.startswith("[") else "."
                yield (f"{name}{separator}{sub}" if sub else name), text
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for sub, text in _strings(item):
                yield (f"[{index}].{sub}" if sub else f"[{index}]"), text


def _check_consistency(
    entities: Iterable[tuple[Path, Entity]], references: dict[str, tuple[Path, Reference]]
) -> None:
    seen_keys: dict[str, Path] = {}
    seen_names: dict[str, str] = {}
    for path, entity in entities:
        where = f"{path.name}: entity {entity.key!r}"
        if entity.key in seen_keys:
            msg = f"{where}, field 'key': duplicate key (also in {seen_keys[entity.key].name})"
            raise KnowledgeBaseError(msg)
        seen_keys[entity.key] = path
        for name in (entity.names.name, *entity.names.short_names, *entity.names.synonyms):
            folded = normalise_text(name)
            owner = seen_names.setdefault(folded, entity.key)
            if owner != entity.key:
                msg = f"{where}, field 'names': name {name!r} is also used by entity {owner!r}"
                raise KnowledgeBaseError(msg)
            # "Osteoporosis" is the opposite condition; public pages confuse the two (reference 7.1 item 1).
            if entity.group is EntityGroup.OSTEOPETROSIS and "osteoporosis" in folded:
                msg = f"{where}, field 'names': {name!r} names osteoporosis, the opposite low-bone-mass condition"
                raise KnowledgeBaseError(msg)
        for field_path, text in _strings(entity):
            for rule in _FORBIDDEN:
                if rule.pattern.search(text):
                    msg = f"{where}, field '{field_path}': {rule.why}"
                    raise KnowledgeBaseError(msg)
        if entity.group is EntityGroup.OSTEOPETROSIS:
            for index, gene in enumerate(entity.genes):
                if gene.symbol in _NOT_OSTEOPETROSIS_GENES:
                    msg = (
                        f"{where}, field 'genes[{index}].symbol': {gene.symbol} is not an osteopetrosis gene"
                    )
                    raise KnowledgeBaseError(msg)
        for field_path, source in _sources_with_paths(entity):
            if source.startswith("ref:") and source[4:] not in references:
                msg = f"{where}, field '{field_path}': citation {source!r} has no entry in the bibliography"
                raise KnowledgeBaseError(msg)


def _sources_with_paths(value: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, Sourced):
        for index, source in enumerate(value.sources):
            yield f"{prefix}sources[{index}]" if prefix else f"sources[{index}]", source
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name != "sources":
                yield from _sources_with_paths(getattr(value, name), f"{prefix}{name}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _sources_with_paths(item, f"{prefix.rstrip('.')}[{index}].")


def _fits_with_paths(value: object, prefix: str = "") -> Iterator[tuple[str, CareFit]]:
    """Every care item's ``fits`` entry, with its field path."""
    if isinstance(value, CareFit):
        yield prefix.rstrip("."), value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _fits_with_paths(getattr(value, name), f"{prefix}{name}.")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _fits_with_paths(item, f"{prefix.rstrip('.')}[{index}].")


def _check_care_fits(
    path: Path, care: CareGuide, keys: set[str], references: dict[str, tuple[Path, Reference]]
) -> None:
    """A care item fits the osteopetrosis forms or named entities: every name must be a card of the knowledge
    base, and every ``ref:`` citation of a fit must be in the bibliography."""
    for field_path, fit in _fits_with_paths(care):
        if fit.scope != OSTEOPETROSIS_SCOPE and fit.scope not in keys:
            msg = (
                f"{path.name}: care guide, field '{field_path}.scope': {fit.scope!r} is not an entity of the "
                f"knowledge base; expected {OSTEOPETROSIS_SCOPE!r} or an entity key such as LAD3"
            )
            raise KnowledgeBaseError(msg)
        for index, source in enumerate(fit.sources):
            if source.startswith("ref:") and source[4:] not in references:
                msg = (
                    f"{path.name}: care guide, field '{field_path}.sources[{index}]': citation {source!r} has "
                    "no entry in the bibliography"
                )
                raise KnowledgeBaseError(msg)


def load_knowledge_base(data_dir: Path | None = None) -> KnowledgeBase:
    """Load and validate every YAML file of the knowledge base.

    ``data_dir`` defaults to the files bundled with the package. Raises
    :class:`~marbledx.errors.KnowledgeBaseError` naming the file, entity and field of the first problem.
    """
    folder = data_dir if data_dir is not None else bundled_data_dir()
    paths = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    if not paths:
        msg = f"{folder}: no knowledge-base files (*.yaml) found"
        raise KnowledgeBaseError(msg)
    entities: list[tuple[Path, Entity]] = []
    references: dict[str, tuple[Path, Reference]] = {}
    corrections: list[AnnotationCorrection] = []
    pending_refs: list[tuple[Path, AnnotationCorrection, int, str]] = []
    care: tuple[Path, CareGuide] | None = None
    for path in paths:
        document = _read_yaml(path)
        if "care" in document:
            if care is not None:
                msg = f"{path.name}: a second 'care' guide (the first is in {care[0].name}); expected one"
                raise KnowledgeBaseError(msg)
            care = (path, _parse_care(path, document["care"]))
        if "references" in document:
            for ref in _parse_references(path, document["references"]):
                if ref.key in references and references[ref.key][1] != ref:
                    msg = (
                        f"{path.name}: reference {ref.key!r}: defined differently in "
                        f"{references[ref.key][0].name}"
                    )
                    raise KnowledgeBaseError(msg)
                references[ref.key] = (path, ref)
        if "entities" in document:
            entities.extend((path, e) for e in _parse_entities(path, document["entities"]))
        if "annotation_corrections" in document:
            for correction in _parse_corrections(path, document["annotation_corrections"]):
                for index, source in enumerate(correction.sources):
                    if source.startswith("ref:") and source[4:] not in references:
                        pending_refs.append((path, correction, index, source))
                corrections.append(correction)
    _check_consistency(entities, references)
    if care is not None:
        for field_path, source in _sources_with_paths(care[1]):
            if source.startswith("ref:") and source[4:] not in references:
                msg = f"{care[0].name}: care guide, field '{field_path}': citation {source!r} has no entry in the bibliography"
                raise KnowledgeBaseError(msg)
    if care is not None:
        _check_care_fits(care[0], care[1], {e.key for _, e in entities}, references)
    for path, correction, index, source in pending_refs:
        if source[4:] not in references:
            msg = (
                f"{path.name}: correction {correction.disease_id} {correction.hpo_id}, field 'sources[{index}]': "
                f"citation {source!r} has no entry in the bibliography"
            )
            raise KnowledgeBaseError(msg)
    group_order = list(EntityGroup)
    ordered = sorted(entities, key=lambda pe: group_order.index(pe[1].group))
    return KnowledgeBase(
        [e for _, e in ordered],
        [r for _, r in references.values()],
        source=str(folder),
        corrections=corrections,
        care=care[1] if care else None,
    )
