"""marbledx: decision support for osteopetrosis and the disorders that mimic it.

The public Python API. Load the data once and pass it on (there are no global singletons)::

    import marbledx
    kb = marbledx.load_knowledge_base()
    hpo = marbledx.load_hpo()
    marbledx.subtype_card(kb, "OPTB1")["hsct"]["decision"]      # 'curative'
    results = marbledx.rank("case.json", hpo=hpo, kb=kb)         # list of CaseResult

marbledx supports, and does not replace, clinical judgement.
"""

from typing import TYPE_CHECKING

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

# The installed version, read on first use: reading it scans the installed packages' metadata, which only
# ``marbledx --version`` and the web app need.
__version__: str

if not TYPE_CHECKING:  # hidden from type checkers, which would take any misspelt name for an attribute

    def __getattr__(name: str) -> str:
        if name != "__version__":
            msg = f"module {__name__!r} has no attribute {name!r}"
            raise AttributeError(msg)
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("marbledx")
        except PackageNotFoundError:  # running from a source tree without installation
            found = "0+unknown"
        globals()["__version__"] = found
        return found


def __dir__() -> list[str]:
    return sorted({*globals(), "__version__"})


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
