"""Fixtures shared by the unit-test modules."""

from __future__ import annotations

import pytest

from marbledx.findings import TextParser
from marbledx.ontology import Hpo


@pytest.fixture(scope="module")
def parser(mini_hpo: Hpo) -> TextParser:
    """The plain-words parser over the fixture release, built once per test module."""
    return TextParser(mini_hpo.ontology)
