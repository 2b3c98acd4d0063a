"""The top-level command: service commands load on use, so scanning never pays for them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import run_cli
from interdictor.cli import LAZY_COMMANDS, app

SERVICE_LIBRARIES = ("sqlalchemy", "fastapi", "httpx", "redis", "argon2")


def test_the_command_line_does_not_import_the_service_stack() -> None:
    probe = "import sys, interdictor.cli; print(' '.join(m for m in {} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe.format(SERVICE_LIBRARIES)], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_every_service_command_loads_with_its_help(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: root {name} " in result.output  # CliRunner names the program "root"


def test_the_top_level_help_lists_service_commands_and_unknown_ones_fail() -> None:
    listed = CliRunner().invoke(app, ["--help"])
    assert listed.exit_code == 0 and all(name in listed.output for name in LAZY_COMMANDS)
    unknown = run_cli("no-such-command")
    assert unknown.returncode == 2 and b"No such command" in unknown.stderr
