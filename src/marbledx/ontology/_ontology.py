"""Terms of the Human Phenotype Ontology: look-up, obsolete handling, graph, information content, search."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from marbledx._text import normalise_text, search_fold
from marbledx.errors import UnknownTermError
from marbledx.ontology._index import IntArray, ReleaseIndex, split_strings

__all__ = [
    "PHENOTYPIC_ABNORMALITY_ID",
    "ROOT_ID",
    "Ontology",
    "Term",
    "TermMatch",
    "normalise_text",
    "search_id",
]

ROOT_ID = "HP:0000001"
PHENOTYPIC_ABNORMALITY_ID = "HP:0000118"

# Ids have ASCII digits ("HP:٠٠٠٠٣٦٥" is not one); the spaces around may be any, as pasted from a web page.
_CURIE = re.compile(r"\s*(?:HP|hp)[:_]([0-9]{7})\s*")
_SCOPE_NAMES = ("EXACT", "BROAD", "NARROW", "RELATED")
# An id as people paste it into a search: any case, ":", "_", a space or nothing after the prefix, leading zeros
# left out (HP:1903), the OBO PURL (http://purl.obolibrary.org/obo/HP_0001903), or the seven digits alone.
_LOOSE_ID = re.compile(
    r"\s*(?:(?:(?:https?://)?purl\.obolibrary\.org/obo/)?hp[:_ ]?([0-9]{1,7})|([0-9]{7}))\s*", re.IGNORECASE
)


def _format_id(num: int) -> str:
    return f"HP:{num:07d}"


def search_id(text: str) -> str | None:
    """The HPO id that a search query names, as a CURIE (``HP:0001903``), or None when it is not an id.

    Besides the CURIE, takes the forms people paste: ``hp:0001903``, ``HP_0001903``, ``HP 0001903``,
    ``HP:1903``, ``0001903`` and the OBO PURL ``http://purl.obolibrary.org/obo/HP_0001903``. Whether the term
    exists is not checked.
    """
    match = _LOOSE_ID.fullmatch(text)
    if match is None:
        return None
    return _format_id(int(match.group(1) or match.group(2)))


@dataclass(frozen=True)
class Term:
    """One current HPO term."""

    id: str
    label: str
    definition: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class TermMatch:
    """A search hit: the term, the text that matched, and why it ranked where it did."""

    id: str
    label: str
    matched: str
    match_type: str  # id, label, synonym, words
    score: float


@dataclass(frozen=True)
class _SearchIndex:
    """The words of the search texts (see :attr:`Ontology._search_index`)."""

    vocabulary: list[str]  # sorted
    rows: list[list[int]]  # rows of the search table holding each word
    folded_texts: list[str]  # each row's text, folded word by word
    word_counts: list[int]  # each row's number of words

    def rows_with_prefix(self, prefix: str) -> set[int]:
        """The rows holding a word that starts with ``prefix``."""
        found: set[int] = set()
        start = bisect.bisect_left(self.vocabulary, prefix)
        for position in range(start, len(self.vocabulary)):
            if not self.vocabulary[position].startswith(prefix):
                break
            found.update(self.rows[position])
        return found


class Ontology:
    """The HPO terms and is-a graph of one release. Built by :func:`marbledx.ontology.load_hpo`.

    Term ids are CURIEs (``HP:0011002``). Obsolete and alternative ids are resolved with :meth:`resolve`.
    Internally each current term has a dense integer index, exposed for vectorised code in the ranking
    engine (:meth:`index`, :meth:`ancestor_indices`, :attr:`ic`).
    """

    def __init__(self, index: ReleaseIndex) -> None:
        self._ix = index
        self.version: str = index.versions[0]
        self._num = index.term_num
        self._labels = split_strings(index.labels, index.n_terms)
        self._position_of = {int(num): pos for pos, num in enumerate(index.term_num.tolist())}
        self._retired = {
            int(n): (int(t), int(k))
            for n, t, k in zip(index.retired_num, index.retired_target, index.retired_kind, strict=True)
        }

    # -- identifiers -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._num)

    def __contains__(self, curie: object) -> bool:
        return isinstance(curie, str) and self._position(curie) is not None

    def _position(self, curie: str) -> int | None:
        match = _CURIE.fullmatch(curie)
        if match is None:
            return None
        return self._position_of.get(int(match.group(1)))

    def index(self, curie: str) -> int:
        """Dense index of a current term id; raises :class:`UnknownTermError` otherwise."""
        pos = self._position(curie)
        if pos is None:
            raise UnknownTermError(curie, self.version)
        return pos

    def id_at(self, index: int) -> str:
        return _format_id(int(self._num[index]))

    def is_obsolete(self, curie: str) -> bool:
        match = _CURIE.fullmatch(curie)
        return match is not None and self._retired.get(int(match.group(1)), (-1, 0))[1] == 1

    def replacement(self, curie: str) -> str | None:
        """The current id for an obsolete or alternative id (``None`` if it is current or has none)."""
        match = _CURIE.fullmatch(curie)
        if match is None:
            return None
        target, _ = self._retired.get(int(match.group(1)), (-1, 0))
        return self.id_at(target) if target >= 0 else None

    def resolve(self, curie: str) -> str:
        """Map any id (current, alternative, or obsolete with a replacement) to its current id.

        Raises :class:`UnknownTermError` for ids not in the release or obsolete without a replacement.
        """
        pos = self._position(curie)
        if pos is not None:
            return self.id_at(pos)
        replacement = self.replacement(curie)
        if replacement is None:
            reason = "it is obsolete and has no replacement" if self.is_obsolete(curie) else None
            raise UnknownTermError(curie.strip(), self.version, reason=reason)
        return replacement

    # -- terms ---------------------------------------------------------------------------------------
    def label(self, curie: str) -> str:
        return self._labels[self.index(curie)]

    def label_at(self, index: int) -> str:
        return self._labels[index]

    @cached_property
    def _synonyms(self) -> list[str]:
        return split_strings(self._ix.synonyms, int(self._ix.syn_indptr[-1]))

    @cached_property
    def _definitions(self) -> list[str]:
        return split_strings(self._ix.definitions, len(self))

    def synonyms(self, curie: str) -> tuple[str, ...]:
        pos = self.index(curie)
        start, end = int(self._ix.syn_indptr[pos]), int(self._ix.syn_indptr[pos + 1])
        return tuple(self._synonyms[start:end])

    def term(self, curie: str) -> Term:
        """The full term (label, definition, synonyms) for a current id."""
        pos = self.index(curie)
        return Term(
            id=self.id_at(pos),
            label=self._labels[pos],
            definition=self._definitions[pos],
            synonyms=self.synonyms(curie),
        )

    def ids(self) -> list[str]:
        return [_format_id(int(n)) for n in self._num]

    # -- graph ---------------------------------------------------------------------------------------
    def parent_indices(self, index: int) -> IntArray:
        return self._ix.parent_idx[self._ix.parent_indptr[index] : self._ix.parent_indptr[index + 1]]

    @property
    def ancestor_csr(self) -> tuple[IntArray, IntArray]:
        """(indptr, indices) of every term's ancestors including itself, for vectorised code."""
        return self._ix.ancestor_indptr, self._ix.ancestor_idx

    def ancestor_indices(self, index: int) -> IntArray:
        """Indices of all ancestors of a term, including the term itself."""
        return self._ix.ancestor_idx[self._ix.ancestor_indptr[index] : self._ix.ancestor_indptr[index + 1]]

    @cached_property
    def _children(self) -> tuple[IntArray, IntArray]:
        counts = np.diff(self._ix.parent_indptr)
        child_of_edge = np.repeat(np.arange(len(self), dtype=np.int32), counts)
        order = np.argsort(self._ix.parent_idx, kind="stable")
        indptr = np.zeros(len(self) + 1, dtype=np.int32)
        np.cumsum(np.bincount(self._ix.parent_idx, minlength=len(self)), out=indptr[1:])
        return indptr, child_of_edge[order].astype(np.int32)

    def child_indices(self, index: int) -> IntArray:
        indptr, values = self._children
        return values[indptr[index] : indptr[index + 1]]

    def parents(self, curie: str) -> frozenset[str]:
        return frozenset(self.id_at(int(i)) for i in self.parent_indices(self.index(curie)))

    def children(self, curie: str) -> frozenset[str]:
        return frozenset(self.id_at(int(i)) for i in self.child_indices(self.index(curie)))

    def ancestors(self, curie: str, *, include_self: bool = False) -> frozenset[str]:
        pos = self.index(curie)
        return frozenset(self.id_at(int(i)) for i in self.ancestor_indices(pos) if include_self or i != pos)

    def descendants(self, curie: str, *, include_self: bool = False) -> frozenset[str]:
        pos = self.index(curie)
        seen = {pos}
        stack = [pos]
        while stack:
            for child in self.child_indices(stack.pop()):
                if int(child) not in seen:
                    seen.add(int(child))
                    stack.append(int(child))
        if not include_self:
            seen.discard(pos)
        return frozenset(self.id_at(i) for i in seen)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True if ``ancestor`` is a proper ancestor of ``descendant``."""
        a, d = self.index(ancestor), self.index(descendant)
        return a != d and bool((self.ancestor_indices(d) == a).any())

    @cached_property
    def _under_phenotypic_abnormality(self) -> np.ndarray:
        """Per term index: whether the term is Phenotypic abnormality or below it."""
        indptr, indices = self.ancestor_csr
        mask = np.zeros(len(self), dtype=bool)
        top = self._position(PHENOTYPIC_ABNORMALITY_ID)
        if top is not None:
            owner = np.repeat(np.arange(len(self)), np.diff(indptr))
            mask[owner[indices == top]] = True
        return mask

    def is_phenotype(self, curie: str) -> bool:
        """True if a current id is Phenotypic abnormality or a term below it (a phenotypic feature, not a mode
        of inheritance, an onset or a frequency)."""
        return bool(self._under_phenotypic_abnormality[self.index(curie)])

    @cached_property
    def fingerprint(self) -> str:
        """A digest of the terms, their names and the is-a graph: what look-ups by name built from this
        ontology depend on (a key for caches of them)."""
        ix = self._ix
        digest = hashlib.sha256()
        for array in (ix.term_num, ix.labels, ix.synonyms, ix.syn_indptr, ix.parent_indptr, ix.parent_idx):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()[:16]

    # -- information content ------------------------------------------------------------------------
    @property
    def ic(self) -> np.ndarray:
        """Annotation-based information content per term index (read-only view)."""
        view = self._ix.ic.view()
        view.flags.writeable = False
        return view

    def information_content(self, curie: str) -> float:
        return float(self._ix.ic[self.index(curie)])

    # -- search --------------------------------------------------------------------------------------
    @cached_property
    def _search_table(self) -> list[tuple[int, str, str, str]]:
        """(term index, original text, normalised text, kind) for every label and synonym."""
        rows: list[tuple[int, str, str, str]] = []
        for pos, label in enumerate(self._labels):
            rows.append((pos, label, normalise_text(label), "label"))
        indptr = self._ix.syn_indptr
        for pos in range(len(self)):
            for k in range(int(indptr[pos]), int(indptr[pos + 1])):
                text = self._synonyms[k]
                rows.append((pos, text, normalise_text(text), "synonym"))
        return rows

    @cached_property
    def _longest_text(self) -> int:
        """The most characters, spaces aside, of any normalised label or synonym: no text has more distinct
        word prefixes than that, so a query with more distinct words matches nothing."""
        return max((len(norm) - norm.count(" ") for _, _, norm, _ in self._search_table), default=0)

    def find_exact(self, text: str) -> str | None:
        """The term whose label, or failing that synonym, equals ``text`` after normalisation."""
        wanted = normalise_text(text)
        synonym_hit: int | None = None
        for pos, _, norm, kind in self._search_table:
            if norm == wanted:
                if kind == "label":
                    return self.id_at(pos)
                synonym_hit = pos if synonym_hit is None else synonym_hit
        return self.id_at(synonym_hit) if synonym_hit is not None else None

    @cached_property
    def _search_index(self) -> _SearchIndex:
        """Every word of the labels and synonyms, as written and folded (:func:`search_fold`), sorted, with the
        rows of :attr:`_search_table` that hold it: a query word then finds its rows by a binary search for its
        prefix instead of a pass over all 42,000 texts (60 ms a query with HPO 2025-01-16)."""
        rows_of: dict[str, list[int]] = {}
        folded_texts: list[str] = []
        word_counts: list[int] = []
        for row, (_, _, norm, _) in enumerate(self._search_table):
            words = norm.split()
            folded = [search_fold(word) for word in words]
            folded_texts.append(" ".join(folded))
            word_counts.append(len(words))
            for word in {*words, *folded}:
                rows_of.setdefault(word, []).append(row)
        vocabulary = sorted(rows_of)
        return _SearchIndex(vocabulary, [rows_of[w] for w in vocabulary], folded_texts, word_counts)

    def search(self, query: str, *, limit: int = 10) -> list[TermMatch]:
        """Rank terms matching an id, a label or words.

        Exact id > exact label > exact synonym > a label or synonym equal to the query once both are folded
        (British spelling, lay words such as "big", plurals: "papilloedema", "big spleen", "fractures") > all
        query words as word prefixes of a label or synonym, as written or folded; ties prefer labels, then
        shorter texts, then more specific terms (higher information content). An id may be written as
        :func:`search_id` reads it; an obsolete or alternative id finds its replacement, and an id the release
        lacks finds nothing.
        """
        query = query.strip()
        if not query:
            return []
        curie = search_id(query)
        if curie is not None:
            try:
                current = self.resolve(curie)
            except UnknownTermError:
                return []
            pos = self.index(current)
            return [TermMatch(current, self._labels[pos], query, "id", 100.0)]
        wanted = normalise_text(query)
        # Each distinct word once: a repeated word adds no condition, but would cost a pass over the texts
        # each time (100 kB of "a a a …" took minutes) and would distort the length penalty below.
        words = list(dict.fromkeys(wanted.split()))
        if not words or len(words) > self._longest_text:
            return []
        folded_wanted = " ".join(search_fold(word) for word in wanted.split())
        index = self._search_index
        candidates: set[int] | None = None
        for word in sorted(words, key=len, reverse=True):  # the longest word has the fewest rows
            found = index.rows_with_prefix(word) | index.rows_with_prefix(search_fold(word))
            candidates = found if candidates is None else candidates & found
            if not candidates:
                return []
        best: dict[int, TermMatch] = {}
        for row in candidates or ():
            pos, original, norm, kind = self._search_table[row]
            if norm == wanted:
                score = 90.0 if kind == "label" else 80.0
                match_type = kind
            elif index.folded_texts[row] == folded_wanted:
                score = 75.0 if kind == "label" else 70.0
                match_type = kind
            else:
                score = (
                    50.0
                    + (5.0 if kind == "label" else 0.0)
                    - 0.5 * max(index.word_counts[row] - len(words), 0)
                )
                score += 0.1 * float(self._ix.ic[pos]) / 10.0
                match_type = "words"
            previous = best.get(pos)
            if previous is None or score > previous.score:
                best[pos] = TermMatch(
                    self.id_at(pos), self._labels[pos], original, match_type, round(score, 3)
                )
        ranked = sorted(best.values(), key=lambda m: (-m.score, len(m.label), m.id))
        return ranked[:limit]
