"""``marbledx data update`` against a local HTTP server serving fixture release files (no internet)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from marbledx.cli import main
from marbledx.errors import DownloadError, OntologyDataError
from marbledx.ontology import DirectoryRelease, default_source, load_hpo, update_release

from ..conftest import copy_release


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def serve() -> Iterator[object]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/download"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _site(tmp_path: Path) -> Path:
    return copy_release(tmp_path / "site" / "download").parent


def test_update_downloads_validates_records_and_activates(tmp_path: Path, serve) -> None:
    base_url = serve(_site(tmp_path))
    installed = update_release(base_url, root=tmp_path / "data")
    assert installed.version == "2099-01-01"
    assert installed.annotation_version == "2099-01-02"
    assert installed.folder == tmp_path / "data" / "hpo" / "2099-01-01"
    record = json.loads((installed.folder / "release.json").read_text())
    assert record["version"] == "2099-01-01"
    assert record["base_url"] == base_url
    assert set(record["sha256"]) == {"hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt"}
    assert not [p for p in (tmp_path / "data" / "hpo").iterdir() if p.name.startswith(".staging")]


def test_cli_update_then_default_release_is_the_download(tmp_path: Path, serve, capsys) -> None:
    base_url = serve(_site(tmp_path))
    assert main(["data", "update", "--base-url", base_url]) == 0
    assert "HPO release 2099-01-01 (annotations 2099-01-02) now active" in capsys.readouterr().out
    source = default_source()
    assert isinstance(source, DirectoryRelease)
    assert load_hpo(cache=False).version == "2099-01-01"
    assert main(["data", "info", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["hpo_version"] == "2099-01-01"
    assert main(["data", "use", "bundled"]) == 0
    assert main(["data", "use", "2099-01-01"]) == 0
    assert main(["data", "use", "1999-01-01"]) == 2
    assert "no downloaded HPO release '1999-01-01'" in capsys.readouterr().err


def test_missing_file_on_server_installs_nothing(tmp_path: Path, serve, capsys) -> None:
    site = _site(tmp_path)
    (site / "download" / "genes_to_phenotype.txt").unlink()
    base_url = serve(site)
    with pytest.raises(DownloadError, match=r"genes_to_phenotype.txt failed: HTTP 404"):
        update_release(base_url, root=tmp_path / "data")
    assert [p.name for p in (tmp_path / "data" / "hpo").iterdir()] == []
    assert main(["data", "update", "--base-url", base_url]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("marbledx: error: download of ")


def test_invalid_release_content_installs_nothing(tmp_path: Path, serve) -> None:
    site = _site(tmp_path)
    (site / "download" / "phenotype.hpoa").write_text("not\ta\nrelease\n")
    base_url = serve(site)
    with pytest.raises(OntologyDataError, match=r"not a valid HPO release"):
        update_release(base_url, root=tmp_path / "data")
    assert not (tmp_path / "data" / "hpo" / "current.json").exists()
    assert [p.name for p in (tmp_path / "data" / "hpo").iterdir()] == []


def test_unreachable_server_is_a_download_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"download of http://127.0.0.1:9/hp.obo failed"):
        update_release("http://127.0.0.1:9", root=tmp_path / "data", timeout=5)
