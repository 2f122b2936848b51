"""The care plan: what settles the diagnosis, the HSCT decision and its urgency, treatments, monitoring.

Everything comes from the knowledge base (subtype cards and the care guide, ``knowledge/data/care.yaml``),
each item with its sources. The plan never claims more than the evidence: the HSCT decision is the top
diagnosis's only when the genotype supports that diagnosis; otherwise it is ``unknown`` and the plan names the
test that would settle it (docs/care.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from marbledx._format import percent
from marbledx.findings import Case
from marbledx.knowledge import (
    OSTEOPETROSIS_SCOPE,
    CareFit,
    CareGuide,
    Entity,
    EntityGroup,
    HsctDecision,
    KnowledgeBase,
    Neuronopathy,
    Onset,
    OsteoclastStatus,
    RedFlag,
    SignSet,
    TreatmentPastWindow,
    TreatmentStance,
)
from marbledx.knowledge._care import GenotypeFound
from marbledx.ontology import Ontology
from marbledx.ranking import CaseResult, Diagnosis

__all__ = [
    "CARE_PARAMETERS",
    "CareItem",
    "CarePlan",
    "HsctAdvice",
    "LeadingOption",
    "SecondDiagnosis",
    "build_care_plan",
]

AgeBand = Literal["infant", "child", "adult"]
Urgency = Literal["urgent", "soon", "elective", "not_applicable", "unknown"]

# Decision thresholds (not clinical facts, policy of this tool; docs/care.md):
CARE_PARAMETERS = {
    # A diagnosis is a credible alternative when its posterior probability reaches this.
    "credible_probability": 0.10,
    # How many ranked diagnoses are looked at for alternatives.
    "alternatives_window": 5,
    # The genotype supports a diagnosis (and may settle its HSCT decision) only from this genotype likelihood
    # ratio: "strong" evidence on Jeffreys' scale of Bayes factors (10-100; Kass & Raftery 1995,
    # DOI:10.1080/01621459.1995.10476572). A variant of uncertain significance that moves the odds by 1.7
    # must not dismiss a curative, time-critical form.
    "genotype_support_lr": 10.0,
    # A second genotype-supported diagnosis is named only if one of the patient's findings points to it this
    # strongly (its per-finding LR, on the same Jeffreys scale): a finding it matches only weakly, or no finding,
    # is what a background variant gives (docs/care.md, "A second genotype-supported diagnosis").
    "second_diagnosis_finding_lr": 10.0,
}
_INFANT_DAYS = 365.25
_MONTH_DAYS = 365.25 / 12
_ADULT_DAYS = 18 * 365.25
_EARLY_ONSETS = {Onset.ANTENATAL, Onset.CONGENITAL, Onset.NEONATAL, Onset.INFANTILE}
# Findings that explain a seizure by low calcium rather than by primary neurodegeneration (reference §2.5).
_HYPOCALCAEMIA = ("HP:0002901", "HP:0002199")
_SEIZURE = "HP:0001250"
_HYPOCALCAEMIC_SEIZURES = "HP:0002199"
# Dense bone on imaging: increased bone mineral density (osteosclerosis, and osteopetrosis below it).
_DENSE_BONE = "HP:0011001"
# A calcium or vitamin D supplement is never advised while the patient's calcium is high (reference §3.1, §3.2).
_HYPERCALCAEMIA = "HP:0003072"
# Two or more molecular diagnoses (distinct loci) were found in 4.9% of the patients whom exome sequencing
# diagnosed (Posey et al., N Engl J Med 2017;376:21-31, DOI:10.1056/NEJMoa1516767): a second disorder that the
# genotype supports in another gene is not rare, and the plan says so.
_DUAL_DIAGNOSIS_SOURCES = ("DOI:10.1056/NEJMoa1516767",)
# The per-finding matches by which a diagnosis explains an observed finding (docs/engine.md): annotated at the
# term, below it, or at a term above it ("related" is a relative only, and explains nothing).
_EXPLAINING_MATCHES = frozenset({"exact", "implied", "specific"})


@dataclass(frozen=True)
class CareItem:
    """One test, treatment, monitoring item or red flag, with its sources."""

    name: str
    text: str
    sources: list[str]
    kind: str = ""  # test: genetic|confirmation|workup; treatment: its stance; red flag: its key
    genes: list[str] = field(default_factory=list)
    urgent: bool = False
    caveats: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # the patient's findings that show it (red flags)
    schedule: str | None = None  # monitoring
    interval_verified: bool = True  # monitoring intervals that are implementation defaults are False
    unverified: bool = False  # mentioned in public pages, evidence unverified: not a recommendation
    plain: str | None = None  # the same in plain words for the family summary

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class LeadingOption:
    """A credible diagnosis and its HSCT decision, shown when the decision is not settled."""

    disease_id: str
    label: str
    probability: float
    decision: str
    subtype: str | None


@dataclass(frozen=True)
class HsctAdvice:
    """JSON contract: ``{"decision", "reason", "urgency", "sources"}`` plus the context below."""

    decision: str
    reason: str
    urgency: Urgency
    sources: list[str]
    basis: str  # genotype_supported | uncertain | not_an_osteopetrosis_subtype
    urgent_because: list[str] = field(default_factory=list)
    options: list[LeadingOption] = field(default_factory=list)
    # The limit under which the decision holds while a work-up it depends on is not known: a curative CLCN7
    # ARO decision holds "if non-neuronopathic" until ERG and brain MRI are known (reference §1B OPTB4).
    condition: str | None = None
    # What to check before conditioning while HSCT is being considered, each with its sources (repeat radiographs
    # in an infant whose genotype supports no diagnosis: transient infantile osteopetrosis; reference §3.2).
    checks: list[CareItem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SecondDiagnosis:
    """A ranked diagnosis other than the plan's that the genotype supports in another gene (a possible dual
    molecular diagnosis). It informs and never decides: the plan's certainty and HSCT decision are the top
    diagnosis's (docs/care.md, "A second genotype-supported diagnosis")."""

    disease_id: str
    label: str
    genes: list[str]  # the genes of its qualifying variants, none of them a gene of the plan's diagnosis
    genotype_lr: float
    probability: float
    rank: int
    # The patient's observed findings it explains with strong evidence, "label (HP:id)" (_second_diagnoses).
    explains: list[str]
    note: str
    sources: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CarePlan:
    """The care plan for the (genotype-supported) top diagnosis of one case."""

    diagnosis_id: str | None
    diagnosis_label: str | None
    subtype: str | None
    probability: float
    certainty: str  # genotype_supported | uncertain
    certainty_note: str
    age_band: AgeBand
    hsct: HsctAdvice
    tests: list[CareItem]
    treatments: list[CareItem]
    monitoring: list[CareItem]
    red_flags: list[CareItem]
    prognosis: dict[str, Any] | None
    sources: list[str]
    # Other ranked diagnoses that the genotype supports in other genes; the plan covers its own diagnosis only.
    other_genotype_supported: list[SecondDiagnosis] = field(default_factory=list)
    # Without a given age: how the age band was assumed (a standing-out diagnosis's typical onset, or the default).
    age_band_note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "diagnosis_id": self.diagnosis_id,
            "diagnosis_label": self.diagnosis_label,
            "subtype": self.subtype,
            "probability": self.probability,
            "certainty": self.certainty,
            "certainty_note": self.certainty_note,
            "age_band": self.age_band,
            "age_band_note": self.age_band_note,
            "hsct": self.hsct.to_dict(),
            "tests": [t.to_dict() for t in self.tests],
            "treatments": [t.to_dict() for t in self.treatments],
            "monitoring": [m.to_dict() for m in self.monitoring],
            "red_flags": [r.to_dict() for r in self.red_flags],
            "prognosis": self.prognosis,
            "sources": self.sources,
            "other_genotype_supported": [o.to_dict() for o in self.other_genotype_supported],
        }


def _entity_of(kb: KnowledgeBase, diagnosis: Diagnosis) -> Entity | None:
    for disease_id in (diagnosis.disease_id, *diagnosis.same_as):
        entity = kb.for_disease_id(disease_id)
        if entity is not None:
            return entity
    return None


def _genotype_supported(diagnosis: Diagnosis) -> bool:
    # Qualifying alleles in a gene of the diagnosis that fit its mode, with strong evidence (CARE_PARAMETERS).
    return diagnosis.genotype_lr >= CARE_PARAMETERS["genotype_support_lr"] and bool(diagnosis.variants)


def _candidate(diagnosis: Diagnosis) -> bool:
    """Qualifying variants that fit the diagnosis's mode (genotype LR above 1), short of genotype support."""
    return bool(diagnosis.variants) and diagnosis.genotype_lr > 1.0 and not _genotype_supported(diagnosis)


def _candidate_confirmation(candidates: list[Diagnosis], guide: CareGuide) -> list[CareItem]:
    """The confirmation items (care guide ``confirmation``) for variants that fit a leading diagnosis's mode but do
    not reach genotype support: the VCF found them, so the step is to confirm and segregate them."""
    items: list[CareItem] = []
    threshold = CARE_PARAMETERS["genotype_support_lr"]
    for diagnosis in candidates:
        found = _variant_genes(diagnosis)
        lead = (
            f"The VCF shows variants in {', '.join(found)} that fit the mode of {diagnosis.label} (genotype "
            f"likelihood ratio {diagnosis.genotype_lr:.3g}, below the {threshold:g} that settles the diagnosis). "
        )
        for c in guide.confirmation:
            if c.unverified or (c.genes and not set(c.genes) & set(found)):
                continue
            item = CareItem(
                "Confirm the variants", lead + c.text, list(c.sources), kind="confirmation", genes=found
            )
            if all((i.text, i.genes) != (item.text, item.genes) for i in items):
                items.append(item)
            lead = ""  # said once, on the diagnosis's first item
    return items


def _variants_text(diagnosis: Diagnosis) -> str:
    """The diagnosis's qualifying variants in a few words: gene, cDNA change (or position) and genotype."""
    words = []
    for v in diagnosis.variants:
        change = v.get("hgvs_c") or f"{v.get('chrom')}:{v.get('pos')} {v.get('ref')}>{v.get('alt')}"
        genotype = str(v.get("genotype") or "")
        alleles = genotype.replace("|", "/").split("/")
        zygosity = (
            "homozygous"
            if _homozygous(genotype)
            else "hemizygous"
            if len(alleles) == 1 and alleles[0] not in ("", "0", ".")
            else "heterozygous"
            if "0" in alleles
            else f"genotype {genotype}"
            if genotype
            else ""
        )
        words.append(" ".join(w for w in (str(v.get("gene")), str(change), zygosity) if w))
    return ", ".join(words)


def _parents_aim(diagnosis: Diagnosis, found: GenotypeFound) -> str:
    """What the parents' results show for the genotype found: the phase of two heterozygous alleles, that each
    parent carries a homozygous allele, or whether a single allele was inherited or arose de novo (ACMG PM3,
    PS2/PM6; PMID:25741868)."""
    genotypes = [str(v.get("genotype") or "") for v in diagnosis.variants]
    if any(_homozygous(g) for g in genotypes):
        return found.homozygous
    return found.phase if len(genotypes) > 1 else found.single


def _homozygous(genotype: str) -> bool:
    """A diploid call with two copies of the alternate allele (``1/1``, ``1|1``); not a hemizygous ``1``."""
    alleles = genotype.replace("|", "/").split("/")
    return len(alleles) == 2 and alleles[0] == alleles[1] and alleles[0] not in ("0", ".")


def _variant_genes(diagnosis: Diagnosis) -> list[str]:
    """The genes of the diagnosis's qualifying variants, in their order."""
    return list(dict.fromkeys(str(v["gene"]) for v in diagnosis.variants if v.get("gene")))


def _second_diagnoses(result: CaseResult, rivals: list[Diagnosis], certainty: str) -> list[SecondDiagnosis]:
    """The ranked diagnoses, best first, that the genotype supports (the rule of :func:`_genotype_supported`) in
    genes other than those of the plan's top diagnosis: possible second molecular diagnoses (about 5% of exome
    diagnoses, Posey 2017, DOI:10.1056/NEJMoa1516767).

    Only when the top diagnosis has genotype support itself. A rival (another leading option that the genotype
    supports with another HSCT decision) is reported as such, and so is its gene; the other reading of the same
    gene (biallelic CLCN7 read as ADO2) is the same finding, never a second diagnosis. A record hidden behind a
    shown one (``same_as``) is listed once. A diagnosis is listed only if it explains one of the patient's
    observed findings (an exact, implied or specific match) with strong evidence (per-finding LR at least
    ``second_diagnosis_finding_lr``): the genotype alone does not make it this patient's.
    """
    top = result.diagnoses[0]
    if not _genotype_supported(top):
        return []
    taken = set(_variant_genes(top)) | {g for d in rivals for g in _variant_genes(d)}
    seen = {i for d in (top, *rivals) for i in (d.disease_id, *d.same_as)}
    if certainty == "genotype_supported":
        covers = f"This care plan covers {top.label} only"
    else:
        # The genotype supports the top diagnosis but does not settle the plan (a rival reading): not "settled".
        covers = "This care plan is for the leading options, which the genotype does not tell apart yet"
    found = []
    for diagnosis in result.diagnoses[1:]:
        ids = {diagnosis.disease_id, *diagnosis.same_as}
        genes = _variant_genes(diagnosis)
        if not _genotype_supported(diagnosis) or ids & seen or not genes or taken & set(genes):
            continue
        seen |= ids
        explains = [
            f"{e.label} ({e.hpo_id})"
            for e in diagnosis.evidence
            if e.status == "observed"
            and e.match in _EXPLAINING_MATCHES
            and e.lr >= CARE_PARAMETERS["second_diagnosis_finding_lr"]
        ]
        if not explains:
            # A genotype that fits a disease none of the patient's findings points to is what one background
            # variant in an exome gives: a heterozygous NSD1 missense reached the genotype threshold for Sotos
            # syndrome, which "explains" distal RTA through renal tubular acidosis with LR 1.09. It is not
            # offered as a diagnosis of this patient.
            continue
        note = (
            f"{covers}; the genotype also supports {diagnosis.label} ({', '.join(genes)}, another gene), a "
            "second diagnosis that needs its own specialist assessment and care (two or more molecular "
            "diagnoses are found in about 5% of patients diagnosed by exome sequencing)."
        )
        found.append(
            SecondDiagnosis(
                disease_id=diagnosis.disease_id,
                label=diagnosis.label,
                genes=genes,
                genotype_lr=diagnosis.genotype_lr,
                probability=diagnosis.probability,
                rank=diagnosis.rank,
                explains=explains,
                note=note,
                sources=list(_DUAL_DIAGNOSIS_SOURCES),
            )
        )
    return found


class _Patient:
    """The case's observed findings, matched against rule terms through the ontology (descendants count)."""

    def __init__(self, case: Case, ontology: Ontology) -> None:
        self.ontology = ontology
        self.observed = [t for t in case.observed if t in ontology]
        self.excluded = {t for t in case.excluded if t in ontology}
        self._ancestors = {t: ontology.ancestors(t, include_self=True) for t in self.observed}

    def matching(self, rule_terms: list[str]) -> list[str]:
        """The patient's terms that are one of ``rule_terms`` or below one."""
        wanted = set(rule_terms)
        return [t for t in self.observed if self._ancestors[t] & wanted]

    def has(self, term: str) -> bool:
        return bool(self.matching([term]))

    def rules_out(self, term: str) -> bool:
        """The findings exclude ``term``: it, or a term above it, is excluded (no abnormal retina, no
        retinal degeneration)."""
        return term in self.ontology and bool(
            self.excluded & self.ontology.ancestors(term, include_self=True)
        )

    @property
    def hypocalcaemic(self) -> bool:
        """Low calcium is among the findings (hypocalcaemia, or hypocalcaemic seizures as such)."""
        return any(self.has(t) for t in _HYPOCALCAEMIA)

    def _seizures(self) -> list[str]:
        return self.matching([_SEIZURE])

    def unexplained(self, rule_terms: list[str]) -> list[str]:
        """:meth:`matching`, without the seizures that low calcium explains: a seizure with hypocalcaemia is no
        evidence of primary neurological disease (reference §2.4, §2.5 item 2: "seizures without
        hypocalcaemia")."""
        found = self.matching(rule_terms)
        if not self.hypocalcaemic:
            return found
        seizures = set(self._seizures())
        return [t for t in found if t not in seizures]

    def signs(self, rule_terms: list[str]) -> list[str]:
        """:meth:`matching`, reading a seizure with low calcium as the hypocalcaemic seizure it is (HP:0002199):
        the calcium often comes from the laboratory and the seizure from the clinician."""
        found = self.matching(rule_terms)
        if _HYPOCALCAEMIC_SEIZURES in rule_terms and self.hypocalcaemic:
            found.extend(t for t in self._seizures() if t not in found)
        return found

    def labels(self, terms: list[str]) -> list[str]:
        return [f"{self.ontology.label(t)} ({t})" for t in terms]


def _stands_out(diagnosis: Diagnosis) -> bool:
    """The diagnosis stands out: the genotype supports it, or its posterior reaches the credible level (the level
    at which the reports call it more than one option among many; report/_family.py)."""
    return _genotype_supported(diagnosis) or diagnosis.probability >= CARE_PARAMETERS["credible_probability"]


def _infantile_only(entity: Entity) -> bool:
    """Whether every typical onset of the entity's verified onset fact begins in infancy or before."""
    onset = entity.onset
    return onset is not None and not onset.unverified and set(onset.typical) <= _EARLY_ONSETS


def _age_band(case: Case, top: Diagnosis, entity: Entity | None) -> tuple[AgeBand, str | None]:
    """The patient's age band, and, when the age is not given, how it was assumed.

    Without an age, the top diagnosis's typical onset stands in for it only when that diagnosis stands out
    (:func:`_stands_out`): an infant whose top option was SLC4A2 osteopetrosis (adult onset) at 1.1% got adult
    monitoring (CLCN7_HumGenet2003-IARO-patientA). Otherwise the band is the default, a child.
    """
    if case.age_days is not None:
        if case.age_days < _INFANT_DAYS:
            return "infant", None
        return ("child" if case.age_days < _ADULT_DAYS else "adult"), None
    name = entity.key if entity is not None else top.disease_id
    if not _stands_out(top):
        return "child", (
            f"No age was given, and the top diagnosis ({name}, {percent(top.probability)}) does not stand out (no "
            "genotype support, posterior below "
            f"{percent(CARE_PARAMETERS['credible_probability'])}), so its typical onset does not set the age "
            "band: the child band is assumed (the default)."
        )
    if entity is not None and entity.onset is not None:
        onsets = set(entity.onset.typical)
        band: AgeBand
        if onsets & _EARLY_ONSETS:
            band = "infant"
        elif onsets & {Onset.CHILDHOOD, Onset.JUVENILE}:
            band = "child"
        else:
            band = "adult"
        words = ", ".join(o.value for o in entity.onset.typical)
        return (
            band,
            f"No age was given: the {band} band is assumed from the typical onset of {name} ({words}).",
        )
    return "child", (
        f"No age was given, and {name} has no typical onset in the knowledge base: the child band is assumed "
        "(the default)."
    )


def _neuro_signs(patient: _Patient, guide: CareGuide) -> list[str]:
    # A seizure with low calcium is not evidence of primary neurodegeneration.
    return patient.unexplained(guide.neuronopathic_signs.hpo_ids)


def _neuro_flags(patient: _Patient, guide: CareGuide) -> list[str]:
    """Neurological signs that raise, but cannot establish, a neuronopathic form (seizure, abnormal tone)."""
    if guide.neuronopathic_flags is None:
        return []
    # A seizure with low calcium is not evidence of primary neurodegeneration.
    return patient.unexplained(guide.neuronopathic_flags.hpo_ids)


_GROUP_WORDS = {
    EntityGroup.SCLEROSING_DISORDER: "a genetic sclerosing bone disorder",
    EntityGroup.ACQUIRED: "an acquired or other cause of dense bone",
}


def _decision_words(entity: Entity | None, decision: str) -> str:
    """An option's HSCT decision as the plan's reason names it: a card without an HSCT rule says so, and a
    curative decision for a subtype with a neuronopathic subset says that it holds for the other form only
    (HSCT does not help the neuronopathic form; reference §1B and §3.2, Blood Adv 2017;1(4):279)."""
    if entity is None or entity.hsct is None:
        return "no HSCT rule"
    # The reason is prose for people (JSON, reports, pages): "not standard", not the value "not_standard".
    words = decision.replace("_", " ")
    if (
        decision == HsctDecision.CURATIVE.value
        and entity.neuronopathic is not None
        and entity.neuronopathic.neuronopathic is Neuronopathy.SUBSET
    ):
        return f"{words} if not the neuronopathic form"
    return words


def _subset_neuronopathic(entity: Entity | None) -> bool:
    """HSCT cures the form but not its neuronopathic subset (CLCN7 ARO, OPTB4; reference §1B)."""
    return (
        entity is not None
        and entity.hsct is not None
        and entity.hsct.decision is HsctDecision.CURATIVE
        and entity.neuronopathic is not None
        and entity.neuronopathic.neuronopathic is Neuronopathy.SUBSET
    )


def _decision_of(
    entity: Entity | None, neuro: list[str], flags: Sequence[str] = ()
) -> tuple[str, str, list[str]]:
    """(decision, reason, sources) of one entity for this patient."""
    if entity is None:
        return HsctDecision.UNKNOWN.value, "Not in the knowledge base, so no HSCT rule applies", []
    if entity.hsct is None:
        # A differential card (reference §6): in the knowledge base, but not an osteopetrosis subtype.
        return (
            HsctDecision.UNKNOWN.value,
            f"{entity.name} is {_GROUP_WORDS.get(entity.group, 'a card')} in the knowledge base, a differential "
            "diagnosis of osteopetrosis and not an osteopetrosis subtype; its sources give no HSCT rule",
            [],
        )
    hsct = entity.hsct
    subset_neuronopathic = _subset_neuronopathic(entity)
    if subset_neuronopathic and flags and not neuro:
        # A seizure or abnormal tone in a sick infant is often hypocalcaemic or non-specific: the work-up
        # (brain MRI, ERG, EEG, calcium) tells the neuronopathic form apart before HSCT is decided (reference
        # §2.4; Blood Adv 2017;1(4):279). It must not close the window of a curative form on its own.
        return (
            HsctDecision.UNKNOWN.value,
            "Neurological signs raise the neuronopathic form, in which HSCT does not help the brain disease; "
            "brain MRI, ERG and EEG (and calcium) decide it before HSCT. Until then the curative form stays "
            "possible.",
            ["ref:blood-adv-2017-ostm1"],
        )
    if subset_neuronopathic and neuro:
        # Neuronopathic CLCN7: the card's 'not recommended' treatment line is the rule for this patient.
        rule = next(
            (
                t
                for t in entity.treatments
                if t.stance is TreatmentStance.NOT_RECOMMENDED and not t.unverified
            ),
            None,
        )
        if rule is not None:
            return (
                HsctDecision.NOT_RECOMMENDED.value,
                f"Primary neurological signs suggest the neuronopathic form: {rule.text}",
                list(rule.sources),
            )
    if hsct.unverified:
        return HsctDecision.UNKNOWN.value, hsct.reason, list(hsct.sources)
    return hsct.decision.value, hsct.reason, list(hsct.sources)


def _time_critical(entity: Entity | None, decision: str) -> bool:
    """HSCT is curative and early HSCT matters, or would be once the neurological work-up rules out the
    neuronopathic form (the decision is then ``unknown`` but the window is the same)."""
    if entity is None or entity.hsct is None or not entity.hsct.urgent:
        return False
    if decision == HsctDecision.CURATIVE.value:
        return True
    return (
        decision == HsctDecision.UNKNOWN.value
        and entity.hsct.decision is HsctDecision.CURATIVE
        and not entity.hsct.unverified
    )


def _options(
    result: CaseResult,
    kb: KnowledgeBase,
    neuro: list[str],
    flags: Sequence[str] = (),
    band: AgeBand | None = None,
    age_known: bool = True,
    dense_bone: bool = False,
) -> list[tuple[Diagnosis, Entity | None, str]]:
    """The top diagnosis, the credible alternatives, and, for a child or an infant, every form in the window
    whose HSCT is curative and time-critical, whatever its posterior.

    Phenotype posteriors are not calibrated well enough to dismiss such a form: on phenopacket-store, a
    diagnosis ranked first with posterior >= 0.9 was correct in 76% of cases (docs/care.md), and missing
    the window for HSCT costs vision (Driessen 2003, DOI:10.1038/sj.bmt.1704194). An adult is past that
    window, and adult osteopetrosis is dominant (ADO2); adult-onset recessive disease is exceptional
    (reference §7.1 item 8): there such a form is an option only when it is credible on its own. Only an age
    that is given makes the patient an adult: the band of a case without an age is the typical onset of its top
    diagnosis, which (uncertain as it is) must not dismiss a curative form.
    """
    keep_time_critical = band != "adult" or not age_known
    size = int(CARE_PARAMETERS["alternatives_window"])
    window = result.diagnoses[:size]
    options = []
    taken: set[str] = set()
    for rank, diagnosis in enumerate(window):
        entity = _entity_of(kb, diagnosis)
        decision = _decision_of(entity, neuro, flags)[0]
        if (
            rank == 0
            or diagnosis.probability >= CARE_PARAMETERS["credible_probability"]
            or (keep_time_critical and _time_critical(entity, decision))
        ):
            options.append((diagnosis, entity, decision))
            taken.add(entity.key if entity is not None else diagnosis.disease_id)
    # An infant whose differential (not settled by a genotype) already holds an osteopetrosis subtype: the ARO
    # subtypes share most findings and are told apart by the gene (reference §1B, §2.5 item 1), so a form for
    # which early HSCT is curative stays an option wherever the findings rank it. A newborn with the full ARO
    # picture ranked TCIRG1 osteopetrosis, about half of all ARO, 8th at 2% (its annotated onset is infantile),
    # and the plan named CLCN7, TNFRSF11A and SNX10 but not TCIRG1 as the genes that settle the decision.
    # The same for an infant whose bones are dense (increased bone density, osteosclerosis or osteopetrosis), whatever
    # leads: osteopetrosis is a radiographic diagnosis (Wu 2017, PMID:28655174), and dense bone with cytopenias and
    # hepatosplenomegaly in an infant is the ARO picture (reference §2.5 item 1). A 4-month-old with dense bones,
    # pancytopenia and hepatosplenomegaly led with Majeed syndrome at 12%, no ARO form in the top 5, and the plan
    # named no osteopetrosis gene (s40).
    if (
        band == "infant"
        and keep_time_critical
        and not _genotype_supported(result.diagnoses[0])
        and (
            dense_bone
            or any(
                e is not None and e.hsct is not None and e.group is EntityGroup.OSTEOPETROSIS
                for _, e, _ in options
            )
        )
    ):
        for diagnosis in result.diagnoses[size:]:
            entity = _entity_of(kb, diagnosis)
            decision = _decision_of(entity, neuro, flags)[0]
            if entity is not None and entity.key not in taken and _time_critical(entity, decision):
                options.append((diagnosis, entity, decision))
                taken.add(entity.key)
    return options


def _hsct_advice(
    result: CaseResult,
    kb: KnowledgeBase,
    patient: _Patient,
    guide: CareGuide,
    band: AgeBand,
    age_days: float | None = None,
) -> tuple[HsctAdvice, str, str, list[Diagnosis]]:
    """The HSCT advice, the plan's certainty class, its explanation, and the rival options (other leading
    options that the genotype supports with another decision). ``age_days`` is the given age (None: not given)."""
    top = result.diagnoses[0]
    entity = _entity_of(kb, top)
    neuro = _neuro_signs(patient, guide)
    flags = _neuro_flags(patient, guide)
    options = _options(result, kb, neuro, flags, band, age_days is not None, patient.has(_DENSE_BONE))
    decision, reason, sources = _decision_of(entity, neuro, flags)
    # A seizure with low calcium counts as the hypocalcaemic seizure it is (the laboratory gives the calcium).
    urgency_signs = [
        (sign, patient.signs(sign.hpo_ids))
        for sign in guide.hsct_urgency_signs
        if patient.signs(sign.hpo_ids)
    ]
    urgent_because = [
        f"{_sign_text(sign, patient, band)} Present: {', '.join(patient.labels(found))}."
        for sign, found in urgency_signs
    ]
    urgency_sources = sorted({s for sign, _ in urgency_signs for s in sign.sources})
    agree = all(option_decision == decision for _, _, option_decision in options)
    # Another leading option that the genotype supports as well, with another decision: the genotype does not
    # settle it (biallelic CLCN7 fits recessive CLCN7 osteopetrosis and, read as dominant, ADO2).
    rivals = [
        d for d, _, option_decision in options[1:] if _genotype_supported(d) and option_decision != decision
    ]
    if _genotype_supported(top) and not rivals:
        certainty = "genotype_supported"
        note = (
            f"The top diagnosis is supported by the genotype (genotype likelihood ratio {top.genotype_lr:.3g}) "
            f"and has posterior probability {percent(top.probability)}."
        )
    else:
        # The findings alone never settle the decision (issue 5; docs/care.md): the subtypes that decide it
        # share most findings, and the posterior is not calibrated enough to stand in for a genotype. Nor does
        # a genotype that supports rival options.
        certainty = "uncertain"
        note = (
            f"The top of the differential has posterior probability {percent(top.probability)} (marbledx's "
            "estimate) and is "
            + (
                "supported by the genotype, but so is "
                + ", ".join(f"{d.label} ({percent(d.probability)})" for d in rivals)
                + ", with another HSCT decision"
                if rivals
                else "not confirmed by the genotype"
                + ("; the leading options differ in their HSCT decision" if not agree else "")
            )
            + ". The tests below would settle it."
        )
    leading = [
        LeadingOption(d.disease_id, d.label, d.probability, option_decision, e.key if e else None)
        for d, e, option_decision in options
    ]
    if (
        (entity is None or entity.group is not EntityGroup.OSTEOPETROSIS)
        and certainty != "uncertain"
        and decision == HsctDecision.UNKNOWN.value
    ):
        basis = "not_an_osteopetrosis_subtype"
    else:
        basis = certainty
    if certainty == "uncertain":
        curative_urgent = [e for _, e, option_decision in options if _time_critical(e, option_decision)]
        urgency: Urgency = "urgent" if curative_urgent and (band == "infant" or urgency_signs) else "unknown"
        summary = "; ".join(
            f"{o.subtype or o.disease_id} ({o.label}): {_decision_words(e, o.decision)}, {percent(o.probability)}"
            for o, (_, e, _) in zip(leading, options, strict=True)
        )
        # Where no leading diagnosis has an HSCT rule (differential cards, diseases outside the knowledge base),
        # there is no decision to settle.
        no_rule = all(e is None or e.hsct is None for _, e, _ in options)
        reason_text = f"No HSCT rule applies: {summary}." if no_rule else f"Not settled: {summary}."
        # Each option's decision comes from its card.
        sources = sorted({s for _, e, _ in options if e is not None and e.hsct for s in e.hsct.sources})
        if urgency == "urgent" and band == "infant":
            reason_text += (
                " A form for which early HSCT is curative is possible, so the genetic diagnosis is urgent: "
                "vision is better preserved when HSCT is done before 3 months of age"
                # Past that age the window cannot be met: said so, not offered as a timing (reference §3.2).
                + (
                    "; that age has passed, and neurosensory deficits already present are generally not "
                    "reversible."
                    if _past_months(age_days, _VISION_WINDOW_MONTHS)
                    else "."
                )
            )
            sources = sorted({*sources, *urgency_sources, "DOI:10.1038/sj.bmt.1704194", "PMID:9849690"})
        elif urgency == "urgent":
            # The infant window does not apply; the patient's own signs make the timing matter.
            reason_text += (
                " A form for which HSCT is curative is possible and the patient shows signs that get worse "
                "while it waits, so the genetic diagnosis is urgent."
            )
            sources = sorted({*sources, *urgency_sources, "DOI:10.1038/sj.bmt.1704194", "PMID:9849690"})
        return (
            HsctAdvice(
                decision=HsctDecision.UNKNOWN.value,
                reason=reason_text,
                urgency=urgency,
                sources=sources,
                basis=basis,
                # The signs say why the timing matters only where a form that HSCT cures in time is possible.
                urgent_because=urgent_because if urgency == "urgent" else [],
                options=leading,
            ),
            certainty,
            note,
            rivals,
        )
    # The card's reason and urgency worded for the patient's given age: past the window the reason names, and
    # for an adult, for whom the sources give no time-critical window (care.yaml hsct_reason_windows, hsct_in_adults).
    reason, timing_sources = _timed_reason(entity, decision, reason, guide, band, age_days)
    sources = [*sources, *(s for s in timing_sources if s not in sources)]
    urgency = _urgency(entity, decision, band, bool(urgency_signs))
    adult = guide.hsct_in_adults
    if (
        urgency == "soon"
        and adult is not None
        and not adult.unverified
        and band == "adult"
        and age_days is not None
        and _time_critical(entity, decision)
    ):
        urgency = adult.urgency
    condition = None
    workup = guide.neuronopathic_workup
    if (
        workup is not None
        and not workup.unverified
        and decision == HsctDecision.CURATIVE.value
        and _subset_neuronopathic(entity)
    ):
        # The genotype settles CLCN7 ARO but not which form: HSCT is curative only for the non-neuronopathic one
        # (reference §1B OPTB4), so the decision says so until ERG and brain MRI are known. The urgency stays:
        # the work-up is as urgent as the transplant would be.
        if all(patient.rules_out(t) for t in workup.hpo_ids):
            reason = f"{workup.done} {reason}"
        else:
            condition = workup.condition
            reason = f"{workup.pending} {reason}"
        sources = [*sources, *workup.sources]
    return (
        HsctAdvice(
            decision=decision,
            reason=reason,
            urgency=urgency,
            sources=sorted({*sources, *(urgency_sources if urgency in ("urgent", "soon") else [])}),
            basis=basis,
            urgent_because=urgent_because if urgency in ("urgent", "soon") else [],
            options=leading,
            condition=condition,
        ),
        certainty,
        note,
        rivals,
    )


# Vision was better preserved when HSCT was done before 3 months of age (Driessen 2003, DOI:10.1038/sj.bmt.1704194;
# reference §3.2): the window that the infant wording names.
_VISION_WINDOW_MONTHS = 3.0


def _past_months(age_days: float | None, months: float) -> bool:
    """The given age is ``months`` or more (an age that is not given is not known to be past it)."""
    return age_days is not None and age_days >= months * _MONTH_DAYS


def _timed_reason(
    entity: Entity | None,
    decision: str,
    reason: str,
    guide: CareGuide,
    band: AgeBand,
    age_days: float | None,
) -> tuple[str, list[str]]:
    """The HSCT reason of a settled curative decision worded for the patient's given age, and the sources it adds.

    A 25-year-old with two pathogenic TCIRG1 variants read "vision is better preserved when it is done before 3
    months of age". Past the window a card's reason names, the care guide's wording for that card stands instead;
    an adult's reason of a time-critical form ends with what the sources say at that age (reference §1B IAO,
    §3.2). Without a given age the card's reason stands.
    """
    if entity is None or decision != HsctDecision.CURATIVE.value or age_days is None:
        return reason, []
    adult = guide.hsct_in_adults
    for_adult = (
        adult is not None and not adult.unverified and band == "adult" and _time_critical(entity, decision)
    )
    added: list[str] = []
    for wording in guide.hsct_reason_windows:
        if (
            not wording.unverified
            and any(f.scope == entity.key for f in wording.fits)
            and _past_months(age_days, wording.window_months)
        ):
            reason = wording.adult_reason if for_adult and wording.adult_reason else wording.reason
            added.extend(wording.sources)
            break
    if for_adult and adult is not None:
        reason = f"{reason} {adult.text}"
        added.extend(adult.sources)
    return reason, added


def _sign_text(sign: SignSet, patient: _Patient, band: AgeBand) -> str:
    """How an urgency sign reads for this patient: a loss that is complete (blindness) is not one that HSCT can
    still stop (neurosensory deficits are generally not reversible, PMID:9849690), and the first-months window
    is not the reason after infancy."""
    if sign.text_when_lost is not None and patient.matching(sign.lost_ids):
        return sign.text_when_lost
    if band != "infant" and sign.text_after_infancy:
        return sign.text_after_infancy
    return sign.text


def _urgency(entity: Entity | None, decision: str, band: AgeBand, signs: bool) -> Urgency:
    if decision == HsctDecision.CURATIVE.value:
        return "urgent" if _time_critical(entity, decision) and (band == "infant" or signs) else "soon"
    if decision == HsctDecision.PARTIAL.value:
        return "elective"
    if decision == HsctDecision.UNKNOWN.value:
        # A curative form waiting for its neurological work-up: the work-up is as urgent as the HSCT would be.
        return "urgent" if _time_critical(entity, decision) and (band == "infant" or signs) else "unknown"
    return "not_applicable"


def _osteopetrosis_care(entity: Entity) -> bool:
    """Whether the care guide's osteopetrosis rules fit this card: a form of osteopetrosis, not a syndrome whose
    dense bone is one feature (the card's ``osteopetrosis_role``), nor a form whose osteoclasts work.

    The guide's red flags, monitoring and treatments are the consequences of failed bone resorption: marrow
    failure, hypocalcaemia, cranial-nerve compression (reference §2.4, §2.6, §3). LRP5 high bone mass (ADO1) is
    not an osteoclast defect, probably not a true osteopetrosis (Whyte 1996, DOI:10.1002/jbmr.5650111010),
    and had no fractures in 0/10 (PMID:12579474): none of them is sourced for it.
    """
    if entity.group is not EntityGroup.OSTEOPETROSIS or entity.is_syndrome:
        return False
    osteoclasts = entity.osteoclasts
    return not (
        osteoclasts is not None
        and not osteoclasts.unverified
        and osteoclasts.status is OsteoclastStatus.NOT_OSTEOCLAST_DEFECT
    )


def _osteopetrosis_outside(diagnosis: Diagnosis, kb: KnowledgeBase) -> bool:
    """A diagnosis without a card of its own that is osteopetrosis: an umbrella entry that osteopetrosis cards
    name (ORPHA:667, autosomal recessive malignant osteopetrosis), or a disorder its own name calls so."""
    forms = [e for e in kb.subtypes if _osteopetrosis_care(e)]
    for disease_id in (diagnosis.disease_id, *diagnosis.same_as):
        if any(disease_id in e.disease_ids for e in forms):
            return True
    return "osteopetrosis" in diagnosis.label.lower()


def _care_scopes(
    result: CaseResult, kb: KnowledgeBase, options: list[LeadingOption], certainty: str
) -> tuple[set[str], list[Entity]]:
    """Which care the plan gives: the scopes of the care guide's items (``osteopetrosis`` and entity keys) that
    fit the plan's diagnoses, and the cards outside the osteopetrosis care among them.

    A genotype-supported plan is for its diagnosis; otherwise for every leading option, so the care of a form
    that is still possible (a curative ARO form kept for its window) is not dropped.
    """
    chosen = options[:1] if certainty == "genotype_supported" else options
    by_id = {d.disease_id: d for d in result.diagnoses}
    scopes: set[str] = set()
    others: list[Entity] = []
    for option in chosen:
        entity = kb.get(option.subtype) if option.subtype else None
        diagnosis = by_id.get(option.disease_id)
        if entity is not None:
            scopes.add(entity.key)
            if _osteopetrosis_care(entity):
                scopes.add(OSTEOPETROSIS_SCOPE)
            elif entity not in others:
                others.append(entity)
        elif diagnosis is not None and _osteopetrosis_outside(diagnosis, kb):
            scopes.add(OSTEOPETROSIS_SCOPE)
    return scopes, others


def _care_of_a_diagnosis(
    scopes: set[str], result: CaseResult, kb: KnowledgeBase, options: list[LeadingOption], certainty: str
) -> set[str]:
    """The scopes of the treatments and the monitoring: the care of a disease the patient is thought to have.

    The osteopetrosis care (reference §2.6, §3) is for a form of osteopetrosis that the genotype supports, that
    leads the ranking, or that is credible on its own (``credible_probability``). A curative form kept as an
    option only for its window (1.3% beside Gaucher disease at 4.3%, s40) keeps its work-up, its red flags and its
    test, which tell it apart, but not interferon gamma, calcitriol or post-HSCT calcium checks, which are the
    treatment and follow-up of a diagnosis the ranking does not make.
    """
    if OSTEOPETROSIS_SCOPE not in scopes or certainty == "genotype_supported":
        return scopes
    by_id = {d.disease_id: d for d in result.diagnoses}
    for index, option in enumerate(options):
        if index > 0 and option.probability < CARE_PARAMETERS["credible_probability"]:
            continue
        entity = kb.get(option.subtype) if option.subtype else None
        diagnosis = by_id.get(option.disease_id)
        if (entity is not None and _osteopetrosis_care(entity)) or (
            entity is None and diagnosis is not None and _osteopetrosis_outside(diagnosis, kb)
        ):
            return scopes
    return scopes - {OSTEOPETROSIS_SCOPE}


@dataclass(frozen=True)
class _Fit:
    """How a care item reads in this plan: its sources, and its wording for the entity it fits."""

    sources: list[str]
    text: str | None
    plain: str | None


def _fit(sources: list[str], fits: list[CareFit], scopes: set[str]) -> _Fit | None:
    """The item as it fits this plan's scopes, or None when it fits none of them (docs/care.md)."""
    matching = [f for f in fits if f.scope in scopes]
    if not matching:
        return None
    # The item's own sources back the osteopetrosis scope, and an entity fit that brings none of its own.
    own = any(f.scope == OSTEOPETROSIS_SCOPE or not f.sources for f in matching)
    found = list(sources) if own else []
    for f in matching:
        found.extend(s for s in f.sources if s not in found)
    if any(f.scope == OSTEOPETROSIS_SCOPE for f in matching):
        return _Fit(found, None, None)
    texts = list(dict.fromkeys(f.text for f in matching if f.text))
    plain = next((f.plain for f in matching if f.plain), None)
    return _Fit(found, "; ".join(texts) or None, plain)


def _pointers(entities: list[Entity]) -> list[CareItem]:
    """For each leading card outside the osteopetrosis care: the findings that tell it apart (its card's
    distinguishing features, reference §1B and §6), as the work-up that confirms or excludes it."""
    items = []
    for entity in entities:
        features = [f for f in entity.distinguishing_features if not f.unverified]
        if not features:
            continue
        items.append(
            CareItem(
                f"Findings that point to {entity.name}",
                " ".join(f.text if f.text.endswith(".") else f"{f.text}." for f in features),
                sorted({s for f in features for s in f.sources}),
                kind="workup",
            )
        )
    return items


# How the genotype evidence names the genes of a diagnosis that a targeted VCF has no records in (its note,
# genotype/_interpret.py: "…; the VCF does not cover CLCN7, SNX10").
_NOT_COVERED = "the VCF does not cover "


def _uncovered_genes(diagnoses: list[Diagnosis]) -> list[str]:
    """The genes of ``diagnoses`` that the analysed VCF does not cover, in their order (from the genotype notes)."""
    genes: list[str] = []
    for diagnosis in diagnoses:
        note = diagnosis.genotype_note or ""
        if _NOT_COVERED not in note:
            continue
        listed = note.split(_NOT_COVERED, 1)[1].split(";", 1)[0]
        genes.extend(g for g in (x.strip() for x in listed.split(",")) if g and g not in genes)
    return genes


def _tests(
    result: CaseResult,
    kb: KnowledgeBase,
    patient: _Patient,
    guide: CareGuide,
    band: AgeBand,
    certainty: str,
    neuronopathic_possible: bool,
    hsct_possible: bool,
    options: list[LeadingOption],
    scopes: set[str],
    others: list[Entity],
    age_days: float | None = None,
    hsct_urgency: Urgency = "unknown",
) -> list[CareItem]:
    items: list[CareItem] = []
    top = result.diagnoses[0]
    found = guide.genotype_found if guide.genotype_found and not guide.genotype_found.unverified else None
    # The genes the VCF has answered for: those of the top diagnosis's qualifying variants, and its own genes.
    answered_genes: list[str] = []
    if _genotype_supported(top):
        entity = _entity_of(kb, top)
        answered_genes = list(
            dict.fromkeys([*_variant_genes(top), *top.genes, *(entity.gene_symbols if entity else [])])
        )
        # Also when rival options share the genotype: confirmation and the parents' segregation settle it. It is
        # urgent where the HSCT decision waits on it (reference §2.5 item 1, §2.6, §3.2).
        urgent = hsct_possible and hsct_urgency == "urgent"
        for c in guide.confirmation:
            if c.unverified or (c.genes and not set(c.genes) & set(answered_genes)):
                continue
            if found is not None and not c.genes:
                # The general step, worded for the genotype found (docs/care.md, "Tests").
                text = " ".join(
                    [
                        found.lead.format(
                            diagnosis=top.label, variants=_variants_text(top), lr=f"{top.genotype_lr:.3g}"
                        ),
                        found.confirm,
                        _parents_aim(top, found),
                        *([found.urgent] if urgent else []),
                    ]
                )
                cited = [*found.sources, *(found.urgent_sources if urgent else [])]
                items.append(
                    CareItem(
                        "Confirm the variants",
                        text,
                        list(dict.fromkeys(cited)),
                        kind="confirmation",
                        genes=answered_genes,
                        urgent=urgent,
                    )
                )
            else:
                items.append(
                    CareItem(
                        "Confirm the variants", c.text, list(c.sources), kind="confirmation", genes=top.genes
                    )
                )
    if certainty != "genotype_supported":
        option_ids = {o.disease_id for o in options}
        leading = [d for d in result.diagnoses if d.disease_id in option_ids]
        genes: list[str] = []
        sources: list[str] = []
        for diagnosis in leading:
            entity = _entity_of(kb, diagnosis)
            for gene in entity.gene_symbols if entity else diagnosis.genes:
                if gene not in genes:
                    genes.append(gene)
            if entity is not None:
                sources.extend(s for g in entity.genes for s in g.sources)
        negative = guide.after_negative_vcf
        # Variants that fit a leading diagnosis's mode but fall short of strong evidence (a single pathogenic ADO2
        # allele on a panel reaches a genotype LR of about 7.7, docs/genotype.md): the VCF found a candidate. The
        # plan then does not say that it "showed no genotype" and "did not find the cause" beside the variant
        # table that shows it; the candidate is confirmed and segregated (ACMG PM3, PS2/PM6; PMID:25741868).
        candidates = [d for d in leading if _candidate(d)] if result.genotype is not None else []
        # A VCF was analysed and showed no genotype that supports a leading diagnosis: not "a gene test to find the
        # form" again, but what a VCF may miss (reference §2.5 item 1; PMID:32755546).
        vcf_negative = (
            bool(genes)
            and result.genotype is not None
            and negative is not None
            and not negative.unverified
            and not any(_genotype_supported(d) for d in leading)
            and not candidates
        )
        if vcf_negative and negative is not None:
            uncovered = [g for g in _uncovered_genes(leading) if g in genes]
            text = (
                f"{negative.text} Leading diagnoses: "
                + ", ".join(f"{d.label} ({percent(d.probability)})" for d in leading)
                + "."
                + (" " + negative.uncovered.format(genes=", ".join(uncovered)) if uncovered else "")
            )
            items.append(
                CareItem(
                    negative.name,
                    text,
                    sorted({*sources, *negative.sources}),
                    kind="genetic",
                    # The genes the VCF says nothing about first.
                    genes=[*uncovered, *(g for g in genes if g not in uncovered)],
                    urgent=band == "infant",
                    plain=negative.plain,
                )
            )
        elif genes:
            items.append(
                CareItem(
                    "Genetic testing of the leading diagnoses' genes",
                    "These genes separate the leading diagnoses: "
                    + ", ".join(f"{d.label} ({percent(d.probability)})" for d in leading),
                    sorted(set(sources)),
                    kind="genetic",
                    genes=genes,
                    urgent=band == "infant",
                )
            )
        if not _genotype_supported(top):
            items.extend(_candidate_confirmation(candidates, guide))
    # The genetic-testing strategy (reference §2.5) is osteopetrosis's: its presentations are read only when a
    # diagnosis of the plan is a form of osteopetrosis, or for a card of the plan that a rule's genes cause (the
    # LAD-III, OL-EDA-ID and COMMAD rules). A mimic patient is not told to test for osteopetrosis (s40: a
    # hypoparathyroid child with basal-ganglia calcification was sent to CA2 first, a hypophosphatasia infant with
    # a seizure to OSTM1 and CLCN7 "because results can make HSCT futile", a pycnodysostosis child with a CTSK
    # genotype to the intermediate osteopetrosis panel).
    scope_genes = {gene for key in scopes if key != OSTEOPETROSIS_SCOPE for gene in kb.get(key).gene_symbols}
    for rule in guide.testing_rules:
        if rule.unverified:
            continue
        if OSTEOPETROSIS_SCOPE not in scopes and not set(rule.genes) & scope_genes:
            continue
        if rule.ages and band not in rule.ages:
            continue
        if rule.min_age_years is not None and age_days is not None and age_days < rule.min_age_years * 365.25:
            continue  # e.g. the adolescent or adult presentation (reference §2.5 item 8) in a young child
        # A seizure that low calcium explains is not a "seizure without hypocalcaemia" (reference §2.5 item 2).
        if len(patient.unexplained(rule.any_of)) < (rule.min_matches if rule.any_of else 0):
            continue
        if not all(patient.unexplained([t]) for t in rule.all_of):
            continue
        if found is not None and set(rule.genes) & set(answered_genes):
            # The VCF already gives a qualifying genotype for the top diagnosis in a gene of this presentation: its
            # gene test has been done, and the next test is the confirmation above, not this one again, and not
            # "urgent, because HSCT timing matters" (s40: a TCIRG1 infant was told so).
            covered = [g for g in answered_genes if g in rule.genes]
            items.append(
                CareItem(
                    "Genetic testing for this presentation",
                    f"{rule.presentation_without_hsct or rule.presentation}: "
                    + found.answered.format(genes=", ".join(covered)),
                    list(rule.sources),
                    kind="genetic",
                    genes=list(rule.genes),
                )
            )
            continue
        # The genotype has settled a decision that rules HSCT out (OSTM1, RANKL deficiency): the presentation's
        # genes are still listed, but not as urgent "because HSCT timing matters" (reference §2.5 item 1).
        settled_without_hsct = certainty == "genotype_supported" and not hsct_possible
        presentation = (
            rule.presentation_without_hsct
            if settled_without_hsct and rule.presentation_without_hsct
            else rule.presentation
        )
        text = presentation + (f". {rule.note}" if rule.note else "")
        items.append(
            CareItem(
                "Genetic testing for this presentation",
                text,
                list(rule.sources),
                kind="genetic",
                genes=list(rule.genes),
                urgent=rule.urgent and not settled_without_hsct,
            )
        )
    for work in guide.workup:
        if work.unverified or band not in work.ages:
            continue
        # Neurological status decides whether HSCT can help (Blood Adv 2017;1(4):279), so the brain MRI is
        # also part of the work-up before HSCT (reference §2.6, infantile ARO: "at diagnosis, before HSCT").
        if work.when_neuronopathic_possible and not (neuronopathic_possible or hsct_possible):
            continue
        if work.when_hsct_possible and not hsct_possible:
            continue
        fit = _fit(work.sources, work.fits, scopes)
        if fit is None:
            continue  # osteopetrosis work-up that the reference does not give for this plan's diagnoses
        # No "whether HSCT can help" in a plan in which HSCT is not possible (OSTM1, RANKL deficiency).
        purpose = (
            work.purpose_without_hsct if not hsct_possible and work.purpose_without_hsct else work.purpose
        )
        items.append(
            CareItem(
                work.name,
                fit.text or purpose,
                fit.sources,
                kind="workup",
                plain=fit.plain or work.plain,
            )
        )
    items.extend(_pointers(others))
    return items


# Marrow failure marks the severe ("malignant") course whatever the age: pancytopenia and bone marrow failure
# (Gerritsen 1994, worst prognosis with haematological failure; reference §3.2).
_MARROW_FAILURE = ["HP:0001876", "HP:0005528"]


def _categories(entity: Entity | None, band: AgeBand, decision: str, marrow_failure: bool) -> set[str]:
    """The care guide's presentation classes of this plan.

    "Severe infantile" (the presentation the interferon-gamma trials and the infant items are about) is the
    patient's: an infant, or marrow failure at any age. It is never CA II deficiency, which is not a malignant
    form (reference §7.5 item 3), nor a form merely because its onset can be early.
    """
    ca2 = entity is not None and entity.key == "OPTB3"
    severe_infantile = (band == "infant" or marrow_failure) and not ca2
    categories = {"all"}
    if severe_infantile:
        categories.add("severe_infantile")
    else:
        categories.add("non_infantile")
    if decision in (HsctDecision.CURATIVE.value, HsctDecision.PARTIAL.value):
        categories.add("hsct")
    if entity is not None and entity.key == "ADO2":
        categories.add("ado2")
    if ca2:
        categories.add("ca2")
    return categories


def _treatments(
    entity: Entity | None,
    guide: CareGuide,
    categories: set[str],
    decision: str,
    hsct_possible: bool,
    scopes: set[str],
    hypercalcaemic: bool = False,
    band: AgeBand = "child",
    transplant_caveat: str | None = None,
    age_days: float | None = None,
) -> list[CareItem]:
    items: list[CareItem] = []
    names: set[str] = set()
    # With high calcium, the guide's hypercalcaemia wording of a calcium row stands for the card's own row.
    hypercalcaemia_rows = (
        {g.name.lower() for g in guide.treatments if g.with_hypercalcaemia is not None}
        if hypercalcaemic
        else set()
    )
    if entity is not None:
        transplants = [t for t in entity.treatments if "transplant" in t.name.lower()]
        for treatment in entity.treatments:
            if "transplant" in treatment.name.lower() and decision == HsctDecision.UNKNOWN.value:
                continue  # the HSCT decision is not settled; the plan says so in its HSCT section
            if treatment.name.lower() in hypercalcaemia_rows:
                continue  # no supplement while calcium is high (reference §3.1, §7.1 item 13)
            if _advised_against(treatment.name, treatment.stance, guide, categories, band, scopes):
                # The card offers it for the form's usual (severe infantile) course, but this patient's presentation
                # is one for which the care guide says it does not work: its row stands instead (reference §3.1).
                continue
            if (
                len(transplants) > 1
                and treatment in transplants
                and (treatment.stance is TreatmentStance.NOT_RECOMMENDED)
                != (decision == HsctDecision.NOT_RECOMMENDED.value)
            ):
                # A card with one transplant row per form (CLCN7: non-neuronopathic indicated, neuronopathic not
                # recommended; reference §1B OPTB4) shows only the row of the decision made for this patient.
                continue
            # A transplant indicated for one form only, while the work-up that tells the forms apart is not known,
            # says so on its row too (CLCN7 ARO: ERG and brain MRI; reference §1B OPTB4).
            limited = (
                transplant_caveat is not None
                and "transplant" in treatment.name.lower()
                and treatment.stance is TreatmentStance.INDICATED
            )
            # Past the age window its text names ("ideally before 3 months"), the row says what the sources say for
            # an older patient instead of a timing that can no longer be met (care.yaml treatment_windows).
            text, sources = treatment.text, list(treatment.sources)
            past = _past_window(entity, treatment.name, guide, age_days)
            if past is not None:
                text = past.text
                sources = [*sources, *(s for s in past.sources if s not in sources)]
            adult = guide.hsct_in_adults
            if (
                adult is not None
                and adult.treatment is not None
                and not adult.unverified
                and band == "adult"
                and age_days is not None
                and "transplant" in treatment.name.lower()
                and treatment.stance is TreatmentStance.INDICATED
                and _time_critical(entity, decision)
            ):
                # An adult is not told "transplant as early as possible": no source gives a window at that age
                # (reference §1B IAO, §3.2), and the HSCT decision is elective (care.yaml hsct_in_adults).
                text = adult.treatment
                sources = [*sources, *(s for s in adult.sources if s not in sources)]
            items.append(
                CareItem(
                    treatment.name,
                    text,
                    sources,
                    kind=treatment.stance.value,
                    caveats=[transplant_caveat] if limited and transplant_caveat else [],
                    unverified=treatment.unverified,
                )
            )
            names.add(treatment.name.split(" (")[0].lower())
    for general in guide.treatments:
        if not categories & set(general.applies_to) or band not in general.ages:
            continue
        fit = _fit(general.sources, general.fits, scopes)
        if fit is None:
            continue  # an osteopetrosis treatment (reference §3) that the reference does not give for it
        if "hsct" in general.applies_to and "transplant" in " ".join(names):
            # The card's own transplant row stands for this one, but keeps its caveats: "curative" says nothing
            # about transplant risk (reference §1B; graft failure and survival, PMID:26012570).
            for item in items:
                if "transplant" in item.name.lower() and item.kind == TreatmentStance.INDICATED.value:
                    item.caveats.extend(c for c in general.caveats if c not in item.caveats)
                    item.sources.extend(s for s in fit.sources if s not in item.sources)
            continue
        if general.name.lower() in names or any(n.lower() in names for n in general.same_as):
            continue  # the card's own row of the same intervention stands for it
        names.add(general.name.lower())
        if hypercalcaemic and general.with_hypercalcaemia is not None:
            # The patient's calcium is high: the row says not to supplement, whatever the entity's wording.
            wording = general.with_hypercalcaemia
            items.append(
                CareItem(
                    general.name,
                    wording.indication,
                    list(wording.sources),
                    kind=general.stance.value,
                    unverified=general.unverified or wording.unverified,
                )
            )
            continue
        # No HSCT bridge or timing in a plan in which HSCT is not possible.
        indication = fit.text or (
            general.indication_without_hsct
            if not hsct_possible and general.indication_without_hsct
            else general.indication
        )
        items.append(
            CareItem(
                general.name,
                indication,
                fit.sources,
                kind=general.stance.value,
                caveats=list(general.caveats),
                unverified=general.unverified,
            )
        )
    return items


# Stances that advise against an intervention.
_AGAINST = frozenset({TreatmentStance.NOT_EFFECTIVE, TreatmentStance.NOT_RECOMMENDED})
# Stances that offer it.
_FOR = frozenset({TreatmentStance.INDICATED, TreatmentStance.OPTION, TreatmentStance.SUPPORTIVE})


def _advised_against(
    name: str,
    stance: TreatmentStance,
    guide: CareGuide,
    categories: set[str],
    band: AgeBand,
    scopes: set[str],
) -> bool:
    """Whether a card's row that offers ``name`` must yield to the care guide for this presentation: every general
    row of the same intervention that applies to the patient (presentation class, age band, fit) advises against
    it, and one does.

    Interferon gamma-1b is an option for severe infantile disease (Key 1995, PMID:7753137) and is given so on the
    TCIRG1, CLCN7 ARO and SNX10 cards; it was not effective and poorly tolerated in ADO2 (PMID:30889272) and in
    non-infantile disease (Nguyen 2022, DOI:10.1002/jbm4.10597; reference §3.1). A 4-year-old with CLCN7 ARO and no
    marrow failure was offered it as an option, without the guide's "not effective" row.
    """
    if stance not in _FOR:
        return False
    key = name.lower()
    rows = [
        g
        for g in guide.treatments
        if not g.unverified and (g.name.lower() == key or key in (n.lower() for n in g.same_as))
    ]
    applying = [
        g
        for g in rows
        if categories & set(g.applies_to) and band in g.ages and _fit(g.sources, g.fits, scopes) is not None
    ]
    return bool(applying) and all(g.stance in _AGAINST for g in applying)


def _past_window(
    entity: Entity, row: str, guide: CareGuide, age_days: float | None
) -> TreatmentPastWindow | None:
    """The care guide's wording of the card's treatment row ``row`` for a patient whose given age is past the
    window the row names, or None (no such wording, or the age is not known to be past it)."""
    if age_days is None:
        return None  # the age band of a case without an age is a guess; the card's own row stands
    for wording in guide.treatment_windows:
        if (
            not wording.unverified
            and wording.name == row
            and any(f.scope == entity.key for f in wording.fits)
            and age_days >= wording.window_months * _MONTH_DAYS
        ):
            return wording
    return None


def _hsct_checks(
    guide: CareGuide, result: CaseResult, band: AgeBand, hsct_possible: bool, scopes: set[str]
) -> list[CareItem]:
    """What to check before conditioning while HSCT is being considered (care.yaml ``hsct_checks``).

    A check ``without_genotype_support`` is given only while no ranked diagnosis has genotype support (no causal
    variants found): transient infantile osteopetrosis resolves by itself, and its card has no disease id, so it
    cannot lead the ranking; a genotype that supports a subtype has told the form apart (reference §3.2).
    """
    if not hsct_possible:
        return []
    supported = any(_genotype_supported(d) for d in result.diagnoses)
    items = []
    for check in guide.hsct_checks:
        if check.unverified or band not in check.ages or (check.without_genotype_support and supported):
            continue
        fit = _fit(check.sources, check.fits, scopes)
        if fit is None:
            continue
        items.append(CareItem(check.name, fit.text or check.text, fit.sources, kind="before_conditioning"))
    return items


def _flag_action(
    flag: RedFlag, fit: _Fit, band: AgeBand, age_days: float | None, hsct_possible: bool
) -> tuple[str, list[str]]:
    """A red flag's action and sources worded for this patient (care.yaml ``past_window``, ``without_hsct``).

    "Before 3 months of age" and "in the first months" were read to older children, and to patients for whom a
    transplant is ruled out (OSTM1, TNFSF11). Where HSCT is not possible the action names no HSCT timing; past
    the window it names (a given age, or without one a band past infancy) it is worded for the age. A wording for
    the entity the flag fits (``fit.text``) stands as it is.
    """
    if fit.text:
        return fit.text, fit.sources
    wording = None
    if not hsct_possible and flag.without_hsct is not None and not flag.without_hsct.unverified:
        wording = flag.without_hsct
    elif flag.past_window is not None and flag.window_months is not None and not flag.past_window.unverified:
        past = _past_months(age_days, flag.window_months) if age_days is not None else band != "infant"
        wording = flag.past_window if past else None
    if wording is None:
        return flag.action, fit.sources
    # The wording's own sources stand for the flag's (the first-months statement's source goes with it), with
    # those of the entities the flag fits besides.
    own = set(flag.sources)
    return wording.action, [
        *wording.sources,
        *(s for s in fit.sources if s not in own and s not in wording.sources),
    ]


def build_care_plan(result: CaseResult, case: Case, kb: KnowledgeBase, ontology: Ontology) -> CarePlan:
    """The care plan for one ranked case (``result`` from :meth:`Ranker.report`, ``case`` its findings).

    Raises :class:`ValueError` when the result has no diagnoses (an error result) or the knowledge base has
    no care guide.
    """
    if not result.diagnoses:
        msg = f"case {result.case_id!r} has no ranked diagnoses; nothing to plan"
        raise ValueError(msg)
    guide = kb.care
    if guide is None:
        msg = f"the knowledge base at {kb.source} has no care guide (care.yaml)"
        raise ValueError(msg)
    top = result.diagnoses[0]
    entity = _entity_of(kb, top)
    patient = _Patient(case, ontology)
    band, band_note = _age_band(case, top, entity)
    hsct, certainty, note, rivals = _hsct_advice(result, kb, patient, guide, band, case.age_days)
    option_entities = [kb.get(o.subtype) for o in hsct.options if o.subtype]
    neuronopathic_possible = bool(_neuro_signs(patient, guide) or _neuro_flags(patient, guide)) or any(
        e.neuronopathic is not None
        and e.neuronopathic.neuronopathic in (Neuronopathy.YES, Neuronopathy.SUBSET)
        for e in option_entities
    )
    # A genotype-supported decision settles whether HSCT is possible (OSTM1: not recommended, so no donor
    # search); otherwise any leading option for which it is curative or partial keeps it open. A genotype-
    # supported curative form whose decision waits only for the neurological work-up (CLCN7 with a seizure or
    # abnormal tone) keeps it open too: the work-up is urgent, and the donor search runs meanwhile.
    hsct_possible = (
        hsct.decision in ("curative", "partial")
        or (
            certainty != "genotype_supported"
            and any(o.decision in ("curative", "partial") for o in hsct.options)
        )
        or (certainty == "genotype_supported" and _time_critical(entity, hsct.decision))
    )
    # Only the care that fits the plan's diagnoses: the osteopetrosis care guide for osteopetrosis forms, and
    # for a syndrome or a differential card only the items the care guide sources for it (docs/care.md).
    scopes, others = _care_scopes(result, kb, hsct.options, certainty)
    tests = _tests(
        result,
        kb,
        patient,
        guide,
        band,
        certainty,
        neuronopathic_possible,
        hsct_possible,
        hsct.options,
        scopes,
        others,
        case.age_days,
        hsct.urgency,
    )
    care_scopes = _care_of_a_diagnosis(scopes, result, kb, hsct.options, certainty)
    marrow_failure = bool(patient.matching(_MARROW_FAILURE))
    categories = _categories(
        entity if certainty != "uncertain" else None, band, hsct.decision, marrow_failure
    )
    treatments = _treatments(
        entity if certainty != "uncertain" else None,
        guide,
        categories,
        hsct.decision,
        hsct_possible,
        care_scopes,
        hypercalcaemic=patient.has(_HYPERCALCAEMIA),
        band=band,
        transplant_caveat=(
            guide.neuronopathic_workup.caveat
            if hsct.condition is not None and guide.neuronopathic_workup is not None
            else None
        ),
        age_days=case.age_days,
    )
    checks = _hsct_checks(guide, result, band, hsct_possible, scopes)
    if checks:
        # In the HSCT part of the plan: its own items, and a sentence of the reason that every report shows.
        hsct = replace(
            hsct,
            reason=" ".join([hsct.reason, *(c.text for c in checks)]),
            sources=sorted({*hsct.sources, *(s for c in checks for s in c.sources)}),
            checks=checks,
        )
    # The HSCT decision of a genotype-supported CLCN7 ARO waits for the neurological work-up: while its curative
    # decision holds only "if non-neuronopathic", or while signs that raise the neuronopathic form leave it
    # undecided. ERG and brain MRI are then part of the decision at any age (reference §2.4, §2.6).
    neuro_workup_pending = hsct.condition is not None or (
        certainty == "genotype_supported"
        and hsct.decision == HsctDecision.UNKNOWN.value
        and _subset_neuronopathic(entity)
        and _time_critical(entity, hsct.decision)
    )
    monitoring = []
    for m in guide.monitoring:
        if m.unverified or (m.after_hsct and not hsct_possible):
            continue
        fit = _fit(m.sources, m.fits, care_scopes)
        if fit is None:
            continue
        anchor, schedule = fit.text or m.anchor, m.schedule.get(band)
        if not hsct_possible and m.without_hsct is not None:
            # No "before HSCT" and no HSCT timing in a plan in which HSCT is not possible.
            anchor = (None if fit.text else m.without_hsct.anchor) or anchor
            schedule = m.without_hsct.schedule.get(band, schedule)
        if marrow_failure and m.with_marrow_failure:
            # A transfusion-dependent patient past infancy is not on the yearly count of IAO and ADO2 (§2.6).
            schedule = m.with_marrow_failure
        if neuro_workup_pending and m.while_neuro_workup:
            # Not "if symptomatic" while neurological status decides whether HSCT can help (Blood Adv 2017).
            schedule = m.while_neuro_workup
        monitoring.append(
            CareItem(
                m.item,
                anchor,
                fit.sources,
                kind="after_hsct" if m.after_hsct else "monitoring",
                schedule=schedule,
                interval_verified=m.interval_verified,
            )
        )
    red_flags = []
    for flag in guide.red_flags:
        if flag.unverified or (flag.after_hsct and not hsct_possible):
            continue
        fit = _fit(flag.sources, flag.fits, scopes)
        if fit is None:
            continue  # e.g. no hypocalcaemia or marrow-failure flag for pycnodysostosis or LAD-III
        # The findings that show the flag, the post-HSCT hypercalcaemia included: a patient whose calcium is
        # high must see it flagged. A seizure with low calcium is a hypocalcaemic seizure.
        present = patient.signs([*flag.hpo_ids, *(flag.infant_hpo_ids if band == "infant" else [])])
        action, flag_sources = _flag_action(flag, fit, band, case.age_days, hsct_possible)
        red_flags.append(
            CareItem(
                flag.sign,
                action,
                flag_sources,
                kind=flag.key,
                present=patient.labels(present),
                urgent=bool(present),
                plain=fit.plain or flag.plain,
            )
        )
    red_flags.sort(key=lambda r: not r.present)
    prognosis = None
    # Prognosis differs sharply between the subtypes (reference §1B), so it is given only for a diagnosis the
    # genotype supports, never for a leading diagnosis that is not settled.
    if (
        certainty == "genotype_supported"
        and entity is not None
        and entity.prognosis is not None
        and not entity.prognosis.unverified
    ):
        prognosis = {"text": entity.prognosis.text, "sources": list(entity.prognosis.sources)}
        if _infantile_only(entity) and case.age_days is not None and case.age_days >= _ADULT_DAYS:
            # The card's figures describe the infantile course ("about 30% survive to age 6" for TCIRG1,
            # Gerritsen 1994): shown to an adult with the same genotype, they answer a question the patient has
            # outlived. The plan says so instead of giving them as this patient's prognosis.
            prognosis = {
                "text": (
                    "The subtype card's prognosis describes the usual course, which begins in infancy "
                    f"({entity.prognosis.text.rstrip('.')}). It does not describe an adult with this genotype, and "
                    "no prognosis for adults is sourced in the knowledge base."
                ),
                "sources": list(entity.prognosis.sources),
            }
    # Computed after the decision and never fed back into it: a second diagnosis informs, it does not decide.
    others_supported = _second_diagnoses(result, rivals, certainty)
    every = {s for item in (*tests, *treatments, *monitoring, *red_flags) for s in item.sources}
    every.update(hsct.sources)
    every.update(s for o in others_supported for s in o.sources)
    if prognosis:
        every.update(prognosis["sources"])
    return CarePlan(
        diagnosis_id=top.disease_id,
        diagnosis_label=top.label,
        subtype=entity.key if entity else None,
        probability=top.probability,
        certainty=certainty,
        certainty_note=note,
        age_band=band,
        hsct=hsct,
        tests=tests,
        treatments=treatments,
        monitoring=monitoring,
        red_flags=red_flags,
        prognosis=prognosis,
        sources=sorted(every),
        other_genotype_supported=others_supported,
        age_band_note=band_note,
    )
