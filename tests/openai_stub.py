"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests of the LLM path.

It speaks the chat-completions wire format (JSON, and server-sent events when streaming) and
answers each request with the next scripted behaviour: a reply text, an HTTP error status, a
silence (accepts, never answers), or a dropped connection. It records the request bodies.
It is a stand-in for a model, not one: tests use it to check what the assistant does with
what a model sends.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Slow:
    """A reply streamed one piece every `interval` seconds: slow, but never silent for long."""

    text: str
    interval: float


@dataclass(frozen=True)
class Pinging:
    """Headers at once, then only keep-alive comments every `interval` seconds for `seconds`,
    as llama.cpp's server sends while it reads a prompt; then the reply `then`, if any."""

    interval: float
    seconds: float = 30.0
    then: str | None = None  # the reply streamed after the pings, if any


@dataclass(frozen=True)
class CutOff:
    """A reply whose stream breaks off after `text`: no finish reason, connection closed."""

    text: str


@dataclass(frozen=True)
class Status:
    """An HTTP error status with extra headers (e.g. Retry-After)."""

    code: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Script:
    """What the next requests get: str = reply text; int or Status = HTTP status; Slow; CutOff;
    Pinging; "silent" (accepts, never answers); "drop" (closes the connection unanswered)."""

    steps: deque[Any] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request
    chunk_size: int = 7  # characters per streamed piece


class StubServer:
    def __init__(self) -> None:
        self.script = Script()
        handler = type("Handler", (_Handler,), {"script": self.script})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def then(self, *steps: Any) -> StubServer:
        self.script.steps.extend(steps)
        return self

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.script.requests.append(body)
        self.script.arrivals.append(time.monotonic())
        step = self.script.steps.popleft() if self.script.steps else "Not scripted."
        if callable(step):
            self.script.steps.appendleft(step)  # a responder answers every request from now on
            step = step(body)
        if step == "silent":
            time.sleep(60)
            return
        if step == "drop":
            self.connection.close()
            return
        if isinstance(step, int):
            step = Status(step)
        if isinstance(step, Status):
            code = str(step.code)
            error = {"message": f"scripted status {code}", "type": "test", "code": code}
            self._json(step.code, {"error": error}, step.headers)
            return
        try:
            if isinstance(step, Pinging):
                self._ping(body, step)
            elif isinstance(step, Slow | CutOff):
                self._stream(body, step.text, step)
            elif body.get("stream"):
                self._stream(body, str(step))
            else:
                self._json(200, _completion(body, str(step)))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading, as it may

    def _json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(
        self,
        body: dict[str, Any],
        text: str,
        how: Slow | CutOff | None = None,
        headers_sent: bool = False,
    ) -> None:
        if not headers_sent:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
        size = self.script.chunk_size
        for start in range(0, len(text), size):
            self._event(_chunk(body, {"content": text[start : start + size]}, None))
            if isinstance(how, Slow):
                time.sleep(how.interval)
        if isinstance(how, CutOff):
            self.close_connection = True
            return
        self._event(_chunk(body, {}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}
            self._event({**_chunk(body, {}, None), "choices": [], "usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _ping(self, body: dict[str, Any], how: Pinging) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        began = time.monotonic()
        while time.monotonic() - began < how.seconds:
            self.wfile.write(b": ping\r\n\r\n")
            self.wfile.flush()
            time.sleep(how.interval)
        if how.then is not None:
            self._stream(body, how.then, headers_sent=True)

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, *args: object) -> None:
        pass


def _chunk(body: dict[str, Any], delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": body.get("model", "stub"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "stub"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366},
    }


def quote_best_sentence(body: dict[str, Any]) -> str:
    """A responder that answers like a literal-minded model: the sentence of passage 1 sharing
    most words with the question, cited [1]; the refusal when no passage was sent."""
    import re

    user = body["messages"][-1]["content"]
    question = user.rsplit("Question:", 1)[-1]
    wanted = set(re.findall(r"\w{4,}", question.lower()))
    first = re.search(r"<passage n=\"1\"[^>]*>\n(.*?)\n</passage>", user, re.S)
    if not first:
        return "Not in these articles: none of the passages found answers this question."
    sentences = re.split(r"(?<=[.!?])\s+", first.group(1).replace("\n", " "))
    best = max(sentences, key=lambda s: len(wanted & set(re.findall(r"\w{4,}", s.lower()))))
    return f"{best.rstrip()} [1]"
