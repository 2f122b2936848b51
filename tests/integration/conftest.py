"""Fixtures shared by the integration tests (real HPO data)."""

from __future__ import annotations

import pytest

from marbledx.findings._text import TextParser
from marbledx.ontology import Hpo


@pytest.fixture(scope="module")
def parser(real_hpo: Hpo) -> TextParser:
    """The plain-words parser over the real release."""
    return TextParser(real_hpo.ontology)
