"""The README stays true: its commands, its configuration table, every command's help."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.settings import Settings
from tests.conftest import REPO

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
    rows = re.findall(r"^\| `([A-Z_]+)` \|", README, flags=re.M)
    expected = [
        name.upper() if name.startswith("openai_") else f"ASSISTANT_{name.upper()}"
        for name in Settings.model_fields
    ]
    assert rows == expected


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for command in ("ingest", "ask", "search", "status"):
        shown = runner.invoke(app, [command, "--help"])
        assert shown.exit_code == 0
        assert len(shown.output.split("Usage:")[1]) > 40


def test_seeds_are_the_five_shared_articles_unchanged() -> None:
    shared = REPO.parent / "shared" / "seeds"
    ours = sorted(p.name for p in (REPO / "seeds").glob("*.txt"))
    assert len(ours) == 5
    if shared.is_dir():  # beside the repository on development machines and in CI
        for name in ours:
            assert (REPO / "seeds" / name).read_bytes() == (shared / name).read_bytes()
