"""marbledx: decision support for osteopetrosis and the disorders that mimic it.

The public Python API. Load the data once and pass it on (there are no global singletons)::

    import marbledx
    kb = marbledx.load_knowledge_base()
    hpo = marbledx.load_hpo()
    marbledx.subtype_card(kb, "OPTB1")["hsct"]["decision"]      # 'curative'
    results = marbledx.rank("case.json", hpo=hpo, kb=kb)         # list of CaseResult

marbledx supports, and does not replace, clinical judgement.
"""

from importlib.metadata import PackageNotFoundError, version

from marbledx._api import (
    DataInfo,
    SubtypeSummary,
    data_info,
    search_terms,
    subtype_card,
    subtype_summaries,
)
from marbledx._pipeline import rank
from marbledx.errors import (
    DataError,
    DownloadError,
    InputError,
    KnowledgeBaseError,
    MarbledxError,
    OntologyDataError,
    UnknownEntityError,
    UnknownTermError,
)
from marbledx.knowledge import KnowledgeBase, load_knowledge_base
from marbledx.ontology import Hpo, load_hpo

try:
    __version__ = version("marbledx")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = [
    "DataError",
    "DataInfo",
    "DownloadError",
    "Hpo",
    "InputError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "MarbledxError",
    "OntologyDataError",
    "SubtypeSummary",
    "UnknownEntityError",
    "UnknownTermError",
    "__version__",
    "data_info",
    "load_hpo",
    "load_knowledge_base",
    "rank",
    "search_terms",
    "subtype_card",
    "subtype_summaries",
]
