"""The curated osteopetrosis knowledge base: subtypes, the differential, and their sources.

The knowledge is data (YAML files in ``marbledx/knowledge/data``) validated at load time by the models
re-exported here. Every fact carries citations; facts the reference marks [UNVERIFIED] are flagged
``unverified`` and never drive a recommendation.

>>> from marbledx.knowledge import load_knowledge_base
>>> kb = load_knowledge_base()
>>> kb.get("OPTB1").hsct.decision.value
'curative'
"""

from marbledx.knowledge._care import (
    OSTEOPETROSIS_SCOPE,
    CareFit,
    CareGuide,
    GeneralTreatment,
    MonitoringItem,
    RedFlag,
    SignSet,
    TestingRule,
    TreatmentPastWindow,
    WorkupItem,
)
from marbledx.knowledge._loader import ENTITY_EXPECTED, KnowledgeBase, bundled_data_dir, load_knowledge_base
from marbledx.knowledge._models import (
    AnnotationCorrection,
    Entity,
    EntityGroup,
    ExternalId,
    Feature,
    GeneLink,
    HallmarkTerm,
    HsctDecision,
    HsctFact,
    Inheritance,
    InheritanceFact,
    Names,
    NeuroFact,
    Neuronopathy,
    Onset,
    OnsetFact,
    OsteoclastFact,
    OsteoclastStatus,
    OsteopetrosisRole,
    OsteopetrosisRoleFact,
    PrevalenceFact,
    Prognosis,
    Reference,
    Share,
    Sourced,
    Treatment,
    TreatmentStance,
)

__all__ = [
    "ENTITY_EXPECTED",
    "OSTEOPETROSIS_SCOPE",
    "AnnotationCorrection",
    "CareFit",
    "CareGuide",
    "Entity",
    "EntityGroup",
    "ExternalId",
    "Feature",
    "GeneLink",
    "GeneralTreatment",
    "HallmarkTerm",
    "HsctDecision",
    "HsctFact",
    "Inheritance",
    "InheritanceFact",
    "KnowledgeBase",
    "MonitoringItem",
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
    "RedFlag",
    "Reference",
    "Share",
    "SignSet",
    "Sourced",
    "TestingRule",
    "Treatment",
    "TreatmentPastWindow",
    "TreatmentStance",
    "WorkupItem",
    "bundled_data_dir",
    "load_knowledge_base",
]
