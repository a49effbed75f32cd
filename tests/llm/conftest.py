"""Recorded LLM exchanges (pytest-recording / vcrpy).

CI replays cassettes from tests/cassettes/ with the network blocked (record mode "none", the
default): a request with no recorded answer fails, and so does a recorded answer left unplayed.
Secrets are scrubbed from requests and responses before anything is written.
Re-recording: see tests/cassettes/README.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import REPO

SCRUBBED_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "openai-api-key",
    "cookie",
    "set-cookie",
    "openai-organization",
    "openai-project",
    "x-request-id",
)
# The live endpoint to record from, read before tests/conftest.py's isolated_home clears the
# OpenAI settings of every test.
RECORDING_ENDPOINT = {
    name: os.environ[name]
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ASSISTANT_LLM_MODEL")
    if os.environ.get(name)
}


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SCRUBBED_HEADERS:
            del headers[name]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": [(name, "REDACTED") for name in SCRUBBED_HEADERS],
        "before_record_response": _scrub_response,
        # The path, not the host: cassettes replay whichever endpoint recorded them.
        "match_on": ["method", "path"],
        "allow_playback_repeats": False,
        "decode_compressed_response": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(REPO / "tests" / "cassettes")


@pytest.fixture(autouse=True)
def every_recorded_answer_is_played(
    request: pytest.FixtureRequest, record_mode: str
) -> Iterator[None]:
    yield
    if record_mode == "none" and request.node.get_closest_marker("vcr"):
        cassette = request.getfixturevalue("vcr")
        assert cassette.all_played, f"{cassette._path}: recorded interactions were not played"


@pytest.fixture
def llm_endpoint(
    request: pytest.FixtureRequest,
    record_mode: str,
    seeded_home: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """Replaying: a configured (dummy) key, and vcrpy answers. Recording: the live endpoint in
    the environment, or with ASSISTANT_RECORD_FROM_STUB=1 the scripted server, scripted with
    the test's `stub_reply` marker."""
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "0")
    if record_mode == "none":
        monkeypatch.setenv("OPENAI_API_KEY", "sk-replay-only")
        yield
        return
    for name, value in RECORDING_ENDPOINT.items():
        monkeypatch.setenv(name, value)
    if os.environ.get("ASSISTANT_RECORD_FROM_STUB"):
        from tests.openai_stub import StubServer

        marker = request.node.get_closest_marker("stub_reply")
        with StubServer() as stub:
            stub.then(*(marker.args if marker else ()))
            monkeypatch.setenv("OPENAI_BASE_URL", stub.url)
            yield
        return
    yield


@pytest.fixture
def short_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two passages and a 200-token answer budget, recording and replaying alike: the real
    model these cassettes come from reads a five-passage prompt for minutes on a busy CPU."""
    monkeypatch.setenv("ASSISTANT_TOP_K", "2")
    monkeypatch.setenv("ASSISTANT_LLM_MAX_TOKENS", "200")


def cassette_texts() -> dict[str, str]:
    folder = REPO / "tests" / "cassettes"
    return {path.name: path.read_text() for path in sorted(folder.glob("*.yaml"))}


def recorded_bodies(text: str) -> list[dict[str, Any]]:
    import yaml

    data = yaml.safe_load(text)
    return [json.loads(i["request"]["body"]) for i in data["interactions"] if i["request"]["body"]]


def assert_quotes_verbatim(answer: dict[str, Any]) -> None:
    """Every citation an answer keeps, its fallback's included, quotes its article verbatim at
    its offsets (the knowledge base under ASSISTANT_HOME)."""
    from assistant.service import open_knowledge_base
    from assistant.settings import load_settings

    store = open_knowledge_base(load_settings()).store
    fallback = answer["verification"].get("fallback") or {}
    for citation in [*answer["citations"], *fallback.get("citations", [])]:
        text = store.article_text(citation["article_id"])
        assert text is not None, citation["article_id"]
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def recorded_stream_events(text: str) -> int:
    """Server-sent events in a cassette's recorded answers."""
    import yaml

    data = yaml.safe_load(text)
    return sum(str(i["response"]["body"]["string"]).count("data: ") for i in data["interactions"])


def recorded_reply(text: str) -> str:
    """The text of a cassette's first recorded streamed answer."""
    import yaml

    body = str(yaml.safe_load(text)["interactions"][0]["response"]["body"]["string"])
    reply = ""
    for line in body.splitlines():
        if line.startswith("data: ") and line[6:].strip() != "[DONE]":
            for choice in json.loads(line[6:]).get("choices", []):
                reply += (choice.get("delta") or {}).get("content") or ""
    return reply
