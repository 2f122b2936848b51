"""The marbledx exception hierarchy.

Every error marbledx raises on purpose derives from :class:`MarbledxError`, so callers (the CLI, the web
app, a pipeline) can catch one type. Messages are single lines that name what was wrong (a file, a field,
an identifier) and what was expected, because the CLI prints them verbatim to clinicians and lab staff.
"""

from __future__ import annotations

from marbledx._format import quoted

__all__ = [
    "DataError",
    "DownloadError",
    "InputError",
    "KnowledgeBaseError",
    "MarbledxError",
    "OntologyDataError",
    "UnknownEntityError",
    "UnknownTermError",
]


class MarbledxError(Exception):
    """Root of every error marbledx raises deliberately."""


class InputError(MarbledxError):
    """User input (a flag, a file, an identifier) is malformed or out of range."""


class UnknownTermError(InputError):
    """An HPO identifier or label is not in the loaded ontology release."""

    def __init__(self, term: str, release: str | None = None, *, reason: str | None = None) -> None:
        where = f" in HPO release {release}" if release else ""
        if reason:
            message = f"HPO term {quoted(term)} cannot be used{where}: {reason}"
        else:
            message = (
                f"unknown HPO term {quoted(term)}{where}; expected an id such as HP:0011002 "
                "('marbledx term WORDS' finds one)"
            )
        super().__init__(message)
        self.term = term


class UnknownEntityError(InputError):
    """A knowledge-base entity (subtype or differential) could not be found.

    ``candidates`` are the keys of the entities the message names for the user to pick from (a group's members,
    a gene's disorders, the entities a name fits); ``guessed`` says that they are only names that look alike
    ("did you mean …"), not an answer.
    """

    def __init__(self, message: str, *, candidates: tuple[str, ...] = (), guessed: bool = False) -> None:
        super().__init__(message)
        self.candidates = candidates
        self.guessed = guessed


class DataError(MarbledxError):
    """Bundled or downloaded reference data is missing, unreadable or inconsistent."""


class OntologyDataError(DataError):
    """The HPO release files (hp.obo, phenotype.hpoa, genes_to_phenotype.txt) cannot be used."""


class KnowledgeBaseError(DataError):
    """A knowledge-base data file failed validation."""


class DownloadError(DataError):
    """An explicit ``marbledx data …`` download failed."""
