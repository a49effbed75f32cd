"""The chat in a real pseudo-terminal: line editing, persistent history, Ctrl-C, Ctrl-D."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.openai_stub import StubServer

PROMPT = "› "
# The answer's words, however the terminal wraps and styles them (line breaks, colour codes).
TIMOFEEV = r"Russian(?:\s|\x1b\[[0-9;]*m)+International(?:\s|\x1b\[[0-9;]*m)+Affairs"


def spawn(home: Path, **extra: str) -> pexpect.spawn:
    env = {**os.environ, "ASSISTANT_HOME": str(home), "TERM": "xterm", **extra}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        if name not in extra:
            env.pop(name, None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "assistant", "chat"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(50, 220),
        # A terminal's Ctrl-C, whoever started the tests: a non-interactive shell running them
        # in the background (`... &`) leaves SIGINT ignored, and children inherit that.
        preexec_fn=_default_sigint,
    )
    child.expect_exact(PROMPT)
    return child


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def home(seeded_home: Path) -> Path:
    return seeded_home  # a copy of its own for this test


def test_line_editing_history_ctrl_c_and_ctrl_d(home: Path) -> None:
    child = spawn(home)
    child.send("Who is Ivan Timofeevxx")
    child.send("\x7f\x7f")  # backspace twice: the typo goes
    child.send("?\r")
    child.expect(TIMOFEEV)
    child.expect_exact(PROMPT)
    child.sendintr()  # Ctrl-C at the prompt: a fresh prompt, the session stays
    child.expect_exact(PROMPT)
    child.sendeof()  # Ctrl-D leaves
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Who is Ivan Timofeev?" in (home / "chat_history").read_text()

    again = spawn(home)
    again.send("\x1b[A\r")  # arrow up: the last question from the previous session
    again.expect(TIMOFEEV)
    again.expect_exact(PROMPT)
    again.sendline("/exit")
    again.expect(pexpect.EOF)


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_ctrl_c_cancels_an_answer_and_keeps_the_session(home: Path) -> None:
    with StubServer() as stub:
        stub.then("silent")
        child = spawn(
            home,
            OPENAI_BASE_URL=stub.url,
            ASSISTANT_REQUEST_TIMEOUT="60",
            ASSISTANT_MAX_RETRIES="0",
        )
        child.sendline("What does Russia claim about South Caucasus Railways?")
        deadline = time.monotonic() + 20
        while not stub.script.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert stub.script.requests, "the question never reached the model"
        child.sendintr()
        child.expect_exact("(answer cancelled)")
        child.expect_exact(PROMPT)
        child.sendline("/llm off")
        child.expect_exact("LLM answers off.")
        child.sendline("Who is Ivan Timofeev?")
        child.expect(TIMOFEEV)
        child.sendline("/exit")
        child.expect(pexpect.EOF)
