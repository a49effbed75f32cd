"""Deadlines for a streamed answer that keep-alive pings do not extend.

A model server first reads the prompt, then streams tokens. llama.cpp's server sends its
response headers at once and then a comment line (`: ping`) every 15 s until the first token;
those bytes reset httpx's read time-out, so a server stuck before its first token would be
waited on for ever. This transport gives an event stream two deadlines, watched by a thread
that shuts the socket when one passes (a blocked read then returns at once, and fails as a read
time-out):

- after the response headers, `first_event` seconds for the first event (the prompt is read
  meanwhile; on a small CPU that can take minutes);
- after each event, `between_events` seconds for the next.

Comments and blank lines are not events. Before the headers, httpx's own time-outs apply.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx


class FirstEventOverdue(httpx.ReadTimeout):
    """The server accepted the request but sent no event within its first deadline."""


class EventDeadlines(httpx.BaseTransport):
    """An httpx transport whose event streams fail when an event is overdue."""

    def __init__(
        self, first_event: float, between_events: float, inner: httpx.BaseTransport | None = None
    ) -> None:
        self.first_event = first_event
        self.between_events = between_events
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if "text/event-stream" not in response.headers.get("content-type", ""):
            return response
        # The body's reads start after this returns and take their time-out from here: the
        # watchdog bounds them, httpx's read time-out only backs it up.
        timeouts = request.extensions.get("timeout") or {}
        backstop = max(self.first_event, self.between_events) + 5
        request.extensions["timeout"] = {**timeouts, "read": backstop}
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        network = response.extensions.get("network_stream")
        sock = network.get_extra_info("socket") if network is not None else None
        response.stream = _Watched(stream, Watchdog(sock, self.first_event), self, request)
        return response

    def close(self) -> None:
        self.inner.close()


class Watchdog:
    """Shuts a socket down when its deadline passes; `extend` moves the deadline."""

    def __init__(self, sock: socket.socket | None, seconds: float) -> None:
        self.sock = sock
        self.deadline = time.monotonic() + seconds
        self.expired = False
        self.first = True  # no event has come yet
        self.stopped = False
        self.changed = threading.Condition()
        threading.Thread(target=self._watch, daemon=True, name="llm-stream-watchdog").start()

    def extend(self, seconds: float) -> None:
        with self.changed:
            self.deadline = time.monotonic() + seconds
            self.changed.notify()

    def stop(self) -> None:
        with self.changed:
            self.stopped = True
            self.changed.notify()

    def _watch(self) -> None:
        with self.changed:
            while not self.stopped:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0:
                    self.expired = True
                    if self.sock is not None:
                        with contextlib.suppress(OSError):  # already closed: the read ended
                            self.sock.shutdown(socket.SHUT_RDWR)
                    return
                self.changed.wait(remaining)


class _Watched(httpx.SyncByteStream):
    def __init__(
        self,
        inner: httpx.SyncByteStream,
        watchdog: Watchdog,
        limits: EventDeadlines,
        request: Any,
    ) -> None:
        self.inner = inner
        self.watchdog = watchdog
        self.limits = limits
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            for data in self.inner:
                if self.watchdog.expired:
                    break
                if carries_event(data):
                    self.watchdog.extend(self.limits.between_events)
                    self.watchdog.first = False
                yield data
        except httpx.TransportError:
            if not self.watchdog.expired:
                raise
        finally:
            self.watchdog.stop()
        if self.watchdog.expired:
            overdue = FirstEventOverdue if self.watchdog.first else httpx.ReadTimeout
            raise overdue("an event of the stream is overdue", request=self.request)

    def close(self) -> None:
        self.watchdog.stop()
        self.inner.close()


def carries_event(data: bytes) -> bool:
    """Whether received bytes hold more than blank lines and `:` comments (keep-alives)."""
    return any(line.strip() and not line.startswith(b":") for line in data.splitlines())
