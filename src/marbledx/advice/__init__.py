"""Advice: the care plan (work-up, HSCT decision, treatments, monitoring, red flags) and genetic counselling."""

from marbledx.advice._care import (
    CARE_PARAMETERS,
    CareItem,
    CarePlan,
    HsctAdvice,
    LeadingOption,
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
    "allelic_forms",
    "build_care_plan",
    "counselling_advice",
    "counselling_report",
    "format_probability",
    "parse_inheritance",
    "pedigree_risk",
    "resolve_disease",
]
