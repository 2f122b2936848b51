"""Advice: the care plan (work-up, HSCT decision, treatments, monitoring, red flags) and genetic counselling.

The names are imported from their modules on first use, so that importing one part (``marbledx risk`` needs
the counselling, not the care plan and the ranking engine under it) does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marbledx._lazy import lazy_attributes

if TYPE_CHECKING:
    from marbledx.advice._care import (
        CARE_PARAMETERS,
        CareItem,
        CarePlan,
        HsctAdvice,
        LeadingOption,
        SecondDiagnosis,
        build_care_plan,
    )
    from marbledx.advice._counsel_text import (
        TWO_COPIES_LOW,
        CounsellingPoint,
        counselling_advice,
        format_probability,
    )
    from marbledx.advice._risk import (
        SUPPORTED_INHERITANCE,
        AllelicForm,
        ChildRisk,
        DiseaseRisk,
        FounderPrior,
        IndividualRisk,
        PedigreeRisk,
        RiskModel,
        RiskReport,
        allelic_forms,
        counselling_report,
        parse_inheritance,
        pedigree_risk,
        resolve_disease,
    )

# The module that defines each name.
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "CARE_PARAMETERS",
            "CareItem",
            "CarePlan",
            "HsctAdvice",
            "LeadingOption",
            "SecondDiagnosis",
            "build_care_plan",
        ),
        "marbledx.advice._care",
    ),
    **dict.fromkeys(
        ("TWO_COPIES_LOW", "CounsellingPoint", "counselling_advice", "format_probability"),
        "marbledx.advice._counsel_text",
    ),
    **dict.fromkeys(
        (
            "SUPPORTED_INHERITANCE",
            "AllelicForm",
            "ChildRisk",
            "DiseaseRisk",
            "FounderPrior",
            "IndividualRisk",
            "PedigreeRisk",
            "RiskModel",
            "RiskReport",
            "allelic_forms",
            "counselling_report",
            "parse_inheritance",
            "pedigree_risk",
            "resolve_disease",
        ),
        "marbledx.advice._risk",
    ),
}


_lazy_getattr, __dir__ = lazy_attributes(__name__, _LAZY)
if not TYPE_CHECKING:  # hidden from type checkers, which would take any misspelt name for an attribute
    __getattr__ = _lazy_getattr


__all__ = [
    "CARE_PARAMETERS",
    "SUPPORTED_INHERITANCE",
    "TWO_COPIES_LOW",
    "AllelicForm",
    "CareItem",
    "CarePlan",
    "ChildRisk",
    "CounsellingPoint",
    "DiseaseRisk",
    "FounderPrior",
    "HsctAdvice",
    "IndividualRisk",
    "LeadingOption",
    "PedigreeRisk",
    "RiskModel",
    "RiskReport",
    "SecondDiagnosis",
    "allelic_forms",
    "build_care_plan",
    "counselling_advice",
    "counselling_report",
    "format_probability",
    "parse_inheritance",
    "pedigree_risk",
    "resolve_disease",
]
