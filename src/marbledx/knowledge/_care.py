"""Pydantic models of the care guide: work-up, genetic-testing strategy, treatments, monitoring, red flags.

The care guide is data (``knowledge/data/care.yaml``) like the subtype cards. Every rule carries its sources;
rules the reference marks [UNVERIFIED] are stored with ``unverified: true`` and are shown, if at all, only as
unverified context — never as a recommendation (the advice room checks the flag).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from marbledx.knowledge._models import (
    GeneSymbol,
    HpoId,
    NonEmptyText,
    Source,
    Sourced,
    TreatmentStance,
    _Strict,
)

__all__ = [
    "OSTEOPETROSIS_SCOPE",
    "AgeBand",
    "CareFit",
    "CareGuide",
    "FlagWording",
    "GeneralTreatment",
    "GenotypeFound",
    "HsctCheck",
    "HsctInAdults",
    "HsctReasonPastWindow",
    "HypercalcaemiaWording",
    "MonitoringItem",
    "NegativeVcfTesting",
    "NeuronopathicWorkup",
    "RedFlag",
    "SignSet",
    "TestingRule",
    "TreatmentPastWindow",
    "WorkupItem",
]

# Age bands of the monitoring table (reference §2.6): infantile ARO, children with IAO/ADO2, adults.
AgeBand = Literal["infant", "child", "adult"]
_ALL_AGES: tuple[AgeBand, ...] = ("infant", "child", "adult")


# The scope of the care guide's own rules: the osteopetrosis forms it was written for (reference §2.4, §2.6, §3:
# the consequences of failed bone resorption). The advice decides which leading diagnoses are such forms.
OSTEOPETROSIS_SCOPE = "osteopetrosis"


class CareFit(_Strict):
    """One diagnosis a care item fits: ``osteopetrosis`` (the forms the care guide describes) or the key of a
    knowledge-base entity (a syndrome such as LAD3, or a differential such as RENAL-OD).

    ``sources`` say why the item fits that entity when the item's own sources are about osteopetrosis; without
    them the item's own sources are the entity's. ``text`` (and ``plain``) word the item for that entity.
    """

    scope: NonEmptyText
    sources: list[Source] = Field(default_factory=list)
    text: NonEmptyText | None = None
    plain: NonEmptyText | None = None


def _osteopetrosis_only() -> list[CareFit]:
    return [CareFit(scope=OSTEOPETROSIS_SCOPE)]


class _Fitted(Sourced):
    """A care item with the diagnoses it fits (by default the osteopetrosis forms only)."""

    fits: list[CareFit] = Field(default_factory=_osteopetrosis_only, min_length=1)

    @model_validator(mode="after")
    def _fits_are_sourced(self) -> _Fitted:
        scopes = [f.scope for f in self.fits]
        if len(set(scopes)) != len(scopes):
            msg = f"'fits' names a scope twice: {scopes}"
            raise ValueError(msg)
        if len(self.fits) > 1:
            # With several scopes the item's own sources cannot stand for each; an entity needs its own.
            unsourced = [f.scope for f in self.fits if f.scope != OSTEOPETROSIS_SCOPE and not f.sources]
            if unsourced:
                msg = f"'fits' scope {unsourced[0]!r} needs its own sources (why the item fits that entity)"
                raise ValueError(msg)
        return self


class SignSet(Sourced):
    """HPO terms that signal something (a patient term matches when it is the term or a descendant)."""

    hpo_ids: list[HpoId] = Field(min_length=1)
    text: NonEmptyText
    # The same for a patient past infancy, where a statement about the first months does not apply.
    text_after_infancy: NonEmptyText | None = None
    # Findings that show the loss is already complete (blindness): the sign then reads ``text_when_lost``, so a
    # patient is not told that a loss which has happened can still be stopped.
    lost_ids: list[HpoId] = Field(default_factory=list)
    text_when_lost: NonEmptyText | None = None

    @model_validator(mode="after")
    def _lost_has_its_text(self) -> SignSet:
        if bool(self.lost_ids) != (self.text_when_lost is not None):
            msg = "'lost_ids' and 'text_when_lost' go together: give both or neither"
            raise ValueError(msg)
        return self


class NeuronopathicWorkup(Sourced):
    """The work-up that tells a form with a neuronopathic subset apart (CLCN7 ARO, OPTB4) before HSCT.

    Until the patient's findings exclude every one of ``hpo_ids`` (the signs the retinal assessment and the brain
    MRI look for), a curative decision holds only under ``condition`` and its reason starts with ``pending``;
    once they do, with ``done`` (reference §1B OPTB4: indicated if non-neuronopathic; §2.4).
    """

    hpo_ids: list[HpoId] = Field(min_length=1)
    # The limit of the curative decision while the work-up is not known ("if non-neuronopathic ...").
    condition: NonEmptyText
    pending: NonEmptyText
    done: NonEmptyText
    # The caveat of the card's transplant row while the work-up is not known.
    caveat: NonEmptyText


class TestingRule(Sourced):
    """One presentation of the genetic-testing strategy (reference §2.5): when it applies and what to test."""

    key: NonEmptyText
    presentation: NonEmptyText
    # The presentation in a genotype-supported plan in which HSCT is not possible (OSTM1, RANKL deficiency): no
    # "urgent, because HSCT timing matters", and the rule is not marked urgent there.
    presentation_without_hsct: NonEmptyText | None = None
    # The rule applies when the patient has at least ``min_matches`` of these findings (descendants count)…
    any_of: list[HpoId] = Field(default_factory=list)
    min_matches: int = Field(default=1, ge=1)
    # …and every one of these, if given.
    all_of: list[HpoId] = Field(default_factory=list)
    # …and is in one of these age bands (empty: any age; an unknown age matches every band)…
    ages: list[AgeBand] = Field(default_factory=list)
    # …and, when the age is known, is at least this old (the "adolescent or adult" presentation of §2.5 item 8
    # starts within the child band).
    min_age_years: float | None = Field(default=None, gt=0)
    genes: list[GeneSymbol] = Field(min_length=1)
    urgent: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _has_trigger(self) -> TestingRule:
        if not self.any_of and not self.all_of:
            msg = f"testing rule {self.key!r} needs any_of or all_of findings"
            raise ValueError(msg)
        return self


class WorkupItem(_Fitted):
    """A baseline or confirmatory evaluation, with the age bands it applies to."""

    name: NonEmptyText
    purpose: NonEmptyText
    ages: list[AgeBand] = Field(default_factory=lambda: list(_ALL_AGES))
    # Only when a neuronopathic form is among the leading diagnoses (brain MRI, EEG, ERG), or when HSCT is
    # being considered: neurological status decides whether it can help (reference §2.4, §2.6).
    when_neuronopathic_possible: bool = False
    # Only when HSCT is a possible treatment (the donor search): not when the genotype rules it out.
    when_hsct_possible: bool = False
    # The purpose in a plan in which HSCT is not possible (no "whether HSCT can help").
    purpose_without_hsct: NonEmptyText | None = None
    # The same in plain words for the family summary.
    plain: str | None = None


class HypercalcaemiaWording(Sourced):
    """How a calcium or vitamin D treatment reads when the patient shows hypercalcaemia: never as a supplement
    (reference §3.1 calcium row and §7.1 item 13; hypercalcaemic crisis after HSCT, §3.2)."""

    indication: NonEmptyText


class GeneralTreatment(_Fitted):
    """A treatment named in the public pages or the reference, with indication and caveats."""

    name: NonEmptyText
    stance: TreatmentStance
    indication: NonEmptyText
    caveats: list[NonEmptyText] = Field(default_factory=list)
    # Which presentations it concerns: an HSCT-class ('severe_infantile', 'ado2', 'ca2', …) or 'all'.
    applies_to: list[NonEmptyText] = Field(min_length=1)
    # The patient's age bands it is for (growth follow-up is not for an adult).
    ages: list[AgeBand] = Field(default_factory=lambda: list(_ALL_AGES))
    # The indication in a plan in which HSCT is not possible (no "bridge to HSCT", no HSCT timing).
    indication_without_hsct: NonEmptyText | None = None
    # The row when the patient shows hypercalcaemia (HP:0003072 or below); it also stands for a card's row of
    # the same name.
    with_hypercalcaemia: HypercalcaemiaWording | None = None
    # Card rows of the same intervention under another name: a card's row stands for this one, so a plan does
    # not give the intervention twice with two stances ("High-dose calcitriol" not recommended, "Calcitriol"
    # caution).
    same_as: list[NonEmptyText] = Field(default_factory=list)


class TreatmentPastWindow(_Fitted):
    """How a card's treatment row reads for a patient older than the age window its text names.

    A card's transplant row "ideally before 3 months of age" (Driessen 2003) read to a 2-year-old is a timing the
    child can no longer meet; past ``window_months`` (the patient's given age) the row reads ``text`` with these
    sources instead. ``fits`` names the cards (entity keys, not the osteopetrosis scope) and ``name`` their row.
    """

    name: NonEmptyText
    window_months: float = Field(gt=0)
    text: NonEmptyText

    @model_validator(mode="after")
    def _names_cards(self) -> TreatmentPastWindow:
        if any(f.scope == OSTEOPETROSIS_SCOPE for f in self.fits):
            msg = f"'fits' of the card row {self.name!r} must name cards (entity keys), not {OSTEOPETROSIS_SCOPE!r}"
            raise ValueError(msg)
        return self


class HsctReasonPastWindow(_Fitted):
    """How a card's HSCT reason reads for a patient whose given age is past the window the reason names.

    TCIRG1's reason says that vision is better preserved when HSCT is done "before 3 months of age" (Driessen
    2003); read to a 25-year-old it gives a timing that can no longer be met. Past ``window_months`` the reason is
    ``reason`` with these sources instead. ``fits`` names the cards (entity keys).
    """

    window_months: float = Field(gt=0)
    reason: NonEmptyText
    # The reason for an adult (a given age of 18 or more), before the care guide's ``hsct_in_adults`` text: the
    # first months are not worth naming at that age.
    adult_reason: NonEmptyText | None = None

    @model_validator(mode="after")
    def _names_cards(self) -> HsctReasonPastWindow:
        if any(f.scope == OSTEOPETROSIS_SCOPE for f in self.fits):
            msg = f"'fits' of an HSCT reason must name cards (entity keys), not {OSTEOPETROSIS_SCOPE!r}"
            raise ValueError(msg)
        return self


class HsctInAdults(Sourced):
    """A curative decision on a card marked time-critical, for a patient whose given age is adult: the infant
    window is long past and the sources give no timing rule at that age (reference §1B IAO, §3.2). ``text`` ends
    the reason, and without a sign that makes it urgent the urgency is ``urgency``, not the child's "soon"."""

    text: NonEmptyText
    urgency: Literal["soon", "elective"] = "elective"
    # The card's indicated transplant row for such a patient: not the infant's "as early as possible".
    treatment: NonEmptyText | None = None


class NegativeVcfTesting(Sourced):
    """The genetic test of the leading diagnoses after a VCF was analysed and showed no genotype that supports
    one of them: what a VCF may miss, and the genes of the leading diagnoses it does not cover."""

    name: NonEmptyText
    text: NonEmptyText
    # Added with the genes of the leading diagnoses that the VCF does not cover ("{genes}").
    uncovered: NonEmptyText
    # The same in plain words for the family summary.
    plain: NonEmptyText | None = None

    @model_validator(mode="after")
    def _names_the_genes(self) -> NegativeVcfTesting:
        if "{genes}" not in self.uncovered:
            msg = "'uncovered' must name the genes the VCF does not cover with the placeholder {genes}"
            raise ValueError(msg)
        return self


class HsctCheck(_Fitted):
    """A check before HSCT conditioning, given in the HSCT part of a plan in which HSCT is being considered."""

    name: NonEmptyText
    text: NonEmptyText
    # The patient's age bands it is for (a self-resolving infantile form: infants only).
    ages: list[AgeBand] = Field(default_factory=lambda: list(_ALL_AGES))
    # Only while no genotype supports a diagnosis (no causal variants found): a genotype that supports a subtype
    # has told the form apart.
    without_genotype_support: bool = False


class MonitoringWithoutHsct(_Strict):
    """The wording of a monitoring row when HSCT is not possible (no "before HSCT", no HSCT timing)."""

    anchor: NonEmptyText | None = None
    schedule: dict[AgeBand, NonEmptyText] = Field(default_factory=dict)


class MonitoringItem(_Fitted):
    """What to monitor, and how often by age band. ``interval_verified`` is false for implementation defaults."""

    item: NonEmptyText
    anchor: NonEmptyText
    schedule: dict[AgeBand, NonEmptyText]
    interval_verified: bool = False
    after_hsct: bool = False
    without_hsct: MonitoringWithoutHsct | None = None
    # The schedule, at any age, when the patient shows marrow failure (pancytopenia, bone marrow failure): the
    # reference's infantile ARO column, whose blood count follows the transfusions (§2.6).
    with_marrow_failure: NonEmptyText | None = None
    # The schedule, at any age, while the HSCT decision waits for the neurological work-up (a CLCN7 form that
    # can be neuronopathic): the reference's "at diagnosis, before HSCT" (§2.6), not "if symptomatic".
    while_neuro_workup: NonEmptyText | None = None


class FlagWording(Sourced):
    """A red flag's action worded for a patient to whom its usual wording does not apply (past the age window it
    names, or in a plan in which HSCT is not possible), with the sources of that wording."""

    action: NonEmptyText


class RedFlag(_Fitted):
    """A danger sign, the findings that show it, and what to do."""

    key: NonEmptyText
    sign: NonEmptyText
    hpo_ids: list[HpoId] = Field(default_factory=list)
    action: NonEmptyText
    after_hsct: bool = False
    # Findings that show the sign only in an infant (a squint: poor visual behaviour is the commonest parental
    # complaint in infantile osteopetrosis, Wilson & Vellodi 2000; in an adult it says nothing of the optic nerve).
    infant_hpo_ids: list[HpoId] = Field(default_factory=list)
    # The sign in plain words for the family summary ("when to get help fast").
    plain: str | None = None
    # The action names an age window ("before 3 months of age", "in the first months"): past ``window_months`` (a
    # given age, or a band past infancy) it reads ``past_window``; and ``without_hsct`` in a plan in which HSCT
    # is not possible (OSTM1, RANKL deficiency), where no HSCT timing applies.
    window_months: float | None = Field(default=None, gt=0)
    past_window: FlagWording | None = None
    without_hsct: FlagWording | None = None

    @model_validator(mode="after")
    def _window_has_its_wording(self) -> RedFlag:
        if (self.window_months is None) != (self.past_window is None):
            msg = (
                f"red flag {self.key!r}: 'window_months' and 'past_window' go together: give both or neither"
            )
            raise ValueError(msg)
        return self


class ConfirmationStep(Sourced):
    """What to do when the genotype supports the top diagnosis; ``genes`` limits it to those genes."""

    text: NonEmptyText
    genes: list[GeneSymbol] = Field(default_factory=list)


class GenotypeFound(Sourced):
    """The genetic testing of a plan whose top diagnosis the VCF already supports (qualifying variants that fit its
    mode, with strong evidence): the presentation's gene test (reference §2.5) has been answered, and the next test
    is to confirm the result and test the parents, worded for the genotype found (docs/care.md, "Tests").

    ``lead`` names the result ({diagnosis}, {variants}, {lr}); ``confirm`` is the confirmation itself; ``phase``,
    ``homozygous`` and ``single`` say what the parents' results show for two heterozygous alleles, one homozygous
    allele and one heterozygous allele; ``answered`` ends a presentation rule whose genes the result covers
    ({genes}); ``urgent`` (with ``urgent_sources``) ends the confirmation when the HSCT decision waits on it.
    """

    lead: NonEmptyText
    confirm: NonEmptyText
    phase: NonEmptyText
    homozygous: NonEmptyText
    single: NonEmptyText
    answered: NonEmptyText
    urgent: NonEmptyText
    urgent_sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_its_placeholders(self) -> GenotypeFound:
        for name, text, placeholders in (
            ("lead", self.lead, ("{diagnosis}", "{variants}", "{lr}")),
            ("answered", self.answered, ("{genes}",)),
        ):
            missing = [p for p in placeholders if p not in text]
            if missing:
                msg = f"genotype_found: '{name}' must name {', '.join(missing)}"
                raise ValueError(msg)
        return self


class CareGuide(_Strict):
    """The care guide of the knowledge base (``care:`` in care.yaml)."""

    neuronopathic_signs: SignSet
    # Signs that raise a neuronopathic form but need the work-up to establish it (seizure, abnormal tone).
    neuronopathic_flags: SignSet | None = None
    # The work-up that must be known before a curative decision holds for a form with a neuronopathic subset.
    neuronopathic_workup: NeuronopathicWorkup | None = None
    hsct_urgency_signs: list[SignSet] = Field(min_length=1)
    testing_rules: list[TestingRule] = Field(min_length=1)
    workup: list[WorkupItem] = Field(min_length=1)
    treatments: list[GeneralTreatment] = Field(min_length=1)
    monitoring: list[MonitoringItem] = Field(min_length=1)
    red_flags: list[RedFlag] = Field(min_length=1)
    # What to do when the genotype already supports the top diagnosis (segregation, orthogonal checks).
    confirmation: list[ConfirmationStep] = Field(default_factory=list)
    # The gene test of a plan whose top diagnosis the VCF already supports: confirm it, worded for the genotype.
    genotype_found: GenotypeFound | None = None
    # Card treatment rows worded for a patient past the age window their text names (transplant "before 3 months").
    treatment_windows: list[TreatmentPastWindow] = Field(default_factory=list)
    # Checks before HSCT conditioning (repeat radiographs: transient infantile osteopetrosis, reference §3.2).
    hsct_checks: list[HsctCheck] = Field(default_factory=list)
    # Card HSCT reasons worded for a patient past the age window they name (TCIRG1: "before 3 months of age").
    hsct_reason_windows: list[HsctReasonPastWindow] = Field(default_factory=list)
    # A curative, time-critical decision for an adult: no infant window, and its urgency (reference §1B IAO, §3.2).
    hsct_in_adults: HsctInAdults | None = None
    # The genetic test after a VCF that showed no genotype supporting a leading diagnosis (reference §2.5).
    after_negative_vcf: NegativeVcfTesting | None = None
