"""An OpenAI-compatible embeddings server (ASSISTANT_EMBEDDING_URL) against a scripted stub on
127.0.0.1 (tests/embedding_stub.py): batches, concurrency and order; retries; every broken
reply is one line and a non-zero exit, and nothing stored before is lost. The same against a
real llama.cpp server: tests/integration/test_embedding_server.py."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.errors import user_error
from tests.embedding_stub import EmbeddingStub
from vectorstore.errors import (
    EmbeddingServerFailed,
    EmbeddingServerNotFound,
    EmbeddingServerProblem,
    EmbeddingServerRejected,
    EmbeddingServerTimeout,
    EmbeddingServerUnreachable,
)
from vectorstore.ingest.embedding_config import EmbeddingConfig
from vectorstore.ingest.embedding_server import ServerEmbeddings, embeddings_endpoint
from vectorstore.search.store import WRITING

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]
runner = CliRunner()
MODEL = "nomic-embed-text"
TEXTS = [f"Text number {n} about railways in Armenia and Georgia." for n in range(7)]


@pytest.fixture
def stub() -> Iterator[EmbeddingStub]:
    with EmbeddingStub() as server:
        yield server


def client(url: str, **settings: object) -> ServerEmbeddings:
    values: dict[str, object] = {"model": MODEL, "url": url, "max_retries": 1, "timeout": 30.0}
    return ServerEmbeddings(EmbeddingConfig.model_validate(values | settings))


def test_vectors_come_back_in_order_in_batches_sent_concurrently() -> None:
    """Four batches of two, sent two at a time: the stub lets the first two requests through
    only together, so a client sending one at a time would fail."""
    with EmbeddingStub(meet=2) as stub:
        stub.then("reversed", "ok", "reversed")  # indexes say the order, not the list's
        vectors = client(stub.url, batch_size=2, concurrency=2).embed_documents(TEXTS)
    assert vectors == [stub.vector(text) for text in TEXTS]
    assert sorted(len(request["input"]) for request in stub.requests) == [1, 2, 2, 2]
    assert stub.most_in_flight == 2
    assert {request["model"] for request in stub.requests} == {MODEL}
    assert {request["encoding_format"] for request in stub.requests} == {"float"}


def test_transient_failures_are_retried_a_bounded_number_of_times(stub: EmbeddingStub) -> None:
    stub.then(503, 429)
    assert client(stub.url, max_retries=2).embed_query("x") == stub.vector("x")
    assert len(stub.requests) == 3
    stub.then(500, 500, 500)
    with pytest.raises(EmbeddingServerFailed, match=r"answered HTTP 500: scripted status 500"):
        client(stub.url, max_retries=2).embed_query("x")
    assert len(stub.requests) == 6


@pytest.mark.parametrize(
    ("step", "error", "words"),
    [
        ("not-json", EmbeddingServerFailed, "not JSON (text/html, 24 bytes)"),
        ("unequal", EmbeddingServerFailed, "vectors of unequal length (63 and 64 numbers)"),
        ("per-token", EmbeddingServerFailed, "one vector per token, not one per text"),
        (401, EmbeddingServerRejected, "refused the key (HTTP 401"),
        (404, EmbeddingServerNotFound, f"has no model '{MODEL}' or no embeddings endpoint"),
    ],
)
def test_a_broken_reply_is_one_clear_error(
    stub: EmbeddingStub, step: object, error: type[EmbeddingServerProblem], words: str
) -> None:
    stub.then(step)
    with pytest.raises(error) as raised:
        client(stub.url).embed_documents(TEXTS[:3])
    assert words in str(raised.value)
    assert len(str(user_error(raised.value)).splitlines()) == 1


def test_a_refused_connection_and_a_silent_or_trickling_server_are_clear_errors(
    stub: EmbeddingStub,
) -> None:
    port = stub.port
    stub.die()  # nothing listens on the port any more
    with pytest.raises(EmbeddingServerUnreachable, match="cannot connect"):
        client(f"http://127.0.0.1:{port}/v1").embed_query("x")
    with EmbeddingStub() as silent:
        silent.then("silent")
        began = time.monotonic()
        with pytest.raises(EmbeddingServerTimeout, match="did not answer within 1 s"):
            client(silent.url, timeout=1.0).embed_query("x")
        assert time.monotonic() - began < 30  # one deadline, not retried
        assert len(silent.requests) == 1
        silent.then("trickle")
        began = time.monotonic()
        with pytest.raises(EmbeddingServerTimeout):
            client(silent.url, timeout=1.0).embed_query("x")
        assert time.monotonic() - began < 30  # each read was quick; the whole reply was not


def test_the_key_is_sent_and_a_password_in_the_url_never_shown(stub: EmbeddingStub) -> None:
    stub.then(500)
    with pytest.raises(EmbeddingServerFailed) as raised:
        client(stub.url.replace("//", "//team:hunter2@"), max_retries=0).embed_query("x")
    shown = str(user_error(raised.value))
    assert "hunter2" not in shown and "team:***@" in shown
    assert stub.headers[0]["Authorization"].startswith("Basic ")  # the URL's own credentials
    client(stub.url, api_key="ek-secret").embed_query("x")
    assert stub.headers[1]["Authorization"] == "Bearer ek-secret"
    assert embeddings_endpoint("http://h:1/v1/") == "http://h:1/v1/embeddings"
    assert embeddings_endpoint("http://h:1/v1/embeddings") == "http://h:1/v1/embeddings"


@pytest.mark.parametrize("url", ["ftp://gpu-box/v1", "gpu-box:8080", "http://h:99999/v1"])
def test_a_url_that_is_no_server_is_a_configuration_error(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_URL", url)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 4
    assert "Invalid setting ASSISTANT_EMBEDDING_URL: Value error, must be an http(s) URL" in (
        result.stderr
    )


def story(folder: Path, name: str, title: str, sentence: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.txt").write_text(f"{title}\n\n{sentence}\n")


@pytest.fixture
def served(stub: EmbeddingStub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The CLI pointed at the stub, with three articles ingested through it."""
    monkeypatch.setenv("ASSISTANT_EMBEDDING_URL", stub.url)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", MODEL)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BATCH_SIZE", "2")
    monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "1")
    articles = tmp_path / "articles"
    story(articles, "rail", "Railway concession", "South Caucasus Railways runs the network.")
    story(articles, "gas", "Gas deal", "Azerbaijan agreed to sell more gas to Europe.")
    story(articles, "port", "Port upgrade", "The port of Poti gets a new deep-water berth.")
    result = runner.invoke(app, ["ingest", str(articles)])
    assert result.exit_code == 0, result.output
    return articles


def stored(articles: Path) -> dict[str, tuple[int, str]]:
    """Each stored article's chunk count and text, and a search finds each by its words."""
    from assistant.service import open_knowledge_base
    from assistant.settings import Settings

    kb = open_knowledge_base(Settings())
    assert not kb.store.revision.startswith(WRITING)
    for hit_word, article_id in (("railways", "rail"), ("Poti", "port")):
        hits = kb.search(hit_word, k=1, mode="lexical")
        assert hits and hits[0].article_id == article_id
    return {
        a.id: (a.chunks, kb.store.article_text(a.id) or "") for a in kb.store.manifest().values()
    }


def test_status_shows_the_embeddings_server_with_secrets_masked(
    served: Path, stub: EmbeddingStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_URL", stub.url.replace("//", "//me:pw@"))
    monkeypatch.setenv("ASSISTANT_EMBEDDING_API_KEY", "ek-secret")
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["settings"]["embedding_url"] == stub.url.replace("//", "//me:***@")
    assert shown["settings"]["embedding_api_key"] == "set (hidden)"
    assert shown["index"]["embedding_model"] == f"server/{MODEL}"
    assert "pw@" not in result.stdout and "ek-secret" not in result.stdout


def test_a_server_that_dies_mid_ingest_loses_nothing_stored(
    served: Path, stub: EmbeddingStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = stored(served)
    for n in range(8):
        story(served, f"new{n}", f"Story {n}", f"Story {n} is about the zebra crossing {n}.")
    story(served, "rail", "Railway concession", "The concession was extended to 2045.")
    stub.then("ok", "ok", "die")  # two batches answered, then the server is gone
    monkeypatch.setattr("vectorstore.storing.EMBED_GROUP", 2)
    result = runner.invoke(app, ["ingest", str(served)])
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "The embeddings server at" in result.stderr and "failed: " in result.stderr
    assert "what was stored before is kept" in result.stderr
    with EmbeddingStub() as again:  # the server back (on another port): all is there
        monkeypatch.setenv("ASSISTANT_EMBEDDING_URL", again.url)
        after = stored(served)
        assert {k: v for k, v in after.items() if k in before and k != "rail"} == {
            k: v for k, v in before.items() if k != "rail"
        }
        assert after["rail"] == before["rail"]  # its turn had not come
        assert {"new0", "new1", "new2", "new3"} <= set(after)  # embedded before the end
        result = runner.invoke(app, ["ingest", str(served)])
        assert result.exit_code == 0, result.output
        assert len(stored(served)) == 3 + 8


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        (["not-json"], "not JSON"),
        ([500, 500], "answered HTTP 500"),
        (["unequal"], "vectors of unequal length"),
        (["per-token"], "one vector per token"),
        (["die"], "The embeddings server at"),  # cannot connect, or the connection broke off
    ],
)
def test_a_failed_ingest_is_one_line_and_the_index_stays_as_it_was(
    served: Path,
    stub: EmbeddingStub,
    monkeypatch: pytest.MonkeyPatch,
    steps: list[object],
    words: str,
) -> None:
    before = stored(served)
    story(served, "rail", "Railway concession", "The concession was extended to 2045.")
    story(served, "late", "Late news", "The zebra crossing in Gyumri was repainted.")
    stub.then(*steps)
    result = runner.invoke(app, ["ingest", str(served)])
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr
    with EmbeddingStub() as again:  # the same model, answering (for a dead one: restarted)
        monkeypatch.setenv("ASSISTANT_EMBEDDING_URL", again.url)
        assert stored(served) == before
        search = runner.invoke(app, ["search", "South Caucasus Railways", "-k", "1", "--json"])
        assert json.loads(search.stdout)["results"][0]["article_id"] == "rail"


def test_a_rebuild_with_the_server_down_keeps_the_index(served: Path, stub: EmbeddingStub) -> None:
    before = stored(served)
    stub.die()
    result = runner.invoke(app, ["ingest", "--rebuild", str(served)])
    assert result.exit_code == 4 and "cannot connect" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert stored(served) == before


def test_vectors_of_another_length_are_refused_before_anything_is_replaced(
    served: Path, stub: EmbeddingStub
) -> None:
    before = stored(served)
    story(served, "rail", "Railway concession", "The concession was extended to 2045.")
    stub.dimension = 32  # another model behind the same name
    result = runner.invoke(app, ["ingest", str(served)])
    assert result.exit_code == 3, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "holds vectors of 64 numbers" in result.stderr and "gave 32" in result.stderr
    assert "assistant ingest --rebuild" in result.stderr
    stub.dimension = 64
    assert stored(served) == before  # the changed article kept its old chunks
    search = runner.invoke(app, ["search", "railways", "--json"])
    assert search.exit_code == 0 and json.loads(search.stdout)["results"]
    stub.dimension = 32
    search = runner.invoke(app, ["search", "railways"])
    assert search.exit_code == 3 and "gave 32" in search.stderr


def test_switching_the_local_index_to_a_server_is_refused(
    seeded_home: Path, stub: EmbeddingStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(seeded_home))
    monkeypatch.setenv("ASSISTANT_EMBEDDING_URL", stub.url)
    result = runner.invoke(app, ["search", "railways"])
    assert result.exit_code == 3
    assert "built with the embedding model all-MiniLM-L6-v2-onnx-int8" in result.stderr
    assert "not server/all-MiniLM-L6-v2" in result.stderr
    assert "assistant ingest --rebuild" in result.stderr
    assert stub.requests == []
