"""Against a real embeddings server: llama-cpp-python's OpenAI-compatible server in embedding
mode (`--embedding True`, 1 thread, a 512-token context) with the Qwen2.5-Coder-0.5B GGUF that
`scripts/local-llm install` puts in ~/.cache/assistant-llm, started here on a free 127.0.0.1
port and stopped by its PID. Skipped, saying why, where it is not installed.

That server has no `--pooling` option, and this model is not pooled by default: it sends one
vector per token. One test checks that this is a clear error; the others start the same
server with mean pooling set where it builds the model (llama.cpp's own `llama-server` takes
`--pooling mean`). Texts are a sentence each, so the tests stay short on a busy CPU.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.errors import user_error
from tests.fakes import HashEmbeddings
from vectorstore.errors import EmbeddingServerUnreachable
from vectorstore.knowledge import KnowledgeBase, Layout
from vectorstore.search.store import WRITING

pytestmark = [
    pytest.mark.slow,
    pytest.mark.enable_socket,
    pytest.mark.allow_hosts(["127.0.0.1"]),
    pytest.mark.xdist_group("llama-embedding-server"),  # one model in memory at a time
]
runner = CliRunner()
MODEL = "qwen2.5-coder-0.5b"
CACHE = Path(
    os.environ.get("ASSISTANT_LLM_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assistant-llm"
)
PYTHON = CACHE / "venv" / "bin" / "python"
GGUF = CACHE / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
SERVE = "from llama_cpp.server.__main__ import main; main()"
SERVE_POOLED = """
import llama_cpp
build = llama_cpp.Llama.__init__
def pooled(self, *args, **kwargs):  # the server's settings have no pooling type
    build(self, *args, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN, **kwargs)
llama_cpp.Llama.__init__ = pooled
from llama_cpp.server.__main__ import main
main()
"""
SENTENCES = {
    "rail": ("Railway concession", "South Caucasus Railways operates the railway of Armenia."),
    "gas": ("Gas deal", "Azerbaijan agreed to sell more natural gas to Europe."),
    "port": ("Port upgrade", "The port of Poti in Georgia gets a new deep-water berth."),
    "talks": ("Peace talks", "Ministers met in Geneva to discuss the border treaty."),
}


@contextmanager
def llama_embedding_server(log: Path, pooled: bool = True) -> Iterator[subprocess.Popen[bytes]]:
    """The server, answering; stopped by its PID (SIGTERM, then SIGKILL) afterwards."""
    if not (PYTHON.is_file() and GGUF.is_file()):
        pytest.skip("no local model: run scripts/local-llm install (builds llama-cpp-python)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    arguments = ["--model", str(GGUF), "--host", "127.0.0.1", "--port", str(port)]
    arguments += ["--embedding", "True", "--n_ctx", "512", "--n_threads", "1"]
    arguments += ["--n_threads_batch", "1"]
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(PYTHON), "-c", SERVE_POOLED if pooled else SERVE, *arguments],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server.url = f"http://127.0.0.1:{port}/v1"  # type: ignore[attr-defined]
    try:
        wait_until_it_answers(server, log)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def wait_until_it_answers(server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180  # loading the model takes ~2 s, far more on a busy CPU
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-2000:]
        try:
            httpx.get(f"{server.url}/models", timeout=5).raise_for_status()  # type: ignore[attr-defined]
            return
        except httpx.HTTPError:
            time.sleep(0.2)  # polling for readiness, not ordering test steps
    raise AssertionError(f"the server did not answer within 180 s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def pooled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("llama-embedding") / "server.log"
    with llama_embedding_server(log) as server:
        yield server.url  # type: ignore[attr-defined]


def write_articles(folder: Path, names: dict[str, tuple[str, str]]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, (title, sentence) in names.items():
        (folder / f"{name}.txt").write_text(f"{title}\n\n{sentence}\n")
    return folder


def use_server(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDING_URL", url)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", MODEL)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BATCH_SIZE", "2")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_CONCURRENCY", "2")
    monkeypatch.setenv("ASSISTANT_REQUEST_TIMEOUT", "120")  # a busy 2-core CI machine


def open_kb() -> KnowledgeBase:
    from assistant.service import open_knowledge_base
    from assistant.settings import Settings

    return open_knowledge_base(Settings())


def snapshot(kb: KnowledgeBase) -> dict[str, tuple[str, int, int]]:
    """Each stored article's hash, manifest chunk count and chunks really stored."""
    return {
        a.id: (
            a.content_hash,
            a.chunks,
            len(kb.store.chunks.get(where={"article_id": a.id})["ids"]),
        )
        for a in kb.store.manifest().values()
    }


def test_ingest_and_search_through_a_real_server(
    pooled_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_server(monkeypatch, pooled_server)
    articles = write_articles(tmp_path / "articles", SENTENCES)
    result = runner.invoke(app, ["ingest", str(articles)])
    assert result.exit_code == 0, result.output
    assert "4 new" in result.stdout
    found = runner.invoke(app, ["search", "deep-water berth at Poti", "-k", "1", "--json"])
    assert found.exit_code == 0, found.output
    assert '"article_id": "port"' in found.stdout
    status = runner.invoke(app, ["status", "--json"])
    assert f'"embedding_model": "server/{MODEL}"' in status.stdout
    assert f'"embedding_url": "{pooled_server}"' in status.stdout

    kb = open_kb()  # batches sent two at a time come back in the texts' order
    texts = [sentence for _, sentence in SENTENCES.values()]
    together = kb.embeddings.embed_documents(texts)
    alone = [kb.embeddings.embed_query(text) for text in texts]
    assert [len(v) for v in together] == [896] * 4
    for a, b in zip(together, alone, strict=True):
        cosine = sum(x * y for x, y in zip(a, b, strict=True))
        assert cosine / (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5 > 0.99


def test_another_dimension_under_the_same_name_is_refused_and_nothing_is_lost(
    pooled_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An index built under this model's name by a 64-number model (a stand-in for the model
    the server served before): the real server's 896 numbers are refused before the changed
    article's old chunks go."""
    home = Path(os.environ["ASSISTANT_HOME"])
    articles = write_articles(tmp_path / "articles", SENTENCES)
    embeddings = HashEmbeddings()
    before_kb = KnowledgeBase.open(Layout(home), embeddings, f"server/{MODEL}")  # type: ignore[arg-type]
    before_kb.ingest([articles])
    before = snapshot(before_kb)
    write_articles(articles, {"rail": ("Railway concession", "The concession now ends in 2045.")})
    use_server(monkeypatch, pooled_server)
    result = runner.invoke(app, ["ingest", str(articles)])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert "holds vectors of 64 numbers" in result.stderr and "gave 896" in result.stderr
    assert "assistant ingest --rebuild" in result.stderr
    kb = open_kb()
    assert snapshot(kb) == before
    assert not kb.store.revision.startswith(WRITING)
    assert kb.search("South Caucasus Railways", k=1, mode="lexical")[0].article_id == "rail"


def test_an_unpooled_server_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What `--embedding True` alone gives with this model: a vector per token."""
    with llama_embedding_server(tmp_path / "server.log", pooled=False) as server:
        use_server(monkeypatch, server.url)  # type: ignore[attr-defined]
        articles = write_articles(tmp_path / "articles", SENTENCES)
        result = runner.invoke(app, ["ingest", str(articles)])
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert "one vector per token, not one per text" in result.stderr
    assert open_kb().store.counts() == (0, 0)


def test_a_server_killed_mid_ingest_loses_nothing_stored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The server is killed (SIGKILL, by its PID) once the first new article is stored; the
    ingest ends with one clear error, and every article stored is whole and searchable."""
    more = {
        f"note{n}": (f"Note {n}", f"Note {n} is about the zebra crossing {n}.") for n in range(12)
    }
    articles = write_articles(tmp_path / "articles", SENTENCES)
    with llama_embedding_server(tmp_path / "server.log") as server:
        use_server(monkeypatch, server.url)  # type: ignore[attr-defined]
        monkeypatch.setenv("ASSISTANT_MAX_RETRIES", "1")
        assert runner.invoke(app, ["ingest", str(articles)]).exit_code == 0
        kb = open_kb()
        before = snapshot(kb)
        write_articles(articles, more)
        monkeypatch.setattr("vectorstore.storing.EMBED_GROUP", 2)

        def kill_after_the_first_new(done: int, total: int, chunks: int) -> None:
            if done > len(SENTENCES) and server.poll() is None:
                os.kill(server.pid, signal.SIGKILL)
                server.wait(timeout=30)

        with pytest.raises(EmbeddingServerUnreachable) as raised:
            kb.ingest([articles], progress=kill_after_the_first_new)
    shown = user_error(raised.value)
    assert shown.exit_code == 4 and len(str(shown).splitlines()) == 1
    assert "what was stored before is kept" in str(shown)
    after = snapshot(open_kb())
    assert {k: v for k, v in after.items() if k in before} == before
    stored_new = set(after) - set(before)
    assert stored_new and stored_new < set(more)  # some, not all, of the new ones
    assert all(manifest == real > 0 for _, manifest, real in after.values())
    kb = open_kb()
    assert not kb.store.revision.startswith(WRITING)
    assert kb.search("deep-water berth Poti", k=1, mode="lexical")[0].article_id == "port"
    first_new = sorted(stored_new)[0]
    assert kb.search(more[first_new][1], k=1, mode="lexical")[0].article_id == first_new
