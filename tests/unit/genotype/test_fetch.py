"""``marbledx data fetch clinvar|genes`` against a loopback HTTP server serving fixture files (no internet)."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path

import pysam
import pytest

from marbledx.cli import main
from marbledx.errors import DataError, DownloadError
from marbledx.genotype._clinvar import ClinvarVcf
from marbledx.genotype._fetch import (
    CLINVAR_URL,
    GENCODE_URL,
    clinvar_url,
    fetch_clinvar,
    fetch_genes,
    genes_url,
    installed_clinvar,
    installed_genes,
)
from marbledx.genotype._genes import GeneRegions

from ...conftest import TESTS

FIXTURES = TESTS / "data" / "genotype"
CLINVAR_PATH = "vcf_GRCh38/clinvar.vcf.gz"
GTF_PATH = "gencode.v46.basic.annotation.gtf.gz"

Serve = Callable[[Path], str]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        del format, args

    def do_GET(self) -> None:
        if self.path.startswith("/short/"):
            # Promise more bytes than are sent, as a dropped connection would.
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"\x1f\x8b" + b"\0" * 100)
            return
        super().do_GET()


@pytest.fixture
def serve() -> Iterator[Serve]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _clinvar_site(site: Path, *, index: bool = True, relative: str = CLINVAR_PATH) -> Path:
    target = site / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    plain = target.with_suffix("")
    plain.write_bytes((FIXTURES / "clinvar-mini.vcf").read_bytes())
    pysam.tabix_compress(str(plain), str(target), force=True)
    plain.unlink()
    if index:
        pysam.tabix_index(str(target), preset="vcf", force=True)
    return target


def _gencode_site(site: Path, text: str | None = None, *, relative: str = GTF_PATH) -> Path:
    target = site / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    gtf = text if text is not None else (FIXTURES / "gencode-mini.gtf").read_text(encoding="utf-8")
    target.write_bytes(gzip.compress(gtf.encode()))
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")] if folder.is_dir() else []


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"  # MARBLEDX_DATA_DIR, set by tests/conftest.py


# --- URLs ----------------------------------------------------------------------------------------------


def test_default_and_overridden_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    assert clinvar_url("GRCh38") == f"{CLINVAR_URL}/vcf_GRCh38/clinvar.vcf.gz"
    assert clinvar_url("GRCh37") == "https://ftp.ncbi.nlm.nih.gov/pub/clinvar/vcf_GRCh37/clinvar.vcf.gz"
    assert genes_url("GRCh38") == f"{GENCODE_URL}/gencode.v46.basic.annotation.gtf.gz"
    assert genes_url("GRCh37") == (
        "https://ftp.ebi.ac.uk/pub/databases/gencode/Gencode_human/release_46/"
        "GRCh37_mapping/gencode.v46lift37.basic.annotation.gtf.gz"
    )
    assert (
        clinvar_url("GRCh38", "http://mirror/clinvar/") == "http://mirror/clinvar/vcf_GRCh38/clinvar.vcf.gz"
    )
    assert clinvar_url("GRCh37", "http://mirror/x.vcf.gz") == "http://mirror/x.vcf.gz"
    monkeypatch.setenv("MARBLEDX_CLINVAR_URL", "http://env/clinvar")
    monkeypatch.setenv("MARBLEDX_GENES_URL", "http://env/genes/my.gtf.gz")
    assert clinvar_url("GRCh38") == "http://env/clinvar/vcf_GRCh38/clinvar.vcf.gz"
    assert genes_url("GRCh37") == "http://env/genes/my.gtf.gz"
    assert genes_url("GRCh38", "http://arg/release") == f"http://arg/release/{GTF_PATH}"


def test_nothing_installed_yet(data: Path) -> None:
    assert installed_clinvar("GRCh38") is None
    assert installed_genes("GRCh38") is None
    assert installed_clinvar("GRCh37", root=data) is None


# --- ClinVar -------------------------------------------------------------------------------------------


def test_fetch_clinvar_validates_installs_and_records(tmp_path: Path, data: Path, serve: Serve) -> None:
    served = _clinvar_site(tmp_path / "site")
    base = serve(tmp_path / "site")
    fetched = fetch_clinvar("GRCh38", base_url=base)
    folder = data / "clinvar" / "GRCh38"
    assert fetched.path == folder / "clinvar.vcf.gz"
    assert fetched.index == folder / "clinvar.vcf.gz.tbi"
    assert fetched.index.is_file()
    assert fetched.records == 12
    assert fetched.release == "2024-06-03"
    assert installed_clinvar("GRCh38") == fetched.path
    assert installed_clinvar("GRCh37") is None
    manifest = json.loads(fetched.manifest.read_text())
    assert manifest["source_url"] == f"{base}/{CLINVAR_PATH}"
    assert manifest["index_url"] == f"{base}/{CLINVAR_PATH}.tbi"
    assert manifest["sha256"] == _sha256(served) == _sha256(fetched.path)
    assert manifest["size"] == served.stat().st_size
    assert manifest["file_date"] == "2024-06-03"
    assert manifest["records"] == 12
    assert manifest["build"] == "GRCh38"
    assert datetime.fromisoformat(manifest["fetched_at"]).tzinfo is not None
    assert _leftovers(data / "clinvar") == []
    with ClinvarVcf.open(fetched.path, build="GRCh38") as clinvar:
        assert clinvar.indexed
        assert clinvar.significance("chr11", 68039500, "G", "A") == "pathogenic"


def test_fetch_clinvar_again_replaces_the_install(tmp_path: Path, data: Path, serve: Serve) -> None:
    _clinvar_site(tmp_path / "site")
    base = serve(tmp_path / "site")
    first = fetch_clinvar(base_url=base)
    second = fetch_clinvar(base_url=base)
    assert first.path == second.path
    assert sorted(p.name for p in (data / "clinvar").iterdir()) == ["GRCh38"]


def test_env_url_file_url_and_root(tmp_path: Path, serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    _clinvar_site(tmp_path / "site", relative="mirror/latest.vcf.gz")
    base = serve(tmp_path / "site")
    monkeypatch.setenv("MARBLEDX_CLINVAR_URL", f"{base}/mirror/latest.vcf.gz")
    fetched = fetch_clinvar("GRCh38", root=tmp_path / "elsewhere")
    assert fetched.path == tmp_path / "elsewhere" / "clinvar" / "GRCh38" / "clinvar.vcf.gz"
    assert fetched.source_url == f"{base}/mirror/latest.vcf.gz"
    assert installed_clinvar("GRCh38", root=tmp_path / "elsewhere") == fetched.path


def test_missing_index_on_server_is_built_locally(tmp_path: Path, serve: Serve) -> None:
    _clinvar_site(tmp_path / "site", index=False)
    fetched = fetch_clinvar(base_url=serve(tmp_path / "site"))
    assert fetched.index is not None
    assert fetched.index.is_file()
    assert json.loads(fetched.manifest.read_text())["index_url"] is None
    with ClinvarVcf.open(fetched.path) as clinvar:
        assert clinvar.indexed
        assert clinvar.significance("16", 1447000, "C", "T") == "pathogenic"


def test_clinvar_404_installs_nothing(tmp_path: Path, data: Path, serve: Serve) -> None:
    (tmp_path / "site").mkdir()
    base = serve(tmp_path / "site")
    with pytest.raises(DownloadError, match=r"vcf_GRCh38/clinvar.vcf.gz failed: HTTP 404"):
        fetch_clinvar(base_url=base)
    assert installed_clinvar("GRCh38") is None
    assert list((data / "clinvar").iterdir()) == []


def test_html_page_instead_of_gzip(tmp_path: Path, data: Path, serve: Serve) -> None:
    page = tmp_path / "site" / CLINVAR_PATH
    page.parent.mkdir(parents=True)
    page.write_text("<!DOCTYPE html><html><body>Maintenance</body></html>")
    with pytest.raises(DataError, match=r"returned an HTML page, not a bgzipped ClinVar VCF"):
        fetch_clinvar(base_url=serve(tmp_path / "site"))
    assert installed_clinvar("GRCh38") is None
    assert _leftovers(data / "clinvar") == []


def test_html_page_instead_of_index(tmp_path: Path, serve: Serve) -> None:
    served = _clinvar_site(tmp_path / "site")
    Path(f"{served}.tbi").write_text("<html>error</html>")
    with pytest.raises(DataError, match=r"clinvar.vcf.gz.tbi returned an HTML page, not a tabix index"):
        fetch_clinvar(base_url=serve(tmp_path / "site"))
    assert installed_clinvar("GRCh38") is None


def test_truncated_download_keeps_the_previous_install(tmp_path: Path, data: Path, serve: Serve) -> None:
    served = _clinvar_site(tmp_path / "site")
    base = serve(tmp_path / "site")
    good = fetch_clinvar(base_url=base)
    before = (_sha256(good.path), good.manifest.read_text())
    content = served.read_bytes()
    served.write_bytes(content[: len(content) - 40])
    with pytest.raises(DataError, match=r"truncated"):
        fetch_clinvar(base_url=base)
    assert (_sha256(good.path), good.manifest.read_text()) == before
    assert installed_clinvar("GRCh38") == good.path
    assert _leftovers(data / "clinvar") == []


def test_corrupt_gzip_is_a_data_error(tmp_path: Path, serve: Serve) -> None:
    served = _clinvar_site(tmp_path / "site")
    content = bytearray(served.read_bytes())
    content[60:80] = b"\xff" * 20  # damage the first block, keep the BGZF end-of-file block
    served.write_bytes(bytes(content))
    with pytest.raises(DataError, match=r"truncated or corrupt"):
        fetch_clinvar(base_url=serve(tmp_path / "site"))


def test_short_body_is_a_download_error(tmp_path: Path, serve: Serve) -> None:
    (tmp_path / "site").mkdir()
    base = serve(tmp_path / "site")
    with pytest.raises(DownloadError, match=r"received 102 of 100000 bytes"):
        fetch_clinvar(base_url=f"{base}/short/clinvar.vcf.gz")


def test_clinvar_of_the_wrong_build(tmp_path: Path, serve: Serve) -> None:
    _clinvar_site(tmp_path / "site", relative="vcf_GRCh37/clinvar.vcf.gz")
    with pytest.raises(
        DataError, match=r"not a usable ClinVar VCF: .*is for GRCh38, but the analysis uses GRCh37"
    ):
        fetch_clinvar("GRCh37", base_url=serve(tmp_path / "site"))
    assert installed_clinvar("GRCh37") is None


def test_unreachable_server(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"download of http://127.0.0.1:9/x.vcf.gz failed"):
        fetch_clinvar(base_url="http://127.0.0.1:9/x.vcf.gz", root=tmp_path / "d", timeout=5)


# --- Genes ---------------------------------------------------------------------------------------------


def test_fetch_genes_converts_gencode_to_a_sorted_bed(tmp_path: Path, data: Path, serve: Serve) -> None:
    served = _gencode_site(tmp_path / "site")
    base = serve(tmp_path / "site")
    fetched = fetch_genes("GRCh38", url=base)
    assert fetched.path == data / "genes" / "GRCh38" / "genes-GRCh38.bed.gz"
    assert installed_genes("GRCh38") == fetched.path
    assert fetched.records == 8
    assert fetched.release == "2024-05-01"
    lines = gzip.decompress(fetched.path.read_bytes()).decode().splitlines()
    assert lines[0] == "#build=GRCh38"
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    assert [(r[0], r[3]) for r in rows] == [
        ("chr1", "GENEA"),
        ("chr9", "RMRP"),
        ("chr11", "TCIRG1"),
        ("chr11", "TCIRG1-AS1"),
        ("chr11", "GENEB"),
        ("chr16", "CLCN7"),
        ("chrX", "CLCN5"),
        ("chrM", "MT-ATP6"),
    ]
    assert rows[2][1:3] == ["68039000", "68050866"]  # GTF 1-based 68039001 → BED 0-based
    assert rows[2][5:] == ["+", "protein_coding", "ENSG00000110719.10"]
    assert rows[1][6] == "snoRNA"  # non-coding genes are kept
    regions = GeneRegions.read_bed(fetched.path, build="GRCh38")
    assert regions.genes_at("11", 68045500, 68045500) == ("TCIRG1", "TCIRG1-AS1")
    assert regions.genes_at("11", 68100500, 68100500) == ()  # the unnamed locus is left out
    manifest = json.loads(fetched.manifest.read_text())
    assert manifest["source_url"] == f"{base}/{GTF_PATH}"
    assert manifest["sha256"] == _sha256(served)
    assert manifest["size"] == served.stat().st_size
    assert manifest["file_sha256"] == _sha256(fetched.path)
    assert manifest["gencode_date"] == "2024-05-01"
    assert manifest["genes"] == 8
    assert _leftovers(data / "genes") == []
    assert [p.name for p in fetched.path.parent.iterdir()] != []
    assert not list(fetched.path.parent.glob("*.gtf*"))


def test_fetch_genes_grch37_from_env_folder(
    tmp_path: Path, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (FIXTURES / "gencode-mini.gtf").read_text().replace("(GRCh38)", "(GRCh37)")
    _gencode_site(
        tmp_path / "site", text, relative="GRCh37_mapping/gencode.v46lift37.basic.annotation.gtf.gz"
    )
    monkeypatch.setenv("MARBLEDX_GENES_URL", serve(tmp_path / "site"))
    fetched = fetch_genes("GRCh37")
    assert fetched.path.name == "genes-GRCh37.bed.gz"
    assert GeneRegions.read_bed(fetched.path, build="GRCh37").build == "GRCh37"


def test_genes_of_the_wrong_build(tmp_path: Path, serve: Serve) -> None:
    _gencode_site(tmp_path / "site", relative="x.gtf.gz")
    with pytest.raises(DataError, match=r"x.gtf.gz is a GRCh38 annotation .*; expected GRCh37"):
        fetch_genes("GRCh37", url=f"{serve(tmp_path / 'site')}/x.gtf.gz")
    assert installed_genes("GRCh37") is None


def test_genes_404_and_html(tmp_path: Path, data: Path, serve: Serve) -> None:
    (tmp_path / "site").mkdir()
    base = serve(tmp_path / "site")
    with pytest.raises(DownloadError, match=r"HTTP 404"):
        fetch_genes(url=base)
    (tmp_path / "site" / GTF_PATH).write_text("<html><head><title>Error</title></head></html>")
    with pytest.raises(DataError, match=r"returned an HTML page, not a gzipped GTF"):
        fetch_genes(url=base)
    assert installed_genes("GRCh38") is None
    assert _leftovers(data / "genes") == []


def test_truncated_gtf_keeps_the_previous_table(tmp_path: Path, data: Path, serve: Serve) -> None:
    served = _gencode_site(tmp_path / "site")
    base = serve(tmp_path / "site")
    good = fetch_genes(url=base)
    before = (_sha256(good.path), good.manifest.read_text())
    content = served.read_bytes()
    served.write_bytes(content[: len(content) // 2])
    with pytest.raises(DataError, match=r"truncated or corrupt"):
        fetch_genes(url=base)
    assert (_sha256(good.path), good.manifest.read_text()) == before
    assert _leftovers(data / "genes") == []


def test_malformed_gtf_line_is_named(tmp_path: Path, serve: Serve) -> None:
    text = (FIXTURES / "gencode-mini.gtf").read_text() + "chr1\tHAVANA\tgene\tnot-a-number\t5\n"
    _gencode_site(tmp_path / "site", text)
    with pytest.raises(DataError, match=r"line 33: expected 9 tab-separated GTF columns"):
        fetch_genes(url=serve(tmp_path / "site"))


def test_gtf_without_named_genes(tmp_path: Path, serve: Serve) -> None:
    _gencode_site(tmp_path / "site", "##format: gtf\n")
    with pytest.raises(DataError, match=r"no named gene lines"):
        fetch_genes(url=serve(tmp_path / "site"))


# --- CLI -----------------------------------------------------------------------------------------------


def test_cli_fetch_clinvar_and_genes(tmp_path: Path, data: Path, serve: Serve, capsys) -> None:
    _clinvar_site(tmp_path / "site")
    _gencode_site(tmp_path / "site")
    base = serve(tmp_path / "site")
    assert main(["data", "fetch", "clinvar", "--url", base]) == 0
    out, err = capsys.readouterr()
    target = data / "clinvar" / "GRCh38" / "clinvar.vcf.gz"
    assert out == f"ClinVar GRCh38 (file date 2024-06-03, 12 records) installed: {target}\n"
    assert f"downloading ClinVar GRCh38 from {base}/{CLINVAR_PATH}" in err
    assert main(["data", "fetch", "genes", "--genome", "GRCh38", "--url", base]) == 0
    out, _ = capsys.readouterr()
    table = data / "genes" / "GRCh38" / "genes-GRCh38.bed.gz"
    assert out == f"gene regions GRCh38 (8 regions, 8 genes) installed: {table}\n"


def test_cli_fetch_errors_are_one_line(tmp_path: Path, serve: Serve, capsys) -> None:
    (tmp_path / "site").mkdir()
    base = serve(tmp_path / "site")
    assert main(["data", "fetch", "clinvar", "--genome", "GRCh37", "--url", base]) == 2
    _, err = capsys.readouterr()
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("marbledx: error:")]
    assert len(errors) == 1
    assert (
        errors[0]
        == f"marbledx: error: download of {base}/vcf_GRCh37/clinvar.vcf.gz failed: HTTP 404 File not found"
    )
    assert err.splitlines()[-1] == errors[0]
    assert main(["data", "fetch", "dbsnp"]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("marbledx: error: argument dataset: invalid choice: 'dbsnp'")
    assert err.count("\n") == 1
