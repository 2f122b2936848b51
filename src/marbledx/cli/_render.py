"""Plain-text rendering for the terminal: aligned tables and knowledge-base cards."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from itertools import zip_longest
from typing import Any

from marbledx._api import DataInfo, SubtypeSummary
from marbledx._format import printable
from marbledx.ontology import TermMatch
from marbledx.ranking import CaseResult

__all__ = [
    "render_card",
    "render_data_info",
    "render_results",
    "render_subtypes",
    "render_table",
    "render_terms",
]

DISCLAIMER = "marbledx supports, and does not replace, clinical judgement."


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int | None = None) -> str:
    """Left-aligned columns; the widest column is truncated with '…' to fit ``max_width``."""
    width_limit = max_width or shutil.get_terminal_size((120, 24)).columns
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    gap = 2
    overflow = sum(widths) + gap * (len(widths) - 1) - width_limit
    if overflow > 0:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        widths[widest] = max(len(headers[widest]), widths[widest] - overflow, 10)

    def fit(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = ["  ".join(fit(h, w).ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(fit(c, w).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
    return "\n".join(lines)


_INHERITANCE_SHORT = {
    "autosomal_recessive": "AR",
    "autosomal_dominant": "AD",
    "x_linked_recessive": "XLR",
    "x_linked_dominant": "XLD",
    "somatic": "somatic",
    "not_inherited": "acquired",
    "unknown": "unknown",
}


def render_subtypes(summaries: Sequence[SubtypeSummary]) -> str:
    rows = [
        [
            s.key,
            s.id or "-",
            ", ".join(s.genes) or "-",
            "/".join(_INHERITANCE_SHORT.get(m, m) for m in s.inheritance),
            " ".join(filter(None, [s.hsct_decision or "-", s.hsct_qualifier]))
            + (" (urgent)" if s.hsct_urgent else ""),
            s.name,
        ]
        for s in summaries
    ]
    table = render_table(
        ["KEY", "ID", "GENES", "INH.", "HSCT", "NAME"], [[printable(c) for c in r] for r in rows]
    )
    return f"{table}\n\n{len(summaries)} entities. {DISCLAIMER}"


def _wrap(text: str, indent: str = "  ") -> str:
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    return textwrap.fill(" ".join(text.split()), width=width, initial_indent=indent, subsequent_indent=indent)


def _cite(fact: dict[str, Any]) -> str:
    flag = " [UNVERIFIED]" if fact.get("unverified") else ""
    return f" [{'; '.join(fact['sources'])}]{flag}"


def _term_line(term: dict[str, Any]) -> str:
    frequency = f" ({term['frequency']})" if term.get("frequency") else ""
    return _wrap(f"{term['hpo_id']} {term['label']}{frequency}{_cite(term)}")


def render_card(card: dict[str, Any]) -> str:
    """A knowledge-base card as readable text, every fact followed by its sources."""
    names = card["names"]
    out: list[str] = [
        f"{names['name']}  ({card['key']})",
        "=" * min(len(names["name"]) + len(card["key"]) + 4, 100),
    ]
    if names["short_names"] or names["synonyms"]:
        out.append(_wrap("Also: " + "; ".join(names["short_names"] + names["synonyms"]) + _cite(names), ""))
    if card["ids"]:
        ids = [
            f"{x['id']}"
            + ("" if x["relation"] == "exact" else f" ({x['relation']})")
            + (" [UNVERIFIED]" if x["unverified"] else "")
            for x in card["ids"]
        ]
        out.append("Ids: " + ", ".join(ids))
    out.append(f"Group: {card['group']}")

    def section(title: str, lines: list[str]) -> None:
        if lines:
            out.append("")
            out.append(title)
            out.extend(lines)

    section(
        "Genes",
        [
            _wrap(f"{g['symbol']} ({g['zygosity']}): {g['mechanism']}{_cite(g)}")
            + (
                f"\n{_wrap('HPO link note: ' + g['hpo_link_justification'], '    ')}"
                if g.get("hpo_link_justification")
                else ""
            )
            for g in card["genes"]
        ],
    )
    inheritance = card["inheritance"]
    text = ", ".join(inheritance["modes"])
    if inheritance.get("penetrance") is not None:
        text += f"; penetrance {inheritance['penetrance']:g}"
    if inheritance.get("note"):
        text += f". {inheritance['note']}"
    section("Inheritance", [_wrap(text + _cite(inheritance))])

    def fact_section(key: str, title: str) -> None:
        fact = card.get(key)
        if not fact:
            return
        head = {
            "onset": ", ".join(fact.get("typical", [])),
            "osteoclasts": fact.get("status", ""),
            "neuronopathic": fact.get("neuronopathic", ""),
        }.get(key, "")
        text = fact.get("text") or ""
        body = f"{head}: {text}" if head and text else head or text
        section(title, [_wrap(body + _cite(fact))])

    for key, title in (
        ("onset", "Onset"),
        ("osteoclasts", "Osteoclasts"),
        ("neuronopathic", "Neuronopathic"),
    ):
        fact_section(key, title)
    hsct = card.get("hsct")
    if hsct:
        urgency = " — URGENT, before optic-nerve damage" if hsct["urgent"] else ""
        section("HSCT decision", [_wrap(f"{hsct['decision']}{urgency}: {hsct['reason']}{_cite(hsct)}")])
    section("Hallmark HPO terms", [_term_line(t) for t in card["hallmark_terms"]])
    section(
        "Distinguishing features",
        [_wrap("- " + f["text"] + _cite(f)) for f in card["distinguishing_features"]],
    )
    section(
        "Treatments",
        [_wrap(f"- {t['name']} [{t['stance']}]: {t['text']}{_cite(t)}") for t in card["treatments"]],
    )
    section("Reported absent", [_term_line(t) for t in card["absent_terms"]])
    fact_section("prevalence", "Prevalence")
    fact_section("prognosis", "Prognosis")
    section("Caveats", [_wrap("- " + c["text"] + _cite(c)) for c in card["caveats"]])
    bibliography = card.get("bibliography") or {}
    section(
        "References cited as ref:",
        [
            _wrap(f"{key}: {ref['citation']}" + ("" if ref["verified"] else " [not fully verified]"))
            for key, ref in bibliography.items()
        ],
    )
    out.extend(["", DISCLAIMER])
    # Escaped line by line, as every other text the CLI prints: no control character reaches the terminal.
    return _escaped("\n".join(out))


def _escaped(text: str) -> str:
    """``text`` with the control characters of each line escaped, its line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


def render_terms(matches: Sequence[TermMatch], notes: Sequence[str] = ()) -> str:
    """HPO search hits as a table (or "no matching HPO terms"), then ``notes`` (an id replaced, results left
    out by the limit). Escaped: the matched text quotes the user's query, and the labels come from a release
    that may have been downloaded from a mirror."""
    if matches:
        rows = [
            [
                printable(cell)
                for cell in (m.id, m.label, m.match_type, m.matched if m.matched != m.label else "")
            ]
            for m in matches
        ]
        lines = [render_table(["HPO ID", "LABEL", "MATCH", "MATCHED TEXT"], rows)]
    else:
        lines = ["no matching HPO terms"]
    lines += [f"note: {printable(note)}" for note in notes]
    return "\n".join(lines)


def render_data_info(info: DataInfo) -> str:
    diseases = ", ".join(f"{db} {n:,}" for db, n in sorted(info.diseases.items()))
    lines = [
        f"HPO release:          {info.hpo_version} (annotations {info.annotation_version})",
        f"Source:               {info.source}",
        f"Index cache:          {info.cache_file or '(not cached)'}",
        f"Terms:                {info.terms:,}",
        f"Diseases:             {sum(info.diseases.values()):,} ({diseases})",
        f"Annotations:          {info.annotations:,}",
        f"Genes:                {info.genes:,} ({info.gene_disease_links:,} gene-disease links)",
        f"Knowledge base:       {info.knowledge_entities} entities, {info.knowledge_subtypes} osteopetrosis subtypes",
        f"Knowledge-base files: {info.knowledge_base}",
    ]
    return "\n".join(lines)


def render_results(results: Sequence[CaseResult], *, explain: int = 3) -> str:
    """Ranked diagnoses per case, with the per-finding evidence of the first ``explain`` diagnoses."""
    blocks: list[str] = []
    for result in results:
        title = f"Case {printable(result.case_id) or '?'} — {printable(result.input)}"
        if result.error is not None:
            blocks.append(f"{title}\n  error: {printable(result.error)}")
            continue
        dna = result.genotype
        headers = ["#", "PROB", "LOG10 LR", "DISEASE", "NAME", "GENES", "SUBTYPE"]
        if dna is not None:
            headers.insert(3, "GENOTYPE LR")
        rows = []
        for d in result.diagnoses:
            row = [
                str(d.rank),
                f"{d.probability:.3f}",
                f"{d.log10_lr:+.1f}",
                d.disease_id,
                d.label,
                ", ".join(d.genes) or "-",
                # "curative if non-neuronopathic" for CLCN7 ARO, as `marbledx subtypes` and the reports say it.
                (
                    f"{d.subtype.key}: HSCT "
                    + " ".join(filter(None, [d.subtype.hsct_decision or "-", d.subtype.hsct_qualifier]))
                    if d.subtype
                    else ""
                ),
            ]
            if dna is not None:
                row.insert(3, f"{d.genotype_lr:.3g}")
            rows.append(row)
        lines = [title]
        if dna is not None:
            mode = {"vep": "VEP CSQ", "snpeff": "SnpEff ANN", "gene-table": "gene-region table"}.get(
                dna.mode, dna.mode
            )
            lines.append(
                f"  VCF {dna.vcf} (sample {dna.sample}, {dna.build}, genes from {mode}; {dna.records} records, "
                f"{dna.calls} alleles carried, {'exome/genome' if dna.genome_wide else 'targeted'})"
            )
        lines.append(render_table(headers, rows))
        for note in result.notes:
            lines.append(f"  note: {note}")
        for diagnosis in result.diagnoses[:explain]:
            # A Diagnosis built by API code may name its records without their labels; show the ids then.
            labels = (
                diagnosis.same_as_labels if len(diagnosis.same_as_labels) == len(diagnosis.same_as) else []
            )
            named = [f"{i} {n}".rstrip() for i, n in zip_longest(diagnosis.same_as, labels, fillvalue="")]
            same = f" (= {'; '.join(named)})" if named else ""
            lines.append(f"\n  Why #{diagnosis.rank} {diagnosis.disease_id}{same} {diagnosis.label}:")
            for item in diagnosis.evidence:
                sign = "+" if item.status == "observed" else "-"
                lines.append(f"    {sign} {item.hpo_id} {item.label}: LR {item.lr:.3g} ({item.match})")
            if dna is not None:
                lines.append(f"    genotype LR {diagnosis.genotype_lr:.3g}: {diagnosis.genotype_note or '-'}")
                for v in diagnosis.variants:
                    change = " ".join(x for x in (v["hgvs_c"], v["hgvs_p"]) if x) or f"{v['ref']}>{v['alt']}"
                    # "absent" only where gnomAD was consulted (PM2); a file without frequencies says so.
                    frequency = (
                        v["gnomad_af"]
                        if v["gnomad_af"] is not None
                        else "absent"
                        if "PM2" in v["acmg"]
                        else "not annotated"
                    )
                    lines.append(
                        f"      {v['gene']} {v['chrom']}:{v['pos']} {change} {v['genotype']} "
                        f"[{v['class']}; {v['consequence'] or '-'}; gnomAD {frequency}; "
                        f"ClinVar {v['clinvar'] or '-'}; {' '.join(v['acmg']) or '-'}]"
                    )
        if any(item.status == "excluded" for d in result.diagnoses[:explain] for item in d.evidence):
            # An excluded finding's LR above 1 reads as a contradiction without this (docs/engine.md,
            # "Excluded findings" and "Pertinent negatives").
            lines.append(
                "\n  An excluded finding (-) weighs twice: its absence (only the strongest absence counts; the "
                "others are 'excluded_counted_once') and its mention as a pertinent negative, which favours "
                "the diagnoses that have the feature (LR above 1)."
            )
        blocks.append("\n".join(lines))
    # The subtype decides treatment, and genetic testing settles it (consensus guideline, PMID:28655174);
    # a phenotype ranking alone must not read as a treatment decision.
    blocks.append(
        "Probabilities are estimates from the phenotype model over HPO-annotated diseases. The HSCT column "
        "is the knowledge-base decision for each subtype, not a recommendation for this patient: confirm "
        "the subtype genetically first.\n" + DISCLAIMER
    )
    return "\n\n".join(blocks)
