"""``marbledx data info|update|use|fetch`` against hostile servers and damaged data folders (loopback only).

Every failure must be one line naming the URL or file and what was expected, with exit status 2 and no
traceback; nothing may be installed half-way, the previous release stays active and byte-for-byte intact,
and nothing is written outside MARBLEDX_DATA_DIR and MARBLEDX_CACHE_DIR.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import http.server
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import pysam
import pytest

from marbledx.cli import main
from marbledx.errors import DownloadError, OntologyDataError
from marbledx.genotype import _fetch as fetch_module
from marbledx.ontology import BundledRelease, DirectoryRelease, default_source, load_hpo, update_release
from marbledx.ontology import _update as update_module

from ..conftest import MINI_RELEASE, TESTS

Handler = http.server.BaseHTTPRequestHandler
Behaviour = Callable[[Handler], None]

GENOTYPE = TESTS / "data" / "genotype"
CLINVAR_PATH = "/clinvar/vcf_GRCh38/clinvar.vcf.gz"
GTF_PATH = "/gencode/gencode.v46.basic.annotation.gtf.gz"
VERSION = "2099-01-01"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        del request, client_address  # a client that gave up in the middle of an answer: expected here


class Site:
    """A loopback HTTP server: the files under ``folder``, and hostile answers for the paths in ``routes``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.routes: dict[str, Behaviour] = {}
        self.hold = threading.Event()  # stalled answers wait for this; set when the test ends
        routes = self.routes

        class _Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                del format, args

            def do_GET(self) -> None:
                behaviour = routes.get(self.path)
                if behaviour is None:
                    super().do_GET()
                else:
                    behaviour(self)

        self.server = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(folder)))
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


# --- Answers --------------------------------------------------------------------------------------------


def status(code: int) -> Behaviour:
    return lambda handler: handler.send_error(code)


def redirect_loop(handler: Handler) -> None:
    handler.send_response(302)
    handler.send_header("Location", handler.path)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def body(data: bytes, *, length: int | None = None, content_type: str = "text/plain") -> Behaviour:
    """A 200 answer with ``data``; a ``length`` larger than the data is a connection that broke off."""

    def answer(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data) if length is None else length))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def endless(*, length: int | None = None) -> Behaviour:
    """Zeros until the client stops reading (at most 64 MB), with or without a (huge) Content-Length."""

    def answer(handler: Handler) -> None:
        handler.send_response(200)
        if length is not None:
            handler.send_header("Content-Length", str(length))
        handler.end_headers()
        block = b"0" * (1 << 16)
        try:
            for _ in range(1024):
                handler.wfile.write(block)
        except OSError:
            return

    return answer


def stall(site: Site, *, prefix: bytes | None = None) -> Behaviour:
    """No answer at all (``prefix`` None), or the headers and ``prefix`` of a longer body, then silence."""

    def answer(handler: Handler) -> None:
        if prefix is not None:
            handler.send_response(200)
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            handler.wfile.write(prefix)
            handler.wfile.flush()
        site.hold.wait(30)

    return answer


def drip(site: Site, *, every: float = 0.02) -> Behaviour:
    """The headers of a 100,000-byte body, then one byte every ``every`` seconds: never silent for
    ``--timeout``, never done (it gives up after 30 s, or when the test ends)."""

    def answer(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        try:
            for _ in range(int(30 / every)):
                handler.wfile.write(b"#")
                handler.wfile.flush()
                if site.hold.wait(every):
                    return
        except OSError:  # the client gave up
            return

    return answer


def raw(data: bytes) -> Behaviour:
    """Bytes written as they are: a chunked body cut short, or something that is not HTTP at all."""

    def answer(handler: Handler) -> None:
        handler.close_connection = True
        handler.wfile.write(data)

    return answer


# --- Fixtures and checks --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Private cache and working folders; at the end, nothing was written but in data/ and cache/.
    A test that makes a folder in the working folder itself names it in the yielded set."""
    monkeypatch.setenv("MARBLEDX_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    allowed: set[str] = set()
    yield allowed
    assert {p.name for p in tmp_path.iterdir()} <= {"site", "data", "cache", "cwd"}
    assert {p.name for p in (tmp_path / "cwd").iterdir()} <= allowed


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    folder = tmp_path / "site"
    (folder / "hpo").mkdir(parents=True)
    for item in MINI_RELEASE.iterdir():
        (folder / "hpo" / item.name).write_bytes(item.read_bytes())
    vcf = folder / CLINVAR_PATH.lstrip("/")
    vcf.parent.mkdir(parents=True)
    plain = vcf.with_suffix("")
    plain.write_bytes((GENOTYPE / "clinvar-mini.vcf").read_bytes())
    pysam.tabix_compress(str(plain), str(vcf), force=True)
    plain.unlink()
    pysam.tabix_index(str(vcf), preset="vcf", force=True)
    gtf = folder / GTF_PATH.lstrip("/")
    gtf.parent.mkdir(parents=True)
    gtf.write_bytes(gzip.compress((GENOTYPE / "gencode-mini.gtf").read_bytes()))
    server = Site(folder)
    yield server
    server.close()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"  # MARBLEDX_DATA_DIR, set by tests/conftest.py


def _state(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder``, hidden ones too, with each file's SHA-256."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        for p in sorted(folder.rglob("*"))
    }


def _fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """``marbledx ARGV`` fails with exit status 2 and exactly one error line, the last; returns that line."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert "internal error" not in err
    assert code == 2, (code, out, err)
    errors = [line for line in err.splitlines() if line.startswith("marbledx: error: ")]
    assert len(errors) == 1, err
    assert err.splitlines()[-1] == errors[0]
    return errors[0].removeprefix("marbledx: error: ")


@pytest.fixture
def installed(site: Site, data: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """A good release installed and active, ClinVar and the gene table fetched: the state to keep."""
    assert main(["data", "update", "--base-url", f"{site.url}/hpo"]) == 0
    assert main(["data", "fetch", "clinvar", "--url", f"{site.url}/clinvar"]) == 0
    assert main(["data", "fetch", "genes", "--url", f"{site.url}/gencode"]) == 0
    capsys.readouterr()
    state = _state(data)
    assert f"hpo/{VERSION}/release.json" in state
    assert "hpo/current.json" in state
    return state


def _fixture_text(name: str) -> str:
    return (MINI_RELEASE / name).read_text(encoding="utf-8")


def _obo_version(version: str) -> bytes:
    return _fixture_text("hp.obo").replace(f"hp/releases/{VERSION}", f"hp/releases/{version}").encode()


def _truncated_hpoa() -> Behaviour:
    """phenotype.hpoa cut at a line break, which still parses: only the Content-Length tells."""
    full = _fixture_text("phenotype.hpoa").encode()
    cut = full[: full.rindex(b"\n", 0, len(full) // 2) + 1]
    return body(cut, length=len(full))


def _other_release_hpoa() -> bytes:
    lines = _fixture_text("phenotype.hpoa").splitlines(keepends=True)
    lines.insert(2, "#hpo-version: http://purl.obolibrary.org/obo/hp/releases/2098-06-01/hp.json\n")
    return "".join(lines).encode()


def _cut(data: bytes, keep: int) -> Behaviour:
    """The first ``keep`` bytes of ``data`` under the Content-Length of all of it."""
    return body(data[:keep], length=len(data))


_HTML = b"<!DOCTYPE html>\n<html><body><h1>Rate limit exceeded</h1></body></html>\n"


# --- data update and data fetch: the same hostile scenarios for each ------------------------------------


@dataclass(frozen=True)
class Command:
    """A download command as the scenarios below run it against the loopback site."""

    name: str  # the test id
    words: tuple[str, ...]  # after 'marbledx data'
    option: str  # the option that takes the URL of the folder ``remote`` on the site
    remote: str
    local: str  # its folder in the data folder: the one it locks and tidies
    installation: str  # what it installed in ``local``
    first: str  # the site path of the first file it downloads
    module: ModuleType  # where ``limit`` and ``step`` are looked up at run time
    limit: str  # the most bytes ``first`` may have
    step: str  # a step once ``first`` is downloaded: where the Ctrl-C comes
    full_disk_at: str  # a downloaded file whose writing meets the full disk
    run: Callable[[str], object]  # the library call behind the command, given the URL of ``remote``

    def argv(self, site: Site, *extra: str) -> list[str]:
        return ["data", *self.words, self.option, f"{site.url}/{self.remote}", *extra]

    @property
    def label(self) -> str:
        """How its lock names it in 'another ... is running'."""
        return f"'marbledx data {' '.join(self.words)}'"


UPDATE = Command(
    name="update",
    words=("update",),
    option="--base-url",
    remote="hpo",
    local="hpo",
    installation=VERSION,
    first="/hpo/hp.obo",
    module=update_module,
    limit="MAX_RELEASE_FILE_BYTES",
    step="build_index",
    full_disk_at="phenotype.hpoa",  # after hp.obo was written
    run=lambda url: update_release(url, timeout=60),
)
FETCH_CLINVAR = Command(
    name="fetch-clinvar",
    words=("fetch", "clinvar"),
    option="--url",
    remote="clinvar",
    local="clinvar",
    installation="GRCh38",
    first=CLINVAR_PATH,
    module=fetch_module,
    limit="MAX_CLINVAR_BYTES",
    step="_scan_vcf",
    full_disk_at="clinvar.vcf.gz.tbi",  # after the VCF was written
    run=lambda url: fetch_module.fetch_clinvar(base_url=url, timeout=60),
)
FETCH_GENES = Command(
    name="fetch-genes",
    words=("fetch", "genes"),
    option="--url",
    remote="gencode",
    local="genes",
    installation="GRCh38",
    first=GTF_PATH,
    module=fetch_module,
    limit="MAX_GTF_BYTES",
    step="_parse_gtf",
    full_disk_at="download.gtf.gz",  # its only download
    run=lambda url: fetch_module.fetch_genes(url=url, timeout=60),
)
COMMANDS = [UPDATE, FETCH_CLINVAR, FETCH_GENES]
each_command = pytest.mark.parametrize("command", COMMANDS, ids=[command.name for command in COMMANDS])
# The files every run rewrites with its own date: compared by name only.
RECORDS = ("release.json", fetch_module.MANIFEST_FILE)


def _release_still_active(data: Path) -> None:
    active = default_source()
    assert isinstance(active, DirectoryRelease)
    assert active.folder == (data / "hpo" / VERSION).resolve()


# (case, path under the release folder, answer given the site, message pattern; {url} is the file's URL)
UPDATE_CASES: list[tuple[str, str, Callable[[Site], Behaviour], str]] = [
    ("404", "phenotype.hpoa", lambda s: status(404), r"download of {url} failed: HTTP 404"),
    ("500", "hp.obo", lambda s: status(500), r"download of {url} failed: HTTP 500"),
    ("redirect-loop", "hp.obo", lambda s: redirect_loop, r"download of {url} failed: too many redirects"),
    (
        "html-page-200",
        "genes_to_phenotype.txt",
        lambda s: body(_HTML, content_type="text/html"),
        r"{url} returned an HTML page, not the HPO release file genes_to_phenotype\.txt",
    ),
    (
        "truncated",
        "phenotype.hpoa",
        lambda s: _truncated_hpoa(),
        r"download of {url} failed: received \d+ of \d+ bytes",
    ),
    (
        "huge-declared",
        "hp.obo",
        lambda s: endless(length=10**12),
        r"download of {url} refused: 1,000,000,000,000 bytes, more than the 1,073,741,824 expected at most",
    ),
    (
        "no-answer",
        "hp.obo",
        lambda s: stall(s),
        r"download of {url} failed: timed out, no data for 0\.5 s \(--timeout\)",
    ),
    (
        "stalls-mid-body",
        "phenotype.hpoa",
        lambda s: stall(s, prefix=b"#version: 2099"),
        r"download of {url} failed: timed out, no data for 0\.5 s",
    ),
    (
        "chunked-cut-short",
        "hp.obo",
        lambda s: raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\nformat-version"),
        r"download of {url} failed: the server's answer broke off or is not HTTP \(IncompleteRead",
    ),
    (
        "not-http",
        "hp.obo",
        lambda s: raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"),
        r"download of {url} failed: the server's answer broke off or is not HTTP \(BadStatusLine",
    ),
    ("empty-obo", "hp.obo", lambda s: body(b""), r"{url} is empty; expected the HPO release file hp\.obo"),
    (
        "obo-without-terms",
        "hp.obo",
        lambda s: body(b"format-version: 1.2\ndata-version: hp/releases/2099-02-01\n"),
        r"not a valid HPO release: {url}: no HPO terms found; expected an hp\.obo release file",
    ),
    (
        "obo-unparsable",
        "hp.obo",
        lambda s: body(b"format-version: 1.2\n[Term\nid HP:1\n"),
        r"not a valid HPO release: {url}: cannot parse as OBO",
    ),
    (
        "obo-without-phenotypic-abnormality",
        "hp.obo",
        lambda s: body(
            _fixture_text("hp.obo")
            .replace("name: Phenotypic abnormality\n", "name: Phenotypic abnormality\nis_obsolete: true\n")
            .encode()
        ),
        r"{url} has no current term HP:0000118 \(Phenotypic abnormality\); expected the whole HPO",
    ),
    (
        "hpoa-header-only",
        "phenotype.hpoa",
        lambda s: body("".join(_fixture_text("phenotype.hpoa").splitlines(keepends=True)[:3]).encode()),
        r"{url} has no annotation rows; expected the HPO disease annotations",
    ),
    (
        "genes-header-only",
        "genes_to_phenotype.txt",
        lambda s: body(_fixture_text("genes_to_phenotype.txt").splitlines(keepends=True)[0].encode()),
        r"{url} has no rows; expected the HPO gene-disease links",
    ),
    (
        "hpoa-bad-header",
        "phenotype.hpoa",
        lambda s: body(b"#version: 2099-01-02\ndisease\tterm\nOMIM:1\tHP:0000001\n"),
        r"not a valid HPO release: phenotype\.hpoa line 2: header lacks column\(s\)",
    ),
    (
        "hpoa-of-another-release",
        "phenotype.hpoa",
        lambda s: body(_other_release_hpoa()),
        r"{url} was made for HPO release 2098-06-01, but .*/hp\.obo is release 2099-01-01; the server mixes two releases",
    ),
    (
        "hpoa-term-not-in-obo",
        "phenotype.hpoa",
        lambda s: body(_fixture_text("phenotype.hpoa").replace("HP:0001903", "HP:0099999").encode()),
        r"HP:0099999 is not a current HPO term of release 2099-01-01",
    ),
    (
        "version-escapes-the-folder",
        "hp.obo",
        lambda s: body(_obo_version("../../../escaped")),
        r"{url} has no usable data-version header \(found '\.\./\.\./\.\./escaped'\)",
    ),
    (
        "version-with-slashes",
        "hp.obo",
        lambda s: body(_obo_version("2099/01/01")),
        r"has no usable data-version header \(found '2099/01/01'\)",
    ),
    (
        "version-too-long-for-a-folder-name",
        "hp.obo",
        lambda s: body(_obo_version("9" * 300)),
        r"has no usable data-version header",
    ),
]


FETCH_CASES: list[tuple[str, Command, str, Callable[[Site], Behaviour], str]] = [
    (
        "clinvar-500",
        FETCH_CLINVAR,
        CLINVAR_PATH,
        lambda s: status(500),
        r"download of {url} failed: HTTP 500",
    ),
    (
        "index-500",
        FETCH_CLINVAR,
        f"{CLINVAR_PATH}.tbi",
        lambda s: status(500),
        r"download of {url} failed: HTTP 500",
    ),
    (
        "clinvar-redirect-loop",
        FETCH_CLINVAR,
        CLINVAR_PATH,
        lambda s: redirect_loop,
        r"{url} failed: too many redirects",
    ),
    (
        "clinvar-empty",
        FETCH_CLINVAR,
        CLINVAR_PATH,
        lambda s: body(b""),
        r"{url} returned an empty file; expected a bgzipped ClinVar VCF",
    ),
    (
        "clinvar-huge",
        FETCH_CLINVAR,
        CLINVAR_PATH,
        lambda s: endless(length=10**13),
        r"download of {url} refused: 10,000,000,000,000 bytes, more than the 4,294,967,296 expected at most",
    ),
    (
        "clinvar-no-answer",
        FETCH_CLINVAR,
        CLINVAR_PATH,
        lambda s: stall(s),
        r"download of {url} failed: timed out, no data for 0\.5 s",
    ),
    (
        "clinvar-not-http",
        FETCH_CLINVAR,
        CLINVAR_PATH,
        lambda s: raw(b"220 ftp.example.org FTP ready\r\n"),
        r"{url} failed: the server's answer broke off or is not HTTP",
    ),
    (
        "genes-html-200",
        FETCH_GENES,
        GTF_PATH,
        lambda s: body(_HTML, content_type="text/html"),
        r"{url} returned an HTML page, not a gzipped GTF",
    ),
    (
        "genes-truncated",
        FETCH_GENES,
        GTF_PATH,
        lambda s: _cut((s.folder / GTF_PATH.lstrip("/")).read_bytes(), 100),
        r"download of {url} failed: received 100 of \d+ bytes",
    ),
    (
        "genes-corrupt-gzip",
        FETCH_GENES,
        GTF_PATH,
        lambda s: body(b"\x1f\x8b\x08\x00" + b"\xff" * 200),
        r"{url}: truncated or corrupt after line 0",
    ),
    (
        "genes-stalls-mid-body",
        FETCH_GENES,
        GTF_PATH,
        lambda s: stall(s, prefix=b"\x1f\x8b"),
        r"{url} failed: timed out",
    ),
]


HOSTILE_CASES = [
    pytest.param(UPDATE, f"/hpo/{path}", answer, pattern, id=f"update-{case}")
    for case, path, answer, pattern in UPDATE_CASES
] + [
    pytest.param(command, path, answer, pattern, id=f"fetch-{case}")
    for case, command, path, answer, pattern in FETCH_CASES
]


@pytest.mark.parametrize(("command", "path", "answer", "pattern"), HOSTILE_CASES)
def test_hostile_server_keeps_the_installation(
    site: Site,
    data: Path,
    installed: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    command: Command,
    path: str,
    answer: Callable[[Site], Behaviour],
    pattern: str,
) -> None:
    site.routes[path] = answer(site)
    message = _fails(capsys, *command.argv(site, "--timeout", "0.5"))
    assert re.search(pattern.format(url=re.escape(f"{site.url}{path}")), message), message
    assert ".staging-" not in message  # the URL is named, not a folder deleted before the user reads it
    assert _state(data) == installed
    _release_still_active(data)


@each_command
def test_endless_download_stops_at_the_limit(
    site: Site,
    data: Path,
    installed: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: Command,
) -> None:
    monkeypatch.setattr(command.module, command.limit, 1 << 20)
    site.routes[command.first] = endless()
    message = _fails(capsys, *command.argv(site))
    assert message.startswith(f"download of {site.url}{command.first} stopped: more than the 1,048,576 bytes")
    assert _state(data) == installed


@each_command
def test_download_larger_than_the_free_space_is_refused_before_writing(
    site: Site,
    data: Path,
    installed: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: Command,
) -> None:
    monkeypatch.setattr(command.module, command.limit, 10**18)
    site.routes[command.first] = endless(length=10**17)
    message = _fails(capsys, *command.argv(site))
    assert re.match(
        rf"cannot download {re.escape(site.url + command.first)}: 100,000,000,000,000,000 bytes, "
        r"but only [\d,]+ free",
        message,
    ), message
    assert _state(data) == installed


@each_command
def test_slow_drip_stops_at_the_rate_floor(
    site: Site,
    data: Path,
    installed: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: Command,
) -> None:
    # A byte every 0.02 s never lets a read wait --timeout (0.5 s); only the rate floor stops it. The window
    # is then 2 x --timeout = 1 s, so the test takes about a second.
    monkeypatch.setattr(update_module, "RATE_WINDOW_S", 0.2)
    site.routes[command.first] = drip(site)
    message = _fails(capsys, *command.argv(site, "--timeout", "0.5"))
    assert re.fullmatch(
        rf"download of {re.escape(site.url + command.first)} stopped: too slow, [\d,]+ bytes in the last 1 s, "
        r"less than 10,000 bytes/s \([\d,]+ of 100,000 bytes received\); "
        rf"try again later, or use {command.option} to download from a mirror",
        message,
    ), message
    assert _state(data) == installed
    _release_still_active(data)


def _pace(timeout: float = 120.0, expected: int | None = None) -> Any:
    return update_module._Pace("http://x/f", expected, timeout=timeout, mirror="--base-url", start=0.0)


def _feed(pace: Any, reads: Iterable[tuple[float, int]], size: int = 0) -> int:
    """Give ``pace`` (time, bytes read) pairs, as the download loop would; returns the bytes read in all."""
    for now, got in reads:
        size += got
        pace.check(size, now)
    return size


def _stops(pace: Any, reads: Iterable[tuple[float, int]], size: int = 0) -> tuple[float, str]:
    """The time of the read at which ``pace`` stops the download, and its message."""
    for now, got in reads:
        size += got
        try:
            pace.check(size, now)
        except DownloadError as exc:
            return now, str(exc)
    raise AssertionError("the download was never stopped")


def _steady(start: float, end: float, rate: float, every: float = 0.5) -> Iterator[tuple[float, int]]:
    steps = round((end - start) / every)
    return ((start + every * (i + 1), int(rate * every)) for i in range(steps))


def _drip(start: float) -> Iterator[tuple[float, int]]:
    return ((start + t, 100) for t in range(5, 10**7, 5))  # 100 bytes every 5 s: 20 bytes/s


# The floor is about behaviour over minutes and hours: these feed it made-up read times, not real ones.


def test_rate_floor_lets_a_slow_real_connection_finish() -> None:
    # 12 kB/s (just above the 10 kB/s floor) for 5 hours: ClinVar's 180 MB over a poor link.
    assert _feed(_pace(), _steady(0, 5 * 3600, 12_000)) == 12_000 * 5 * 3600
    # 50 kB/s with a wait of 110 s (under the default --timeout of 120 s) every 10 minutes.
    pace, size = _pace(), 0
    for start in range(0, 3600, 600):
        size = _feed(pace, _steady(start + 110, start + 600, 50_000), size)
    # A nearly silent start is not judged on its own: only whole windows are.
    pace = _pace()
    _feed(pace, [(30.0, 10), *_steady(30, 3600, 20_000)])


def test_rate_window_follows_a_longer_timeout() -> None:
    # With --timeout 600 the user accepts waits of up to 10 minutes: the window is 1200 s, not 60 s.
    pace = _pace(timeout=600)
    assert pace.window == 1200
    _feed(pace, [*_steady(0, 600, 50_000), (1190.0, 1), *_steady(1190, 3600, 50_000)])


def test_rate_floor_stops_a_drip_within_one_window() -> None:
    # A drip from the start is stopped when the first window (2 x the default --timeout) ends.
    when, message = _stops(_pace(), _drip(0))
    assert when == 240
    assert message == (
        "download of http://x/f stopped: too slow, 4,800 bytes in the last 240 s, less than 10,000 bytes/s "
        "(4,800 bytes received); try again later, or use --base-url to download from a mirror"
    )
    # 100 MB in 10 s, then a drip: the average since the start would stay above the floor for hours (until
    # 10,000 s); the average over the last window falls below it one window after the drip starts.
    pace = _pace(expected=200_000_000)
    size = _feed(pace, _steady(0, 10, 10_000_000))
    when, message = _stops(pace, _drip(10), size)
    assert when <= 10 + 240 + 240 / 32 + 5  # a window, the spacing of the marks, and the next read
    assert "(100,004,900 of 200,000,000 bytes received)" in message


class _FullDisk:
    """A file whose writes fail as on a full disk."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, _data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None


def _fill_disk_at(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The disk is full when the download of ``name`` starts writing (earlier files were written)."""
    real_open = Path.open

    def open_(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.name == name and ".staging-" in str(self) and mode[0] in "wx":
            return _FullDisk(self)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)


@each_command
def test_disk_full_mid_download(
    site: Site,
    data: Path,
    installed: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: Command,
) -> None:
    _fill_disk_at(monkeypatch, command.full_disk_at)
    message = _fails(capsys, *command.argv(site))
    full = rf"cannot write .*{re.escape(command.full_disk_at)}: No space left on device; free some space"
    assert re.match(full, message), message
    assert _state(data) == installed


@each_command
def test_interrupted_run_keeps_the_installation(
    site: Site,
    data: Path,
    installed: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: Command,
) -> None:
    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(command.module, command.step, interrupt)  # Ctrl-C once a file is downloaded
    assert main(command.argv(site)) == 130
    assert "Traceback" not in capsys.readouterr().err
    assert _state(data) == installed
    assert main(["data", "info", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["hpo_version"] == VERSION


@each_command
def test_leftovers_of_a_killed_run_are_put_right(
    site: Site, data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str], command: Command
) -> None:
    # Killed while replacing the installation by a new copy: it is aside, and a staging folder stays.
    folder = data / command.local
    (folder / command.installation).replace(folder / f".old-{command.installation}-k1ll3d")
    (folder / ".staging-k1ll3d").mkdir()
    (folder / ".staging-k1ll3d" / Path(command.first).name).write_text("half")
    site.routes[command.first] = status(503)
    _fails(capsys, *command.argv(site))  # fails, but tidies first
    assert _state(data) == installed


@each_command
def test_two_runs_at_once(
    site: Site, data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str], command: Command
) -> None:
    first_is_downloading = threading.Event()
    content = (site.folder / command.first.lstrip("/")).read_bytes()

    def slow(handler: Handler) -> None:
        first_is_downloading.set()
        site.hold.wait(30)
        body(content)(handler)

    site.routes[command.first] = slow
    outcome: list[object] = []

    def first() -> None:
        try:
            outcome.append(command.run(f"{site.url}/{command.remote}"))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome.append(exc)

    worker = threading.Thread(target=first)
    worker.start()
    assert first_is_downloading.wait(30)
    message = _fails(capsys, *command.argv(site))
    assert message == (
        f"another {command.label} is running in {data / command.local}; wait for it to finish, then try again"
    )
    for other in COMMANDS:
        if other is not command:
            assert main(other.argv(site)) == 0, other.name  # another kind: no wait
    site.hold.set()
    worker.join(30)
    assert len(outcome) == 1
    assert not isinstance(outcome[0], Exception), outcome
    after = _state(data)
    assert after.keys() == installed.keys()
    assert {k: v for k, v in after.items() if not k.endswith(RECORDS)} == {
        k: v for k, v in installed.items() if not k.endswith(RECORDS)
    }


# --- data update ----------------------------------------------------------------------------------------


def test_info_while_a_killed_update_left_the_release_aside(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    # What test_leftovers_of_a_killed_run_are_put_right[update] puts right: the active release is aside.
    hpo = data / "hpo"
    (hpo / VERSION).replace(hpo / f".old-{VERSION}-k1ll3d")
    message = _fails(capsys, "data", "info")
    assert message.startswith(
        f"HPO release folder {(hpo / VERSION).resolve()}: missing hp.obo, phenotype.hpoa"
    )
    assert "marbledx data use bundled" in message


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf"])
def test_timeout_must_be_a_positive_number(
    site: Site, data: Path, capsys: pytest.CaptureFixture[str], timeout: str
) -> None:
    message = _fails(capsys, "data", "update", "--base-url", f"{site.url}/hpo", f"--timeout={timeout}")
    assert re.match(r"timeout .*: expected a positive number of seconds \(--timeout\)", message)
    message = _fails(capsys, "data", "fetch", "genes", "--url", f"{site.url}/gencode", f"--timeout={timeout}")
    assert re.match(r"timeout .*: expected a positive number of seconds", message)
    assert not (data / "hpo" / VERSION).exists()


@pytest.mark.parametrize("url", ["", "not a url", "gopher://127.0.0.1:9"])
def test_base_url_that_is_not_a_url(data: Path, capsys: pytest.CaptureFixture[str], url: str) -> None:
    message = _fails(capsys, "data", "update", f"--base-url={url}", "--timeout", "5")
    assert "/hp.obo" in message
    assert re.search(r"is not a URL that can be downloaded|unknown url type|failed", message)


def test_data_folder_that_is_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    message = _fails(capsys, "data", "update", "--base-url", "http://127.0.0.1:9")
    assert message.startswith(f"cannot create the data folder {blocker / 'hpo'}")
    message = _fails(capsys, "data", "fetch", "clinvar", "--url", "http://127.0.0.1:9")
    assert message.startswith(f"cannot create the data folder {blocker / 'clinvar'}")
    assert blocker.read_text() == "not a folder"


# --- data use -------------------------------------------------------------------------------------------


def test_use_a_version_that_is_not_installed(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    message = _fails(capsys, "data", "use", "2000-01-01")
    assert message == (
        f"no downloaded HPO release '2000-01-01' in {data / 'hpo'} (installed: {VERSION}); "
        "expected 'bundled', a version or a folder"
    )
    assert _state(data) == installed


def test_use_a_folder_lacking_a_file(
    tmp_path: Path, data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data" / "mine"
    folder.mkdir()
    for name in ("hp.obo", "phenotype.hpoa"):
        (folder / name).write_bytes((MINI_RELEASE / name).read_bytes())
    before = _state(data)
    message = _fails(capsys, "data", "use", str(folder))
    assert message == (
        f"HPO release folder {folder}: missing genes_to_phenotype.txt; "
        "expected hp.obo, phenotype.hpoa, genes_to_phenotype.txt"
    )
    assert _state(data) == before


def test_use_a_file(
    tmp_path: Path, data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = data / "hp.obo"
    path.write_bytes((MINI_RELEASE / "hp.obo").read_bytes())
    message = _fails(capsys, "data", "use", str(path))
    assert message.startswith(
        f"{path} is a file; expected 'bundled', an installed version or a folder holding hp.obo"
    )
    path.unlink()
    assert _state(data) == installed


def test_use_a_folder_whose_files_do_not_parse(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = data / "broken"
    folder.mkdir()
    for name in ("phenotype.hpoa", "genes_to_phenotype.txt"):
        (folder / name).write_bytes((MINI_RELEASE / name).read_bytes())
    (folder / "hp.obo").write_bytes(_HTML)
    before = _state(data)
    message = _fails(capsys, "data", "use", str(folder))
    assert message.startswith(f"{folder / 'hp.obo'}: cannot parse as OBO")
    assert _state(data) == before


def test_use_an_installed_release_changed_after_install(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "use", "bundled"]) == 0
    hpoa = data / "hpo" / VERSION / "phenotype.hpoa"
    text = hpoa.read_text()
    hpoa.write_text(text[: text.rindex("\n", 0, len(text) // 2) + 1])  # still parses
    capsys.readouterr()
    message = _fails(capsys, "data", "use", VERSION)
    assert message.startswith(f"{hpoa} changed after 'marbledx data update' installed it")
    assert not (data / "hpo" / "current.json").exists()  # still the bundled release


def test_a_version_name_means_the_installed_release(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str], contained: set[str]
) -> None:
    contained.add(VERSION)
    Path(VERSION).mkdir()  # a folder of the same name in the working folder
    assert main(["data", "use", "bundled"]) == 0
    assert main(["data", "use", VERSION]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"using the HPO release in {data / 'hpo' / VERSION}"
    assert _state(data) == installed


def test_use_bundled_and_the_override_warning(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["data", "use", "bundled"]) == 0
    assert isinstance(default_source(), BundledRelease)
    assert not (data / "hpo" / "current.json").exists()
    monkeypatch.setenv("MARBLEDX_HPO", str(MINI_RELEASE))
    assert main(["data", "use", VERSION]) == 0
    err = capsys.readouterr().err
    assert (
        err
        == f"marbledx: warning: MARBLEDX_HPO={MINI_RELEASE} is set and overrides this choice until it is unset\n"
    )


def test_use_bundled_without_a_data_folder(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "use", "bundled"]) == 0
    assert capsys.readouterr().out == "using the bundled HPO release\n"
    assert not data.exists()


# --- data info ------------------------------------------------------------------------------------------


def test_info_when_a_file_of_the_active_release_was_deleted(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = (data / "hpo" / VERSION).resolve()
    (folder / "phenotype.hpoa").unlink()
    message = _fails(capsys, "data", "info")
    assert message == (
        f"HPO release folder {folder}: missing phenotype.hpoa; expected hp.obo, phenotype.hpoa, "
        f"genes_to_phenotype.txt (the active release, chosen in {data / 'hpo' / 'current.json'}; run "
        "'marbledx data update', or 'marbledx data use bundled' or another release)"
    )


def test_info_when_a_file_was_truncated_after_install(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    hpoa = data / "hpo" / VERSION / "phenotype.hpoa"
    text = hpoa.read_text()
    hpoa.write_text(text[: text.rindex("\n", 0, len(text) // 2) + 1])  # parses, with rows missing
    message = _fails(capsys, "data", "info")
    assert message.startswith(f"{hpoa.resolve()} changed after 'marbledx data update' installed it")
    assert message.endswith("'marbledx data use bundled' or another release)")


def test_every_load_checks_a_changed_file_of_an_installed_release(
    data: Path, installed: dict[str, str]
) -> None:
    hpoa = data / "hpo" / VERSION / "phenotype.hpoa"
    text = hpoa.read_text()
    hpoa.write_text(text[: text.rindex("\n", 0, len(text) // 2) + 1])  # a new size: the cache misses
    with pytest.raises(
        OntologyDataError, match=r"phenotype\.hpoa changed after 'marbledx data update' installed it"
    ):
        load_hpo()


def test_info_when_a_file_was_changed_in_place(
    data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "info"]) == 0  # the index of the release is cached
    hpoa = data / "hpo" / VERSION / "phenotype.hpoa"
    stat = hpoa.stat()
    hpoa.write_text(hpoa.read_text().replace("\t5/5\t", "\t4/5\t", 1))  # same size
    os.utime(hpoa, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same time: the cache key is unchanged
    capsys.readouterr()
    message = _fails(capsys, "data", "info")
    assert message.startswith(f"{hpoa.resolve()} changed after 'marbledx data update' installed it")


def test_info_with_an_empty_active_release_record(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pointer = data / "hpo" / "current.json"
    pointer.parent.mkdir(parents=True)
    pointer.write_text('{"folder": ""}')
    message = _fails(capsys, "data", "info")
    assert message.startswith(f"{pointer}: unreadable active-release record")
    assert message.endswith("run 'marbledx data use bundled'")


# --- data fetch -----------------------------------------------------------------------------------------


def test_fetch_into_a_file_where_the_folder_goes(
    site: Site, data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data / "clinvar").mkdir(parents=True)
    (data / "clinvar" / "GRCh38").write_text("not a folder")
    message = _fails(capsys, "data", "fetch", "clinvar", "--url", f"{site.url}/clinvar")
    assert message == (
        f"{data / 'clinvar' / 'GRCh38'} is a file; expected the folder of an installation "
        "(remove the file, then try again)"
    )
    assert sorted(_state(data)) == ["clinvar", "clinvar/GRCh38"]


def test_same_version_with_other_files_replaces_the_installed_copy(
    site: Site, data: Path, installed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "OMIM:100001\tFixture marrow failure\t\tHP:0001744\tPMID:1\tPCS\t\t1/2\t\t\tP\tx\n"
    hpoa = site.folder / "hpo" / "phenotype.hpoa"
    hpoa.write_text(hpoa.read_text() + extra)
    assert main(["data", "update", "--base-url", f"{site.url}/hpo"]) == 0
    assert capsys.readouterr().out.startswith(f"HPO release {VERSION} (annotations 2099-01-02) now active")
    assert (data / "hpo" / VERSION / "phenotype.hpoa").read_text().endswith(extra)
    assert _state(data).keys() == installed.keys()  # replaced in place: nothing left aside
    assert main(["data", "info", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["annotations"] == 17
