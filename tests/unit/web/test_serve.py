"""``marbledx serve`` (uvicorn replaced by a stub) and an analysis on the real HPO release."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from marbledx.cli import _serve_cmd
from marbledx.errors import InputError
from marbledx.knowledge import HsctDecision, KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry

from .conftest import Web, make_web


@pytest.fixture(autouse=True)
def no_port_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn is a stub here, so the start-up check that the port is free (tested in
    tests/unit/registry/test_admin_hostile.py) must not bind the real ports 8000 and 8123: a server
    running on them would fail these tests."""
    monkeypatch.setattr(_serve_cmd, "check_listen", lambda host, port: None)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    _serve_cmd.configure(parser)
    return parser.parse_args(argv)


def test_serve_defaults() -> None:
    args = parse()
    assert (args.host, args.port, args.database) == ("127.0.0.1", 8000, None)
    assert _serve_cmd.HELP


def test_serve_runs_uvicorn_on_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_hpo: Hpo, kb: KnowledgeBase
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **options: Any) -> None:
        seen.update(options)
        with TestClient(app) as client:  # the lifespan closes the registry at shutdown
            seen["status"] = client.get("/api/cases").status_code
            seen["registry"] = app.state.registry

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr("marbledx.ontology.load_hpo", lambda: mini_hpo)
    monkeypatch.setattr(_serve_cmd, "freeze_heap", lambda: seen.setdefault("frozen", True))
    database = tmp_path / "serve.sqlite3"
    args = parse(
        "--port", "8123", "--database", f"sqlite:///{database}", "--uploads-dir", str(tmp_path / "up")
    )
    assert _serve_cmd.run(args) == 0
    assert seen["status"] == 401
    assert (seen["host"], seen["port"], seen["access_log"]) == ("127.0.0.1", 8123, False)
    assert isinstance(seen["registry"], Registry)
    assert database.exists()
    assert seen["frozen"]  # before serving


def test_serve_with_workers_builds_each_app_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mini_hpo: Hpo
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(app: Any, **options: Any) -> None:
        seen["app"], seen["options"] = app, options

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setattr("marbledx.ontology.load_hpo", lambda: mini_hpo)
    # A worker freezes its heap once the app is built; not in the test process, which goes on.
    monkeypatch.setattr(_serve_cmd, "freeze_heap", lambda: seen.setdefault("frozen", True))
    for key in (_serve_cmd.SETTINGS_DATABASE, _serve_cmd.SETTINGS_UPLOADS, _serve_cmd.SETTINGS_MAX_UPLOAD):
        monkeypatch.setenv(key, "")  # recorded, so what run() puts there is removed after the test
    database = tmp_path / "serve.sqlite3"
    args = parse(
        "--database", f"sqlite:///{database}", "--uploads-dir", str(tmp_path / "up"), "--workers", "2"
    )
    assert _serve_cmd.run(args) == 0
    assert seen["app"] == "marbledx.cli._serve_cmd:app_from_environment"
    assert (seen["options"]["factory"], seen["options"]["workers"]) == (True, 2)
    assert database.exists()  # migrated once, before the workers start
    app = _serve_cmd.app_from_environment()  # what each worker runs
    assert seen.get("frozen")
    with TestClient(app) as client:
        assert client.get("/api/cases").status_code == 401
        assert app.state.max_upload_bytes == 200 * 2**20


@pytest.mark.parametrize("argv", [("--port", "0"), ("--max-upload-mb", "0"), ("--workers", "0")])
def test_serve_refuses_bad_options(argv: tuple[str, ...]) -> None:
    with pytest.raises(InputError):
        _serve_cmd.run(parse(*argv))


@pytest.fixture
def real_web(registry: Registry, real_hpo: Hpo, kb: KnowledgeBase) -> Iterator[Web]:
    yield from make_web(registry, real_hpo, kb)


@pytest.mark.integration
def test_analyze_infant_osteopetrosis_gives_hsct_decision(real_web: Web) -> None:
    body = {
        "label": "infant",
        "age_days": 120,
        "sex": "male",
        "findings": [{"hpo_id": "HP:0011002"}, {"hpo_id": "HP:0000648"}, {"hpo_id": "HP:0001903"}],
    }
    case = real_web.client.post("/api/cases", json=body, headers=real_web.alice).json()
    lab = {"analyte": "haemoglobin", "value": 7.0, "unit": "g/dL", "measured_on": "2025-03-01"}
    assert (
        real_web.client.post(f"/api/cases/{case['id']}/labs", json=lab, headers=real_web.alice).status_code
        == 201
    )
    response = real_web.client.post(f"/api/cases/{case['id']}/analyze", headers=real_web.alice)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    hsct = result["care_plan"]["hsct"]
    assert hsct["decision"] in {d.value for d in HsctDecision}, hsct
    assert result["diagnoses"]
    assert result["labs"]
    html = real_web.client.get(f"/api/cases/{case['id']}/report", headers=real_web.alice)
    assert html.status_code == 200
