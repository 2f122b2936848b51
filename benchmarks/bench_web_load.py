"""Benchmark: the web app under concurrent clients on loopback (requests/s, p50/p99 latency, errors).

Sets up a fresh registry (SQLite in a temporary folder by default; ``--database postgresql://…`` for an
empty PostgreSQL database): one clinician with an API token and ``--cases`` cases, each with the example
patient's findings (``examples/infant-aro.json``), its labs (``examples/infant-aro-labs.csv``) and its VCF
(``examples/infant-aro.vcf``) uploaded. Then it starts ``marbledx serve`` in its own process on a free
loopback port, analyses every case once through the API (so a case read also lists an analysis), and
drives two scenarios from another process:

* **read**: ``GET /api/cases/{id}`` (the case with findings, labs, uploads and analyses; an audited view,
  so every read also writes an audit event) with ``--clients`` concurrent clients for ``--duration`` s;
* **analyze**: ``POST /api/cases/{id}/analyze`` (phenotype + labs + VCF, stored) at each of the small
  concurrencies in ``--analyze-clients`` for ``--analyze-duration`` s.

Requests rotate over the cases. The load comes from ``wrk`` (Debian package ``wrk``) when it is on PATH, a
C client that leaves the server most of the 2 cores; otherwise from a Python asyncio client (httpx), which
competes with the server for the CPU and so reports lower figures. Both keep connections alive and
measure closed-loop latency (each client sends its next request when the previous answer arrived).

It prints one row per scenario (requests, requests/s, p50/p99/max latency, errors, the server's CPU use)
and whether the target holds: p99 <= ``--target-ms`` (500 ms) for reading a case at 50 clients, with no
errors. The exit status is 1 when any request failed (a non-2xx answer or a socket error).

    python benchmarks/bench_web_load.py [--clients 50] [--duration 20] [--analyze-clients 2,4]
        [--analyze-duration 15] [--cases 5] [--database URL] [--client auto|wrk|python]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from marbledx.registry import FindingRecord, Registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
_READY_SECONDS = 120.0
_REQUEST_TIMEOUT_SECONDS = 120  # wrk and httpx: a slow answer is measured, not dropped as a timeout


@dataclass(frozen=True)
class Scenario:
    """One load: ``method`` on every path in turn, from ``clients`` concurrent clients for ``seconds``."""

    name: str
    method: str
    paths: tuple[str, ...]
    clients: int
    seconds: float

    @property
    def route(self) -> str:
        """The route template, for the table."""
        template = self.paths[0].split("/")
        template[3] = "{id}"
        return f"{self.method} {'/'.join(template)}"


@dataclass(frozen=True)
class Result:
    """What one scenario measured; latencies in milliseconds."""

    scenario: Scenario
    tool: str
    seconds: float
    requests: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int
    socket_errors: int
    server_cpu_s: float
    client_cpu_s: float

    @property
    def rps(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def errors(self) -> int:
        """Non-2xx answers and socket errors (connect, read, write, timeout)."""
        return self.status_errors + self.socket_errors


# -- setup ---------------------------------------------------------------------------------------------


def _example_findings() -> list[FindingRecord]:
    packet = json.loads((EXAMPLES / "infant-aro.json").read_text(encoding="utf-8"))
    return [
        FindingRecord(feature["type"]["id"], bool(feature.get("excluded", False)), "entered")
        for feature in packet["phenotypicFeatures"]
    ]


def _example_labs() -> list[dict[str, str]]:
    with (EXAMPLES / "infant-aro-labs.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def populate(url: str, uploads_dir: Path, n_cases: int) -> tuple[str, list[str]]:
    """A clinician with a token and ``n_cases`` example cases (findings, labs, VCF). Returns token, ids."""
    suffix = secrets.token_hex(4)  # unique names: a PostgreSQL database may be reused
    findings, labs = _example_findings(), _example_labs()
    vcf = (EXAMPLES / "infant-aro.vcf").read_bytes()
    with Registry.open(url, uploads_dir=uploads_dir) as registry:
        user = registry.add_user(
            f"bench-{suffix}", f"bench-team-{suffix}", "clinician", secrets.token_hex(16)
        )
        token = registry.issue_token(user)
        ids = []
        for number in range(n_cases):
            case = registry.create_case(
                user, f"load benchmark {number + 1}", age_days=120.0 + number, sex="male", findings=findings
            )
            for lab in labs:
                registry.add_lab(
                    user,
                    case.id,
                    lab["analyte"],
                    float(lab["value"]),
                    lab["unit"],
                    measured_on=lab["date"] or None,
                    low=float(lab["low"]) if lab["low"] else None,
                    high=float(lab["high"]) if lab["high"] else None,
                )
            registry.store_upload(
                user, case.id, "vcf", [vcf], max_bytes=len(vcf), original_name="infant-aro.vcf"
            )
            ids.append(case.id)
    return token, ids


# -- the server ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """``marbledx serve`` in its own process (its log goes to a file, so it never blocks on a pipe)."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log = log

    def cpu_seconds(self) -> float:
        """User + system CPU time the server and its worker processes have used so far (Linux ``/proc``)."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a process that ended meanwhile
            if stat.parent.name == str(self.process.pid) or fields[1] == str(self.process.pid):
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_ready(self, token: str) -> float:
        """Poll an authenticated endpoint until it answers 200; returns the seconds it took."""
        start = time.perf_counter()
        headers = {"Authorization": f"Bearer {token}"}
        while time.perf_counter() - start < _READY_SECONDS:
            if self.process.poll() is not None:
                raise RuntimeError(f"marbledx serve exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if (
                    httpx.get(f"{self.base_url}/api/cases?limit=1", headers=headers, timeout=5).status_code
                    == 200
                ):
                    return time.perf_counter() - start
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"marbledx serve was not ready after {_READY_SECONDS:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        """The end of the server's log."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextmanager
def serve(database: str, uploads_dir: Path, log: Path, workers: int = 1) -> Iterator[Server]:
    """Start ``marbledx serve`` on a free loopback port; stop it (SIGINT, then SIGKILL) afterwards."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "marbledx",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        database,
        "--uploads-dir",
        str(uploads_dir),
        "--workers",
        str(workers),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield Server(process, f"http://127.0.0.1:{port}", log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- load generation -------------------------------------------------------------------------------------

_WRK_SCRIPT = """
local paths = {%(paths)s}
local i = 0
wrk.method = "%(method)s"
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  i = i %% #paths + 1
  return wrk.format(nil, paths[i], nil, %(body)s)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"status\\": %%d, \\"connect\\": %%d, " ..
    "\\"read\\": %%d, \\"write\\": %%d, \\"timeout\\": %%d, \\"p50\\": %%d, \\"p90\\": %%d, " ..
    "\\"p99\\": %%d, \\"max\\": %%d}\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def run_wrk(wrk: str, server: Server, token: str, scenario: Scenario, folder: Path, threads: int) -> Result:
    """One scenario with wrk; the Lua script rotates over the paths and prints the figures as JSON."""
    script = folder / f"{scenario.name}-{scenario.clients}.lua"
    script.write_text(
        _WRK_SCRIPT
        % {
            "paths": ", ".join(json.dumps(p) for p in scenario.paths),
            "method": scenario.method,
            "token": token,
            "body": '""' if scenario.method == "POST" else "nil",  # POST: Content-Length: 0
        },
        encoding="utf-8",
    )
    command = [
        wrk,
        f"--threads={min(threads, scenario.clients)}",
        f"--connections={scenario.clients}",
        f"--duration={math.ceil(scenario.seconds)}s",
        f"--timeout={_REQUEST_TIMEOUT_SECONDS}s",
        f"--script={script}",
        server.base_url,
    ]
    cpu_before, children_before = server.cpu_seconds(), _children_cpu()
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    server_cpu, client_cpu = server.cpu_seconds() - cpu_before, _children_cpu() - children_before
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    return Result(
        scenario=scenario,
        tool="wrk",
        seconds=data["duration_us"] / 1e6,
        requests=data["requests"],
        p50_ms=data["p50"] / 1000,
        p90_ms=data["p90"] / 1000,
        p99_ms=data["p99"] / 1000,
        max_ms=data["max"] / 1000,
        status_errors=data["status"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def _python_load(server: Server, token: str, scenario: Scenario) -> tuple[list[float], int, int, float]:
    latencies: list[float] = []
    status_errors = socket_errors = 0
    limits = httpx.Limits(max_connections=scenario.clients, max_keepalive_connections=scenario.clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=headers, limits=limits, timeout=_REQUEST_TIMEOUT_SECONDS
    ) as client:
        start = time.perf_counter()
        deadline = start + scenario.seconds

        async def one_client(offset: int) -> None:
            nonlocal status_errors, socket_errors
            index = offset
            while time.perf_counter() < deadline:
                path = scenario.paths[index % len(scenario.paths)]
                index += 1
                sent = time.perf_counter()
                try:
                    response = await client.request(scenario.method, path)
                    await response.aread()
                except httpx.TransportError:
                    socket_errors += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                if not 200 <= response.status_code < 300:
                    status_errors += 1

        await asyncio.gather(*(one_client(n) for n in range(scenario.clients)))
        elapsed = time.perf_counter() - start
    return latencies, status_errors, socket_errors, elapsed


def run_python(server: Server, token: str, scenario: Scenario) -> Result:
    """One scenario with an httpx asyncio client in this process (it shares the 2 cores with the server)."""
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    latencies, status_errors, socket_errors, elapsed = asyncio.run(_python_load(server, token, scenario))
    server_cpu, client_cpu = server.cpu_seconds() - cpu_before, time.process_time() - client_before
    ordered = sorted(latencies)
    return Result(
        scenario=scenario,
        tool="python",
        seconds=elapsed,
        requests=len(ordered),
        p50_ms=_percentile(ordered, 50) * 1000,
        p90_ms=_percentile(ordered, 90) * 1000,
        p99_ms=_percentile(ordered, 99) * 1000,
        max_ms=(ordered[-1] if ordered else math.nan) * 1000,
        status_errors=status_errors,
        socket_errors=socket_errors,
        server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
    )


# -- main ------------------------------------------------------------------------------------------------


def _warm_up(server: Server, token: str, ids: list[str]) -> float:
    """Analyse every case once and read it once (first-call costs, and an analysis to list)."""
    start = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=_REQUEST_TIMEOUT_SECONDS) as client:
        for case_id in ids:
            client.post(f"/api/cases/{case_id}/analyze").raise_for_status()
            client.get(f"/api/cases/{case_id}").raise_for_status()
    return time.perf_counter() - start


def _table(results: list[Result]) -> str:
    head = (
        "| scenario | client | clients | duration | requests | requests/s | p50 | p90 | p99 | max "
        "| errors | server CPU | CPU/request |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = [
        f"| `{r.scenario.route}` | {r.tool} | {r.scenario.clients} | {r.seconds:.1f} s | {r.requests:,} "
        f"| {r.rps:,.1f} | {r.p50_ms:,.0f} ms | {r.p90_ms:,.0f} ms | {r.p99_ms:,.0f} ms | {r.max_ms:,.0f} ms "
        f"| {r.errors} | {100 * r.server_cpu_s / r.seconds:.0f}% "
        f"| {1000 * r.server_cpu_s / max(r.requests, 1):,.1f} ms |"
        for r in results
    ]
    return "\n".join([head, *rows])


def _clients_list(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"client counts must be positive: {text!r}")
    return values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients reading cases")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the read scenario")
    parser.add_argument(
        "--analyze-clients",
        type=_clients_list,
        default=[2, 4],
        help="comma-separated concurrencies of the analysis scenario ('' to skip it)",
    )
    parser.add_argument("--analyze-duration", type=float, default=15.0, help="seconds per analysis run")
    parser.add_argument("--cases", type=int, default=5, help="cases in the registry (requests rotate)")
    parser.add_argument(
        "--database", metavar="URL", help="an empty PostgreSQL database (default: SQLite, temporary)"
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (1 leaves the server more CPU)"
    )
    parser.add_argument("--target-ms", type=float, default=500.0, help="p99 target for the read scenario")
    parser.add_argument("--workers", type=int, default=1, help="marbledx serve --workers (default 1)")
    args = parser.parse_args()
    if args.clients < 1 or args.cases < 1 or args.duration <= 0:
        parser.error("--clients, --cases and --duration must be positive")

    wrk = shutil.which("wrk") if args.client in ("auto", "wrk") else None
    if args.client == "wrk" and wrk is None:
        parser.error("--client wrk: no wrk on PATH (Debian: apt-get install wrk)")

    with tempfile.TemporaryDirectory(prefix="marbledx-bench-web-") as scratch:
        folder = Path(scratch)
        database = args.database or f"sqlite:///{folder / 'registry.sqlite3'}"
        uploads = folder / "uploads"
        start = time.perf_counter()
        token, ids = populate(database, uploads, args.cases)
        shown = "SQLite (temporary file)" if args.database is None else "the given database"
        print(
            f"registry: {shown}, {len(ids)} cases with the example's findings, labs and VCF "
            f"(set up in {time.perf_counter() - start:.1f} s)"
        )
        with serve(database, uploads, folder / "server.log", args.workers) as server:
            ready = server.wait_ready(token)
            print(f"marbledx serve at {server.base_url}, pid {server.process.pid}, ready after {ready:.1f} s")
            print(f"warm-up (analyse and read each case once): {_warm_up(server, token, ids):.1f} s")
            print(
                f"load: {'wrk ' + str(args.wrk_threads) + ' thread(s)' if wrk else 'Python asyncio client (httpx)'}; "
                f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                f"load average {os.getloadavg()[0]:.2f}"
            )
            scenarios = [
                Scenario("read", "GET", tuple(f"/api/cases/{i}" for i in ids), args.clients, args.duration)
            ]
            scenarios += [
                Scenario(
                    "analyze", "POST", tuple(f"/api/cases/{i}/analyze" for i in ids), n, args.analyze_duration
                )
                for n in args.analyze_clients
            ]
            results = []
            for scenario in scenarios:
                if wrk is not None:
                    result = run_wrk(wrk, server, token, scenario, folder, args.wrk_threads)
                else:
                    result = run_python(server, token, scenario)
                results.append(result)
                print(
                    f"  {scenario.route} x{scenario.clients}: {result.rps:,.1f} requests/s, "
                    f"p50 {result.p50_ms:,.0f} ms, p99 {result.p99_ms:,.0f} ms, {result.errors} errors; "
                    f"client CPU {100 * result.client_cpu_s / result.seconds:.0f}%",
                    flush=True,
                )
            failed = server.process.poll() is not None
            if failed:
                print(f"marbledx serve died:\n{server.tail()}")

    print()
    print(_table(results))
    print(f"\nserver CPU: share of one core; load average at the end {os.getloadavg()[0]:.2f}")
    read = results[0]
    met = read.p99_ms <= args.target_ms and read.errors == 0
    print(
        f"target (read a case, {read.scenario.clients} clients): p99 {read.p99_ms:,.0f} ms <= "
        f"{args.target_ms:,.0f} ms with no errors: {'met' if met else 'NOT met'}"
        + ("" if read.scenario.clients == 50 else " (the target is stated for 50 clients)")
    )
    errors = sum(r.errors for r in results)
    if errors or failed:
        print(f"{errors} request(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
