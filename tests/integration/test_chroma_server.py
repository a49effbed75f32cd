"""Every command against a real Chroma server, and the ways a server can fail."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from tests.conftest import SEEDS

# One server for all of these, so they share one xdist worker (see pyproject's addopts).
pytestmark = [
    pytest.mark.enable_socket,
    pytest.mark.allow_hosts(["127.0.0.1"]),
    pytest.mark.xdist_group("chroma-server"),
]
SAMPLE = "What does Russia claim about South Caucasus Railways?"
runner = CliRunner()


@pytest.fixture
def on_server(chroma_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """This test's machine (its own ASSISTANT_HOME) pointed at the shared server, emptied."""
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", chroma_server)
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "machine-a"))
    assert runner.invoke(app, ["ingest", "--rebuild", str(SEEDS)]).exit_code == 0
    return chroma_server


def ask_json(question: str) -> dict[str, object]:
    result = runner.invoke(app, ["ask", question, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_status_says_which_store_is_in_use(on_server: str) -> None:
    report = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert report["index"]["store"] == "server"
    assert report["index"]["location"] == on_server
    assert (report["index"]["articles"], report["index"]["chunks"]) == (5, 37)


def test_ingest_is_idempotent_on_the_server(on_server: str) -> None:
    again = runner.invoke(app, ["ingest", str(SEEDS)])
    assert "0 new, 0 updated, 5 unchanged" in again.stdout


def test_ask_on_the_server_matches_the_embedded_store(
    on_server: str, seeded_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = [SAMPLE, "Who is Ivan Timofeev?", "What is the population of Georgia?"]
    served = [ask_json(q) for q in questions]
    monkeypatch.delenv("ASSISTANT_CHROMA_URL")
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    local = [ask_json(q) for q in questions]
    assert served[0]["citations"][0]["speaker"] == "Mikhail Kalugin"  # speakers kept by the server
    for remote, embedded in zip(served, local, strict=True):
        assert remote["answer"] == embedded["answer"]
        assert remote["citations"] == embedded["citations"]
        assert remote["abstained"] == embedded["abstained"]


def test_search_and_prune_on_the_server(on_server: str, tmp_path: Path) -> None:
    folder = tmp_path / "extra"
    folder.mkdir()
    story = folder / "tbilisi.txt"
    story.write_text(
        "Tbilisi metro extension\n\nThe Tbilisi metro will get four new stations by 2030."
    )
    assert "1 new" in runner.invoke(app, ["ingest", str(folder)]).stdout
    found = json.loads(runner.invoke(app, ["search", "Tbilisi metro stations", "--json"]).stdout)
    assert found["results"][0]["article_id"] == "tbilisi"
    story.unlink()
    assert "1 removed" in runner.invoke(app, ["ingest", str(folder), "--prune"]).stdout
    found = json.loads(runner.invoke(app, ["search", "Tbilisi metro stations", "--json"]).stdout)
    assert all(r["article_id"] != "tbilisi" for r in found["results"])


def test_a_second_machine_sees_what_the_first_ingested(
    on_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each machine keeps its own lexical cache; a store revision change makes it rebuild."""
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "machine-b"))
    lexical = ["search", "Yerevan tram depot", "--json"]
    before = json.loads(runner.invoke(app, lexical).stdout)
    assert all(r["article_id"] != "tram" for r in before["results"])

    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "machine-a"))
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "tram.txt").write_text("Yerevan tram\n\nThe Yerevan tram depot reopened on Monday.")
    assert "1 new" in runner.invoke(app, ["ingest", str(folder)]).stdout

    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "machine-b"))
    after = json.loads(runner.invoke(app, lexical).stdout)
    assert after["results"][0]["article_id"] == "tram"


def test_a_server_that_is_down_gets_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", f"http://127.0.0.1:{port}")
    began = time.monotonic()
    result = runner.invoke(app, ["search", "Trump Route"])
    assert time.monotonic() - began < 10
    assert result.exit_code == 3
    assert f"Cannot reach the Chroma server at http://127.0.0.1:{port}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


class Refusing(BaseHTTPRequestHandler):
    """A server that rejects every request's credentials."""

    def do_GET(self) -> None:
        body = json.dumps({"error": "AuthError", "message": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


class Silent(BaseHTTPRequestHandler):
    """A server that accepts the request and never answers."""

    def do_GET(self) -> None:
        time.sleep(30)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


class Stalling(BaseHTTPRequestHandler):
    """A server that answers the heartbeat, then stalls on every other request."""

    def do_GET(self) -> None:
        if not self.path.endswith("/heartbeat"):
            time.sleep(30)
            return
        body = json.dumps({"nanosecond heartbeat": time.time_ns()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        time.sleep(30)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def misbehaving(request: pytest.FixtureRequest) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), request.param)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("misbehaving", [Refusing], indirect=True)
def test_a_rejected_token_gets_one_line(misbehaving: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", misbehaving)
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", "wrong-token-value")
    result = runner.invoke(app, ["search", "Trump Route"])
    assert result.exit_code == 3
    assert "rejected the credentials" in result.stderr
    assert "wrong-token-value" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("misbehaving", [Silent, Stalling], indirect=True)
def test_a_silent_server_fails_within_the_time_out(
    misbehaving: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", misbehaving)
    monkeypatch.setenv("ASSISTANT_REQUEST_TIMEOUT", "2")
    began = time.monotonic()
    result = runner.invoke(app, ["search", "Trump Route"])
    assert time.monotonic() - began < 8
    assert result.exit_code == 3
    assert "did not answer in time" in result.stderr


def test_eval_gives_the_same_metrics_on_the_server_as_embedded(
    on_server: str, seeded_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    golden = Path(__file__).resolve().parents[1] / "golden" / "seeds.yaml"
    served = tmp_path / "server.json"
    assert (
        runner.invoke(app, ["eval", str(golden), "--no-llm", "--json", str(served)]).exit_code == 0
    )
    monkeypatch.delenv("ASSISTANT_CHROMA_URL")
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    local = tmp_path / "embedded.json"
    assert (
        runner.invoke(app, ["eval", str(golden), "--no-llm", "--json", str(local)]).exit_code == 0
    )
    remote, embedded = json.loads(served.read_text()), json.loads(local.read_text())
    assert remote["cases"] == embedded["cases"]
    for name, value in embedded["metrics"].items():
        if not name.startswith("latency"):
            assert remote["metrics"][name] == value, name
