"""The README stays true: its commands, its configuration table, every command's help."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.settings import ENVIRONMENT, Settings, field_at, field_info
from tests.conftest import REPO, SEEDS

README = (REPO / "README.md").read_text()


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", README, flags=re.S)[:2]


def test_readme_opens_with_the_install_and_test_commands() -> None:
    install, test = readme_commands()
    assert install.endswith('assistant ask "What does Russia claim about South Caucasus Railways?"')
    assert test.endswith("pytest") and "ruff check" in test and "mypy" in test


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_configuration_table_matches_the_settings() -> None:
    """Every documented variable, in order, with its meaning: the settings model's own."""
    rows = re.findall(r"^\| `([A-Z_]+)` \| [^|]* \| (.+) \|$", README, flags=re.M)
    expected = [
        (variable, field_info(paths[0]).description) for variable, paths in ENVIRONMENT.items()
    ]
    assert rows == expected


SAMPLES = {
    "ASSISTANT_HOME": ("/tmp/somewhere", Path("/tmp/somewhere")),
    "ASSISTANT_EMBEDDING_MODEL": ("text-embedding-3-small", "text-embedding-3-small"),
    "ASSISTANT_EMBEDDING_URL": ("http://127.0.0.1:2/v1", "http://127.0.0.1:2/v1"),
    "ASSISTANT_EMBEDDING_API_KEY": ("ek-x", "ek-x"),
    "ASSISTANT_EMBEDDING_THREADS": ("1", 1),
    "ASSISTANT_EMBEDDING_BATCH_SIZE": ("8", 8),
    "ASSISTANT_EMBEDDING_CONCURRENCY": ("3", 3),
    "ASSISTANT_CHUNK_TOKENS": ("100", 100),
    "ASSISTANT_CHUNK_OVERLAP_TOKENS": ("10", 10),
    "ASSISTANT_TOP_K": ("7", 7),
    "ASSISTANT_MIN_SUPPORT": ("0.25", 0.25),
    "ASSISTANT_RECENCY_HALF_LIFE_DAYS": ("3.5", 3.5),
    "ASSISTANT_CHROMA_URL": ("http://127.0.0.1:9", "http://127.0.0.1:9"),
    "ASSISTANT_CHROMA_TOKEN": ("tok", "tok"),
    "ASSISTANT_CHROMA_TOKEN_HEADER": ("X-Chroma-Token", "X-Chroma-Token"),
    "ASSISTANT_CHROMA_TENANT": ("tenant", "tenant"),
    "ASSISTANT_CHROMA_DATABASE": ("db", "db"),
    "ASSISTANT_DEBUG": ("true", True),
    "OPENAI_API_KEY": ("sk-x", "sk-x"),
    "OPENAI_BASE_URL": ("http://127.0.0.1:1/v1", "http://127.0.0.1:1/v1"),
    "ASSISTANT_LLM_MODEL": ("some-model", "some-model"),
    "ASSISTANT_LLM_TEMPERATURE": ("0.5", 0.5),
    "ASSISTANT_LLM_MAX_TOKENS": ("100", 100),
    "ASSISTANT_LLM_CONTEXT_WINDOW": ("4096", 4096),
    "ASSISTANT_REQUEST_TIMEOUT": ("12.5", 12.5),
    "ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT": ("120", 120.0),
    "ASSISTANT_LLM_TOTAL_TIMEOUT": ("900", 900.0),
    "ASSISTANT_MAX_RETRIES": ("3", 3),
}


def test_every_documented_variable_reaches_its_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each variable of the table, set in the environment, lands where the settings say."""
    assert set(SAMPLES) == set(ENVIRONMENT)
    for variable, (text, _) in SAMPLES.items():
        monkeypatch.setenv(variable, text)
    loaded = Settings()
    for variable, paths in ENVIRONMENT.items():
        for path in paths:
            found = field_at(loaded, path)
            found = found.get_secret_value() if hasattr(found, "get_secret_value") else found
            assert found == SAMPLES[variable][1], (variable, path)


def registered_commands() -> dict[str, Any]:
    """The commands the app has (click's objects, as typer vendors them)."""
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option" and p.name != "help"]


def test_every_command_has_help_and_a_line_in_the_readme() -> None:
    runner = CliRunner()
    commands = registered_commands()
    assert {"ingest", "ask", "chat", "search", "eval", "status"} <= set(commands)
    usage = README.split("## Usage", 1)[1].split("##", 1)[0]
    for name, command in commands.items():
        shown = runner.invoke(app, [name, "--help"])
        assert shown.exit_code == 0, name
        assert command.help and len(shown.output.split("Usage:")[1]) > 40, name
        for option in options(command):
            assert option.help, f"{name} {option.opts}: no help text"
        assert f"assistant {name}" in usage, f"{name} is not in the README's usage"


def test_shared_options_have_one_help_text() -> None:
    """-k, --no-llm and --json (as a flag) mean the same everywhere they appear."""
    helps: dict[str, set[str]] = {}
    for command in registered_commands().values():
        for option in options(command):
            if option.is_flag or option.opts == ["-k"]:
                helps.setdefault(option.opts[0], set()).add(str(option.help))
    assert all(len(texts) == 1 for texts in helps.values()), helps
    assert {"-k", "--no-llm", "--json"} <= set(helps)


def command_paths() -> list[list[str]]:
    """Every command and subcommand, as the words that call it."""
    import typer.main

    def walk(command: Any, path: list[str]) -> list[list[str]]:  # typer's (vendored) click
        if not hasattr(command, "commands"):
            return [path]
        found = [path] if path else []
        for name, sub in command.commands.items():
            found += walk(sub, [*path, name])
        return found

    return walk(typer.main.get_command(app), [])


def test_every_subcommand_has_help_and_is_in_the_readme() -> None:
    runner = CliRunner()
    paths = command_paths()
    assert ["articles", "show"] in paths and ["ingest"] in paths
    for path in paths:
        shown = runner.invoke(app, [*path, "--help"])
        assert shown.exit_code == 0
        assert len(shown.output.split("Usage:")[1]) > 40
        assert f"assistant {' '.join(path)}" in README, path


def test_seeds_are_the_five_shared_articles_unchanged() -> None:
    """The bundled seeds match the committed checksum list (and ../shared/seeds, when it is
    beside the repository)."""
    listed = dict(
        reversed(line.split())
        for line in (REPO / "tests" / "seeds.sha256").read_text().splitlines()
    )
    ours = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SEEDS.glob("*.txt")}
    assert len(listed) == 5
    assert ours == listed
    shared = REPO.parent / "shared" / "seeds"
    if shared.is_dir():
        assert {
            name: hashlib.sha256((shared / name).read_bytes()).hexdigest() for name in listed
        } == listed
