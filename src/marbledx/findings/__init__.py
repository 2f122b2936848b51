"""Findings in: the patient case from phenopackets, command-line flags or plain words."""

from marbledx.findings._case import (
    Case,
    FamilyHistory,
    Finding,
    GenomicFile,
    normalise_findings,
    parse_iso_age,
)
from marbledx.findings._pedigree import Pedigree, PedIndividual, read_ped
from marbledx.findings._phenopacket import expand_inputs, iter_case_files, read_case_file
from marbledx.findings._text import TextMapping, TextParse, TextParser

__all__ = [
    "Case",
    "FamilyHistory",
    "Finding",
    "GenomicFile",
    "PedIndividual",
    "Pedigree",
    "TextMapping",
    "TextParse",
    "TextParser",
    "expand_inputs",
    "iter_case_files",
    "normalise_findings",
    "parse_iso_age",
    "read_case_file",
    "read_ped",
]
