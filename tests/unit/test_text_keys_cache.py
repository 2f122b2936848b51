"""The text parser's look-up tables, kept on disk: read back equal to a fresh build, rebuilt when damaged,
and optional when no folder can be written."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from marbledx.findings import TextParser, _text
from marbledx.ontology import Hpo


def _tables(parser: TextParser) -> tuple[object, ...]:
    keys = parser._keys
    return keys.ordered, keys.bag, keys.measured, keys.named_with


def test_tables_read_back_equal_a_fresh_build(
    mini_hpo: Hpo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _tables(TextParser(mini_hpo.ontology, cache=False))
    assert _tables(TextParser(mini_hpo.ontology, cache=tmp_path)) == built
    (stored,) = tmp_path.glob("text-*.npz")

    def no_build(self: TextParser) -> None:
        raise AssertionError("the tables should come from the cache")

    monkeypatch.setattr(TextParser, "_build_keys", no_build)
    reader = TextParser(mini_hpo.ontology, cache=tmp_path)
    assert _tables(reader) == built
    assert {m.hpo_id for m in reader.parse("anaemia and big spleen").mappings} == {"HP:0001903", "HP:0001744"}
    assert list(tmp_path.glob("text-*.npz")) == [stored]


def test_a_change_of_code_or_ontology_is_another_file(
    mini_hpo: Hpo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert TextParser(mini_hpo.ontology, cache=tmp_path)._keys.ordered
    monkeypatch.setattr(_text, "_code_digest", lambda: "another version of the code")
    assert TextParser(mini_hpo.ontology, cache=tmp_path)._keys.ordered
    assert len(list(tmp_path.glob("text-*.npz"))) == 2


def test_a_damaged_file_is_rebuilt(mini_hpo: Hpo, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    built = _tables(TextParser(mini_hpo.ontology, cache=False))
    assert TextParser(mini_hpo.ontology, cache=tmp_path)._keys.ordered
    (stored,) = tmp_path.glob("text-*.npz")
    stored.write_bytes(b"not a zip file")
    with caplog.at_level(logging.WARNING, logger="marbledx.findings._text"):
        assert _tables(TextParser(mini_hpo.ontology, cache=tmp_path)) == built
    assert "unreadable; rebuilding it" in caplog.text
    assert _tables(TextParser(mini_hpo.ontology, cache=tmp_path)) == built  # written again, readable


def test_a_folder_that_cannot_be_written_only_costs_time(
    mini_hpo: Hpo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="marbledx.findings._text"):
        parser = TextParser(mini_hpo.ontology, cache=blocked / "cache")
        assert {m.hpo_id for m in parser.parse("anaemia").mappings} == {"HP:0001903"}
    assert "cannot write text look-up cache" in caplog.text


def test_the_fingerprint_follows_the_ontology(mini_hpo: Hpo) -> None:
    fingerprint = mini_hpo.ontology.fingerprint
    assert len(fingerprint) == 16
    assert int(fingerprint, 16) >= 0
    assert mini_hpo.ontology.fingerprint == fingerprint
