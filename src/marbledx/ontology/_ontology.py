"""Terms of the Human Phenotype Ontology: look-up, obsolete handling, graph, information content, search."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from marbledx._text import normalise_text, normalise_texts, search_fold, search_typed_form
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


# Words of a label or synonym that name nothing of the finding: function words, and the words saying how a
# quantity was measured rather than which ("Low platelet count" is Thrombocytopenia as much as "low platelets"
# is). A text's words left unmatched by a query count against it (see :meth:`Ontology.search`) without these.
_NOT_COUNTED = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with"}
    | {"circulating", "concentration", "count", "level", "number", "plasma", "serum"}
)


@dataclass(frozen=True)
class _SearchIndex:
    """The words of the search texts (see :attr:`Ontology._search_index`)."""

    vocabulary: list[str]  # sorted
    # The rows of the search table holding each vocabulary word, as written or folded: word w's rows are
    # row_values[row_indptr[w]:row_indptr[w + 1]], so the words with one prefix hold one slice.
    row_indptr: np.ndarray
    row_values: np.ndarray
    folded_texts: list[str]  # each row's text, folded word by word
    term_of_row: np.ndarray  # each row's term index
    text_length: np.ndarray  # each row's text's length, as written
    # Each row's words, flat (row r: word_indptr[r]:word_indptr[r + 1]): the word's position in the vocabulary
    # as written and folded, and whether it counts when the query leaves it unmatched (not in _NOT_COUNTED).
    word_indptr: np.ndarray
    written: np.ndarray
    folded: np.ndarray
    counted: np.ndarray

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """The positions ``[start, stop)`` of the vocabulary words that start with ``prefix``."""
        start = bisect.bisect_left(self.vocabulary, prefix)
        # The words are normalised (a-z, 0-9): every word that starts with the prefix sorts before this one.
        return start, bisect.bisect_left(self.vocabulary, prefix + "\U0010ffff", lo=start)

    def rows_in(self, start: int, stop: int) -> np.ndarray:
        """The rows (sorted, once each) holding a vocabulary word at a position in ``[start, stop)``."""
        rows = self.row_values[self.row_indptr[start] : self.row_indptr[stop]]
        return rows if stop - start == 1 else np.unique(rows)

    def position(self, word: str) -> int:
        """The vocabulary position of ``word``, or -1 when no text has it."""
        at = bisect.bisect_left(self.vocabulary, word)
        return at if at < len(self.vocabulary) and self.vocabulary[at] == word else -1


@dataclass(frozen=True)
class _QueryWord:
    """One distinct word of a query: the vocabulary ranges of the words it begins, as written or folded, and the
    positions of the words it is in full."""

    ranges: tuple[tuple[int, int], ...]
    whole: tuple[int, ...]


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
        counts = np.diff(self._ix.syn_indptr).tolist()
        owners = [pos for pos, count in enumerate(counts) for _ in range(count)]
        texts = [*self._labels, *self._synonyms[: len(owners)]]
        # One pass of the normaliser over all texts; a line break inside one is a space to it either way.
        normalised = normalise_texts([text.replace("\n", " ") for text in texts])
        kinds = ["label"] * len(self._labels) + ["synonym"] * len(owners)
        return list(zip([*range(len(self._labels)), *owners], texts, normalised, kinds, strict=True))

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
        prefix instead of a pass over all 42,000 texts (60 ms a query with HPO 2025-01-16). Each row also keeps
        its words as vocabulary positions, so that how well a row matches is worked out on arrays."""
        table = self._search_table
        split = [norm.split() for _, _, norm, _ in table]
        lengths = np.fromiter((len(words) for words in split), dtype=np.int64, count=len(split))
        distinct = sorted({word for words in split for word in words})
        number = {word: k for k, word in enumerate(distinct)}
        folds = [search_fold(word) for word in distinct]
        folded_texts = [" ".join([folds[number[word]] for word in words]) for words in split]
        vocabulary = sorted({*distinct, *folds})
        position = {word: at for at, word in enumerate(vocabulary)}
        # Each distinct word's vocabulary position as written and folded; the flat words index into them.
        flat = np.fromiter((number[word] for words in split for word in words), dtype=np.int64)
        written = np.array([position[word] for word in distinct], dtype=np.int32)[flat]
        folded = np.array([position[word] for word in folds], dtype=np.int32)[flat]
        counted = np.array([word not in _NOT_COUNTED for word in folds], dtype=bool)[flat]
        # (word, row) pairs, each once, sorted by word and then row: the rows of each word, as one array.
        owner = np.repeat(np.arange(len(split), dtype=np.int64), lengths)
        pairs = np.unique(np.concatenate([written, folded]).astype(np.int64) * len(split) + np.tile(owner, 2))
        row_indptr = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(pairs // len(split), minlength=len(vocabulary)), out=row_indptr[1:])
        word_indptr = np.zeros(len(split) + 1, dtype=np.int64)
        np.cumsum(lengths, out=word_indptr[1:])
        return _SearchIndex(
            vocabulary=vocabulary,
            row_indptr=row_indptr,
            row_values=(pairs % len(split)).astype(np.int32),
            folded_texts=folded_texts,
            term_of_row=np.fromiter((pos for pos, _, _, _ in table), dtype=np.int64, count=len(table)),
            text_length=np.fromiter((len(text) for _, text, _, _ in table), dtype=np.int64, count=len(table)),
            word_indptr=word_indptr,
            written=written,
            folded=folded,
            counted=counted,
        )

    def _query_word(self, word: str) -> _QueryWord:
        """The vocabulary ranges and whole words that one query word matches (see :meth:`search`)."""
        index = self._search_index
        folded = search_fold(word)
        ranges = {r for r in (index.prefix_range(word), index.prefix_range(folded)) if r[0] < r[1]}
        typed = search_typed_form(word)
        if not ranges and typed is not None:  # "papilloe": the user is typing "papilloedema"
            ranges = {r for r in [index.prefix_range(typed)] if r[0] < r[1]}
        whole = tuple({at for at in (index.position(word), index.position(folded)) if at >= 0})
        return _QueryWord(tuple(sorted(ranges)), whole)

    def _rows_holding(self, word: _QueryWord) -> np.ndarray:
        """The rows (sorted, once each) with a word that the query word begins, as written or folded."""
        found = [self._search_index.rows_in(start, stop) for start, stop in word.ranges]
        if not found:
            return np.zeros(0, dtype=np.int32)
        return found[0] if len(found) == 1 else np.union1d(found[0], found[1])

    def _word_match_quality(self, rows: np.ndarray, query: list[_QueryWord]) -> tuple[np.ndarray, np.ndarray]:
        """For each row: how many of its words (those that count, see ``_NOT_COUNTED``) no query word matches,
        and how many query words match none of its words in full (only as the start of one)."""
        index = self._search_index
        owner, flat = _gather(index.word_indptr, rows)
        written, folded = index.written[flat], index.folded[flat]
        matched = np.zeros(len(flat), dtype=bool)
        partial = np.zeros(len(rows), dtype=np.int64)
        for word in query:
            for start, stop in word.ranges:
                matched |= ((written >= start) & (written < stop)) | ((folded >= start) & (folded < stop))
            in_full = np.isin(written, word.whole) | np.isin(folded, word.whole)
            partial += np.bincount(owner[in_full], minlength=len(rows)) == 0
        extra = np.bincount(owner[~matched & index.counted[flat]], minlength=len(rows))
        return extra, partial

    def _subsumed_counts(self, terms: np.ndarray) -> np.ndarray:
        """For each of ``terms`` (indices, each once), how many of the others are its descendants."""
        indptr, indices = self.ancestor_csr
        _, flat = _gather(indptr, terms)
        counts: np.ndarray = np.bincount(indices[flat], minlength=len(self)) - 1
        subsumed: np.ndarray = counts[terms]
        return subsumed

    def search(self, query: str, *, limit: int = 10) -> list[TermMatch]:
        """Rank terms matching an id, a label or words.

        Exact id > exact label > exact synonym > a label or synonym equal to the query once both are folded
        (British spelling, lay words such as "big", plurals: "papilloedema", "big spleen", "fractures") > all
        query words as word prefixes of a label or synonym, as written or folded. Word matches rank by the
        words of the text that no query word matches (fewer first; function words and words such as "level"
        or "count" aside), then by the query words that only begin a word of the text (fewer first). Ties
        prefer the term of which more of the other matching terms are descendants (the general term the
        others refine: "fractures" gives Bone fracture), then the term annotated to more diseases (lower
        information content), then labels, then shorter texts. An id may be written as :func:`search_id`
        reads it; an obsolete or alternative id finds its replacement, and an id the release lacks finds
        nothing.
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
        # each time (100 kB of "a a a …" took minutes) and would count twice below.
        words = list(dict.fromkeys(wanted.split()))
        if not words or len(words) > self._longest_text:
            return []
        index = self._search_index
        query_words = [self._query_word(word) for word in sorted(words, key=len, reverse=True)]
        rows = self._rows_holding(query_words[0])  # the longest word has the fewest rows
        for query_word in query_words[1:]:
            if not len(rows):
                return []
            rows = np.intersect1d(rows, self._rows_holding(query_word), assume_unique=True)
        if not len(rows):
            return []
        extra, partial = self._word_match_quality(rows, query_words)
        # A word of the text that the query leaves out says something the user did not ("Fracture type",
        # "Unilateral deafness"): it costs more than a query word still being typed.
        score = 50.0 - extra - 0.5 * partial
        kind = np.full(len(rows), _WORDS, dtype=np.int8)
        # A text equal to the query, as written or folded, has every word matched in full.
        folded_wanted = " ".join(search_fold(word) for word in wanted.split())
        for at in np.flatnonzero((extra == 0) & (partial == 0)).tolist():
            row = int(rows[at])
            is_label = row < len(self._labels)  # the labels are the first rows of the table
            if self._search_table[row][2] == wanted:
                score[at], kind[at] = (90.0, _LABEL) if is_label else (80.0, _SYNONYM)
            elif index.folded_texts[row] == folded_wanted:
                score[at], kind[at] = (75.0, _LABEL) if is_label else (70.0, _SYNONYM)
        terms = index.term_of_row[rows]
        not_label = rows >= len(self._labels)
        length = index.text_length[rows]
        # Each term's best text: the best score, then its label, then the shortest.
        order = np.lexsort((length, not_label, -score, terms))
        first = order[np.r_[True, terms[order][1:] != terms[order][:-1]]]
        best_terms = terms[first]
        # Among equally good matches the term that subsumes more of the others is the one the query names
        # ("bleeding": Abnormal bleeding, not Oral bleeding). Then, as a prior only, the term annotated to more
        # diseases: it is the likelier to be seen, so the likelier meant (HPO's annotation-based information
        # content, lower first). Term indices follow the ids, so the last key orders by id.
        subsumed = self._subsumed_counts(best_terms)
        ranked = first[
            np.lexsort(
                (
                    best_terms,
                    length[first],
                    not_label[first],
                    self._ix.ic[best_terms],
                    -subsumed,
                    -score[first],
                )
            )
        ][:limit]
        matches = []
        for at in ranked.tolist():
            pos, original, _, _ = self._search_table[int(rows[at])]
            match_type = ("label", "synonym", "words")[int(kind[at])]
            matches.append(
                TermMatch(self.id_at(pos), self._labels[pos], original, match_type, float(score[at]))
            )
        return matches


_LABEL, _SYNONYM, _WORDS = 0, 1, 2  # how a text matched the query


def _gather(indptr: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For compressed rows (row r: ``indptr[r]:indptr[r + 1]``), the positions of the chosen rows' entries,
    flat, and for each which of the chosen rows (0, 1, …) it belongs to."""
    starts = indptr[chosen].astype(np.int64)
    lengths = indptr[chosen + 1].astype(np.int64) - starts
    owner = np.repeat(np.arange(len(chosen)), lengths)
    flat = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, flat + np.repeat(starts, lengths)
