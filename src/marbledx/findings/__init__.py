"""Findings in: the patient case from phenopackets, command-line flags, plain words and lab values.

Only the case model is imported with the package; the other parts (lab values, pedigrees, phenopackets, the
plain-words parser) are imported on first use of one of their names, so that a command that does not need
them (``marbledx rank`` reads no plain words) does not pay for importing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marbledx._lazy import lazy_attributes
from marbledx.findings._case import (
    Case,
    FamilyHistory,
    Finding,
    GenomicFile,
    normalise_findings,
    parse_iso_age,
)

if TYPE_CHECKING:
    from marbledx.findings._labs import (
        AnalyteSpec,
        DerivedLabFinding,
        Interpretation,
        LabInterpretation,
        LabReport,
        LabTable,
        LabValue,
        ReferenceInterval,
        bundled_lab_table,
        bundled_lab_table_path,
        derive_lab_findings,
        interpret_labs,
        lab_findings,
        lab_report,
        load_lab_table,
        make_lab_value,
        parse_lab_date,
        parse_lab_value,
        prepare_lab_findings,
        read_labs_csv,
    )
    from marbledx.findings._pedigree import (
        PED_AFFECTED_CODES,
        PED_SEX_CODES,
        Pedigree,
        PedIndividual,
        TestResult,
        parse_test_result,
        ped_rows,
        read_family_pedigree,
        read_ped,
        read_test_results,
    )
    from marbledx.findings._phenopacket import (
        PhenopacketLabs,
        expand_inputs,
        iter_case_files,
        read_case_file,
        read_phenopacket_labs,
    )
    from marbledx.findings._text import TextLab, TextMapping, TextParse, TextParser

# The names imported on first use, by the module that defines them.
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "AnalyteSpec",
            "DerivedLabFinding",
            "Interpretation",
            "LabInterpretation",
            "LabReport",
            "LabTable",
            "LabValue",
            "ReferenceInterval",
            "bundled_lab_table",
            "bundled_lab_table_path",
            "derive_lab_findings",
            "interpret_labs",
            "lab_findings",
            "lab_report",
            "load_lab_table",
            "make_lab_value",
            "parse_lab_date",
            "parse_lab_value",
            "prepare_lab_findings",
            "read_labs_csv",
        ),
        "marbledx.findings._labs",
    ),
    **dict.fromkeys(
        (
            "PED_AFFECTED_CODES",
            "PED_SEX_CODES",
            "Pedigree",
            "PedIndividual",
            "TestResult",
            "parse_test_result",
            "ped_rows",
            "read_family_pedigree",
            "read_ped",
            "read_test_results",
        ),
        "marbledx.findings._pedigree",
    ),
    **dict.fromkeys(
        ("PhenopacketLabs", "expand_inputs", "iter_case_files", "read_case_file", "read_phenopacket_labs"),
        "marbledx.findings._phenopacket",
    ),
    **dict.fromkeys(("TextLab", "TextMapping", "TextParse", "TextParser"), "marbledx.findings._text"),
}


_lazy_getattr, __dir__ = lazy_attributes(__name__, _LAZY)
if not TYPE_CHECKING:  # hidden from type checkers, which would take any misspelt name for an attribute
    __getattr__ = _lazy_getattr


__all__ = [
    "PED_AFFECTED_CODES",
    "PED_SEX_CODES",
    "AnalyteSpec",
    "Case",
    "DerivedLabFinding",
    "FamilyHistory",
    "Finding",
    "GenomicFile",
    "Interpretation",
    "LabInterpretation",
    "LabReport",
    "LabTable",
    "LabValue",
    "PedIndividual",
    "Pedigree",
    "PhenopacketLabs",
    "ReferenceInterval",
    "TestResult",
    "TextLab",
    "TextMapping",
    "TextParse",
    "TextParser",
    "bundled_lab_table",
    "bundled_lab_table_path",
    "derive_lab_findings",
    "expand_inputs",
    "interpret_labs",
    "iter_case_files",
    "lab_findings",
    "lab_report",
    "load_lab_table",
    "make_lab_value",
    "normalise_findings",
    "parse_iso_age",
    "parse_lab_date",
    "parse_lab_value",
    "parse_test_result",
    "ped_rows",
    "prepare_lab_findings",
    "read_case_file",
    "read_family_pedigree",
    "read_labs_csv",
    "read_ped",
    "read_phenopacket_labs",
    "read_test_results",
]
