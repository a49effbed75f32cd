"""A scripted OpenAI-compatible embeddings server on 127.0.0.1, for tests of the server path.

`POST /v1/embeddings` gets the next scripted behaviour, or by default hashed-word vectors
(tests.fakes.HashEmbeddings, cut or padded to `dimension`): an HTTP status, a reply that is
not JSON, vectors of unequal length, one vector per token, silence, a reply trickling a byte
at a time, or "die" — the listening
socket closes and the request goes unanswered, as when the server is killed. It records each
request body and the most requests it had in flight at once. A stand-in for a server's wire
behaviour; tests/integration/test_embedding_server.py runs a real one.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes import HashEmbeddings

_HASH = HashEmbeddings()


class EmbeddingStub:
    def __init__(self, dimension: int = 64, meet: int = 0) -> None:
        self.dimension = dimension
        self.steps: deque[Any] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()
        # With meet=N, each of the first N requests waits for the others: only a client that
        # sends N at once gets through (no sleeps, a generous time-out).
        self.meeting = threading.Barrier(meet, timeout=60) if meet else None
        self.gone = threading.Event()
        handler = type("Handler", (_Handler,), {"stub": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def then(self, *steps: Any) -> EmbeddingStub:
        self.steps.extend(steps)
        return self

    def vector(self, text: str) -> list[float]:
        vector = _HASH.embed_query(text)[: self.dimension]
        return vector + [0.0] * (self.dimension - len(vector))

    def die(self) -> None:
        """Stop listening: from now on a connection is refused."""
        self.gone.set()
        with contextlib.suppress(OSError):  # Linux stops listening on close all the same
            self.server.socket.shutdown(socket.SHUT_RDWR)  # refuse at once, also queued ones
        self.server.socket.close()

    def __enter__(self) -> EmbeddingStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gone.set()
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    stub: EmbeddingStub

    def do_POST(self) -> None:
        stub = self.stub
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        with stub.lock:
            stub.requests.append(body)
            stub.headers.append(dict(self.headers))
            stub.in_flight += 1
            stub.most_in_flight = max(stub.most_in_flight, stub.in_flight)
            step = stub.steps.popleft() if stub.steps else "ok"
            meets = stub.meeting is not None and len(stub.requests) <= stub.meeting.parties
        try:
            if meets and stub.meeting is not None:
                stub.meeting.wait()  # BrokenBarrierError (a 500 reply) if they never meet
            self._act(step, body["input"])
        finally:
            with stub.lock:
                stub.in_flight -= 1

    def _act(self, step: Any, texts: list[str]) -> None:
        stub = self.stub
        if step == "die":
            stub.die()
            self.close_connection = True
            return
        if step == "silent":
            stub.gone.wait(120)
            return
        if step == "trickle":  # a byte at a time, never silent for long, never done
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            with contextlib.suppress(OSError):  # the client hangs up at its deadline
                while not stub.gone.wait(0.2):
                    self.wfile.write(b" ")
                    self.wfile.flush()
            return
        if isinstance(step, int):
            self._send(step, {"error": {"message": f"scripted status {step}"}})
        elif step == "not-json":
            self._send(200, b"<html>Bad gateway</html>", "text/html")
        elif step == "unequal":
            vectors = [stub.vector(t)[: stub.dimension - (i % 2)] for i, t in enumerate(texts)]
            self._send(200, _reply(vectors))
        elif step == "per-token":
            self._send(200, _reply([[stub.vector(t)] * 3 for t in texts]))
        elif step == "reversed":
            data = _reply([stub.vector(t) for t in texts])
            data["data"].reverse()
            self._send(200, data)
        else:
            self._send(200, _reply([stub.vector(t) for t in texts]))

    def _send(self, status: int, body: Any, kind: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        if status == 429:
            self.send_header("retry-after", "0")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        """Quiet."""


def _reply(vectors: list[Any]) -> dict[str, Any]:
    return {
        "object": "list",
        "model": "stub",
        "data": [
            {"object": "embedding", "index": i, "embedding": vector}
            for i, vector in enumerate(vectors)
        ],
    }
