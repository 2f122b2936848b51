"""Pydantic models of the curated knowledge base.

The knowledge base is data (YAML files under ``knowledge/data``); these models are its schema. Every clinical
fact is a :class:`Sourced` object: it must carry at least one source, and a fact the reference marks
[UNVERIFIED] is stored with ``unverified: true`` so that no later rule is driven by it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AnnotationCorrection",
    "Bibliography",
    "Entity",
    "EntityGroup",
    "ExternalId",
    "Feature",
    "GeneLink",
    "HallmarkTerm",
    "HsctDecision",
    "HsctFact",
    "Inheritance",
    "InheritanceFact",
    "Names",
    "NeuroFact",
    "Neuronopathy",
    "Onset",
    "OnsetFact",
    "OsteoclastFact",
    "OsteoclastStatus",
    "OsteopetrosisRole",
    "OsteopetrosisRoleFact",
    "PrevalenceFact",
    "Prognosis",
    "Reference",
    "Share",
    "Source",
    "Sourced",
    "Treatment",
    "TreatmentStance",
]

# Accepted citation forms. ``ref:KEY`` points into references.yaml for sources that have no PMID/DOI
# (guideline documents, conference abstracts, patient-information pages); the loader checks every key.
_SOURCE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"PMID:\d{4,9}"),
    re.compile(r"PMCID:PMC\d{4,9}"),
    re.compile(r"DOI:10\.\d{4,9}/\S+"),
    re.compile(r"OMIM:\d{6}"),
    re.compile(r"ORPHA:\d{1,7}"),
    re.compile(r"HPO-hpoa:(OMIM:\d{6}|ORPHA:\d{1,7})"),
    re.compile(r"HPO-g2p:(OMIM:\d{6}|ORPHA:\d{1,7})"),
    re.compile(r"NCT\d{8}"),
    re.compile(r"seed:\d{3}_[0-9a-f]{16}\.txt"),
    re.compile(r"ref:[a-z0-9][a-z0-9-]*"),
)
_SOURCE_FORMS = "PMID:n, PMCID:PMCn, DOI:10.x/y, OMIM:nnnnnn, ORPHA:n, HPO-hpoa:<disease>, HPO-g2p:<disease>, NCTnnnnnnnn, seed:<file>.txt or ref:<key>"


def _check_source(value: str) -> str:
    if not any(p.fullmatch(value) for p in _SOURCE_PATTERNS):
        msg = f"{value!r} is not a recognised citation; expected one of {_SOURCE_FORMS}"
        raise ValueError(msg)
    return value


def _check_hpo_id(value: str) -> str:
    if not re.fullmatch(r"HP:\d{7}", value):
        msg = f"{value!r} is not an HPO id; expected HP: followed by 7 digits"
        raise ValueError(msg)
    return value


def _check_disease_id(value: str) -> str:
    if not re.fullmatch(r"OMIM:\d{6}|ORPHA:\d{1,7}", value):
        msg = f"{value!r} is not a disease id; expected OMIM:nnnnnn or ORPHA:n"
        raise ValueError(msg)
    return value


def _check_gene_symbol(value: str) -> str:
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9-]*", value):
        msg = f"{value!r} is not an HGNC gene symbol; expected upper-case letters and digits"
        raise ValueError(msg)
    return value


Source = Annotated[str, AfterValidator(_check_source)]
HpoId = Annotated[str, AfterValidator(_check_hpo_id)]
DiseaseId = Annotated[str, AfterValidator(_check_disease_id)]
GeneSymbol = Annotated[str, AfterValidator(_check_gene_symbol)]
NonEmptyText = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Sourced(_Strict):
    """A fact with its citations. ``unverified`` marks facts the reference flags [UNVERIFIED]."""

    sources: list[Source] = Field(min_length=1)
    unverified: bool = False


class EntityGroup(StrEnum):
    """Which part of the knowledge base an entity belongs to."""

    OSTEOPETROSIS = "osteopetrosis"
    SCLEROSING_DISORDER = "sclerosing_disorder"
    ACQUIRED = "acquired"


class Inheritance(StrEnum):
    AUTOSOMAL_RECESSIVE = "autosomal_recessive"
    AUTOSOMAL_DOMINANT = "autosomal_dominant"
    X_LINKED_RECESSIVE = "x_linked_recessive"
    X_LINKED_DOMINANT = "x_linked_dominant"
    SOMATIC = "somatic"
    NOT_INHERITED = "not_inherited"
    UNKNOWN = "unknown"


class Onset(StrEnum):
    """Age-of-onset classes, aligned with the HPO onset sub-hierarchy (HP:0003674)."""

    ANTENATAL = "antenatal"
    CONGENITAL = "congenital"
    NEONATAL = "neonatal"
    INFANTILE = "infantile"
    CHILDHOOD = "childhood"
    JUVENILE = "juvenile"
    ADULT = "adult"
    VARIABLE = "variable"
    UNKNOWN = "unknown"


class OsteoclastStatus(StrEnum):
    RICH = "rich"
    POOR = "poor"
    NOT_OSTEOCLAST_DEFECT = "not_osteoclast_defect"
    UNKNOWN = "unknown"


class Neuronopathy(StrEnum):
    """Primary neurodegeneration, independent of bony nerve compression."""

    YES = "yes"
    NO = "no"
    SUBSET = "subset"
    UNKNOWN = "unknown"


class HsctDecision(StrEnum):
    """Haematopoietic stem-cell transplantation decision classes (issue contract)."""

    CURATIVE = "curative"
    PARTIAL = "partial"
    NOT_CURATIVE = "not_curative"
    NOT_STANDARD = "not_standard"
    NOT_RECOMMENDED = "not_recommended"
    UNKNOWN = "unknown"


class OsteopetrosisRole(StrEnum):
    """What osteopetrosis is to a card of the osteopetrosis group."""

    # Osteopetrosis (dense bone from the disorder's own bone defect) is what the disease is: OPTB1, ADO2, ….
    DEFINING = "defining"
    # Dense bone is one feature of a syndrome that is mainly something else (immunodeficiency, a leukocyte
    # adhesion defect, an eye and pigment disorder, a brain disorder): OL-EDA-ID, LAD-III, COMMAD, BANDDOS.
    SYNDROME_FEATURE = "syndrome_feature"


class TreatmentStance(StrEnum):
    INDICATED = "indicated"
    OPTION = "option"
    SUPPORTIVE = "supportive"
    CAUTION = "caution"
    NOT_EFFECTIVE = "not_effective"
    NOT_RECOMMENDED = "not_recommended"


class Names(Sourced):
    """Preferred name, short names (e.g. OPTB1) and synonyms used for look-up."""

    name: NonEmptyText
    short_names: list[NonEmptyText] = Field(default_factory=list)
    synonyms: list[NonEmptyText] = Field(default_factory=list)


class ExternalId(Sourced):
    """An OMIM or Orphanet identifier and how it relates to the entity."""

    id: DiseaseId
    relation: Literal["exact", "broader", "narrower", "related", "historical"] = "exact"
    note: str | None = None


class GeneLink(Sourced):
    """A causal gene with its mechanism and the allelic state that causes disease."""

    symbol: GeneSymbol
    zygosity: Literal["biallelic", "monoallelic", "hemizygous", "somatic", "biallelic_or_monoallelic"]
    mechanism: NonEmptyText
    # Structured reading of ``mechanism`` for the genotype room, backed by this link's sources. ``True``: loss
    # of function is an established disease mechanism, so null alleles qualify and ACMG PVS1 applies.
    # ``False``: it is not (dominant-negative or gain of function), so null alleles do not cause this
    # disease. ``None``: not stated; null alleles still count, without PVS1.
    loss_of_function: bool | None = None
    # Heterozygous null alleles are clinically silent even though biallelic loss of function causes disease
    # (CLCN7, PMID:11741829): in a dominant reading of this link a single null allele does not qualify.
    monoallelic_null_silent: bool = False
    # Written reason when the gene-disease pair is not among the HPO gene-disease links of the entity's ids.
    hpo_link_justification: str | None = None


class OsteopetrosisRoleFact(Sourced):
    """Whether osteopetrosis is the defining feature of the card's disease or one feature of a syndrome.

    A syndrome is never called "a form of osteopetrosis" (family summary), and the osteopetrosis care guide
    does not apply to it as such (care plan). ``plain`` says what the syndrome mainly is, in plain words for a
    family, from the same sources.
    """

    role: OsteopetrosisRole
    text: NonEmptyText
    plain: list[NonEmptyText] = Field(default_factory=list)

    @model_validator(mode="after")
    def _syndromes_say_what_they_are(self) -> OsteopetrosisRoleFact:
        if self.unverified:
            msg = "the role of osteopetrosis decides how the disease is named; it may not rest on an unverified fact"
            raise ValueError(msg)
        if self.role is OsteopetrosisRole.SYNDROME_FEATURE and not self.plain:
            msg = "a syndrome needs 'plain': what it mainly is, in plain words for the family summary"
            raise ValueError(msg)
        return self


class InheritanceFact(Sourced):
    modes: list[Inheritance] = Field(min_length=1)
    penetrance: float | None = Field(default=None, ge=0.0, le=1.0)
    note: str | None = None


class OnsetFact(Sourced):
    typical: list[Onset] = Field(min_length=1)
    text: NonEmptyText


class OsteoclastFact(Sourced):
    status: OsteoclastStatus
    text: str | None = None


class NeuroFact(Sourced):
    neuronopathic: Neuronopathy
    text: str | None = None


class HsctFact(Sourced):
    """The HSCT decision with its reason. ``urgent`` marks forms where HSCT should precede optic-nerve damage."""

    decision: HsctDecision
    reason: NonEmptyText
    urgent: bool = False

    @model_validator(mode="after")
    def _unverified_is_not_a_decision(self) -> HsctFact:
        if self.unverified and self.decision is not HsctDecision.UNKNOWN:
            msg = "an unverified HSCT statement must have decision 'unknown' (it may not drive a recommendation)"
            raise ValueError(msg)
        if self.urgent and self.decision is not HsctDecision.CURATIVE:
            msg = "only a 'curative' HSCT decision can be urgent"
            raise ValueError(msg)
        return self


class Share(_Strict):
    """Share of a disease group (e.g. ARO) explained by this entity, as a range."""

    group: Literal["ARO", "ADO"]
    low: float = Field(ge=0.0, le=1.0)
    high: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> Share:
        if self.low > self.high:
            msg = f"share low {self.low} is above high {self.high}"
            raise ValueError(msg)
        return self


class PrevalenceFact(Sourced):
    text: NonEmptyText
    # Births affected per birth (e.g. 1/250000 = 4e-6) or people affected per person, where a figure exists.
    birth_incidence: float | None = Field(default=None, gt=0.0, lt=1.0)
    prevalence: float | None = Field(default=None, gt=0.0, lt=1.0)
    share: Share | None = None


class HallmarkTerm(Sourced):
    """A hallmark HPO term of the entity with the frequency given by its source (e.g. '5/5', 'Frequent')."""

    hpo_id: HpoId
    label: NonEmptyText
    frequency: str | None = None


class Feature(Sourced):
    text: NonEmptyText


class Treatment(Sourced):
    name: NonEmptyText
    stance: TreatmentStance
    text: NonEmptyText


class Prognosis(Sourced):
    text: NonEmptyText


class Entity(_Strict):
    """One disease entity: an osteopetrosis subtype, a genetic sclerosing disorder or an acquired cause."""

    key: Annotated[str, Field(pattern=r"^[A-Z0-9][A-Za-z0-9-]*$")]
    group: EntityGroup
    names: Names
    ids: list[ExternalId] = Field(default_factory=list)
    genes: list[GeneLink] = Field(default_factory=list)
    inheritance: InheritanceFact
    # Osteopetrosis cards only: whether osteopetrosis is the disease or one feature of a syndrome.
    osteopetrosis_role: OsteopetrosisRoleFact | None = None
    onset: OnsetFact | None = None
    osteoclasts: OsteoclastFact | None = None
    neuronopathic: NeuroFact | None = None
    hsct: HsctFact | None = None
    prevalence: PrevalenceFact | None = None
    hallmark_terms: list[HallmarkTerm] = Field(default_factory=list)
    # Features the sources report as absent (HPO NOT rows, 0/n frequencies); they argue against the entity.
    absent_terms: list[HallmarkTerm] = Field(default_factory=list)
    distinguishing_features: list[Feature] = Field(min_length=1)
    treatments: list[Treatment] = Field(default_factory=list)
    prognosis: Prognosis | None = None
    caveats: list[Feature] = Field(default_factory=list)

    @model_validator(mode="after")
    def _subtypes_are_complete(self) -> Entity:
        # Osteopetrosis subtypes drive care advice, so every card field is required for them.
        if self.group is EntityGroup.OSTEOPETROSIS:
            missing = [
                name
                for name in (
                    "osteopetrosis_role",
                    "onset",
                    "osteoclasts",
                    "neuronopathic",
                    "hsct",
                    "prevalence",
                    "prognosis",
                )
                if getattr(self, name) is None
            ]
            if not self.hallmark_terms:
                missing.append("hallmark_terms")
            if missing:
                msg = f"osteopetrosis subtypes need {', '.join(missing)}"
                raise ValueError(msg)
        elif self.osteopetrosis_role is not None:
            msg = (
                "only cards of the osteopetrosis group state the role of osteopetrosis; "
                f"a {self.group.value} card is a differential diagnosis, not osteopetrosis"
            )
            raise ValueError(msg)
        return self

    @property
    def name(self) -> str:
        return self.names.name

    @property
    def is_syndrome(self) -> bool:
        """A card of the osteopetrosis group whose dense bone is one feature of a syndrome (its
        ``osteopetrosis_role``), not a form of osteopetrosis."""
        role = self.osteopetrosis_role
        return role is not None and role.role is OsteopetrosisRole.SYNDROME_FEATURE

    @property
    def primary_id(self) -> str | None:
        """The verified id that best represents the entity, or ``None`` when it has none.

        Preference: exact OMIM, exact Orphanet, then a broader OMIM or Orphanet entry (for a form such as
        OL-EDA-ID whose features HPO annotates only under the broader EDA-ID entry).
        """
        for relation in ("exact", "broader"):
            for prefix in ("OMIM:", "ORPHA:"):
                for ext in self.ids:
                    if ext.relation == relation and not ext.unverified and ext.id.startswith(prefix):
                        return ext.id
        return None

    @property
    def disease_ids(self) -> list[str]:
        """Every verified OMIM/Orphanet id of the entity (all relations)."""
        return [x.id for x in self.ids if not x.unverified]

    @property
    def exact_ids(self) -> list[str]:
        """The verified ids that are this entity itself (relation ``exact``), in file order."""
        return [x.id for x in self.ids if x.relation == "exact" and not x.unverified]

    @property
    def gene_symbols(self) -> list[str]:
        return [g.symbol for g in self.genes]

    def all_sources(self) -> set[str]:
        """Every citation used anywhere on this entity."""
        found: set[str] = set()

        def walk(value: object) -> None:
            if isinstance(value, Sourced):
                found.update(value.sources)
            if isinstance(value, BaseModel):
                for field_name in type(value).model_fields:
                    walk(getattr(value, field_name))
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(self)
        return found


class AnnotationCorrection(Sourced):
    """A sourced correction to one HPO annotation row, applied by the ranking engine."""

    disease_id: DiseaseId
    hpo_id: HpoId
    action: Literal["quarantine", "set_frequency", "add"]
    frequency: float | None = Field(default=None, gt=0.0, le=1.0)
    reason: NonEmptyText

    @model_validator(mode="after")
    def _frequency_when_needed(self) -> AnnotationCorrection:
        if self.action == "set_frequency" and self.frequency is None:
            msg = "set_frequency needs a frequency"
            raise ValueError(msg)
        if self.action == "quarantine" and self.frequency is not None:
            msg = "quarantine takes no frequency"
            raise ValueError(msg)
        return self


class Reference(_Strict):
    """A bibliography entry for sources cited as ``ref:KEY``."""

    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    citation: NonEmptyText
    verified: bool
    note: str | None = None


class Bibliography(_Strict):
    references: list[Reference]
