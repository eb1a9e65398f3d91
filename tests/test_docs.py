"""Every command and every setting is documented."""

from __future__ import annotations

from pathlib import Path

from faisceau import settings
from faisceau.cli import all_commands

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_command_has_a_page_naming_each_of_its_options() -> None:
    for name, cmd in all_commands().items():
        page = DOCS / "commands" / f"{name}.md"
        assert page.is_file(), f"docs/commands/{name}.md missing"
        text = page.read_text("utf-8")
        assert f"faisceau {name}" in text
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in text, f"{opt} of `faisceau {name}` is not in docs/commands/{name}.md"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text("utf-8")
    for s in settings.SETTINGS:
        assert f"`{s.name}`" in text, f"setting {s.name} missing from docs/settings.md"


def test_readme_quick_start_has_exactly_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text("utf-8")
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip() and not line.strip().startswith("#")]
    assert commands == ["./setup.sh demo", "./setup.sh test"]


def test_every_command_of_the_commands_package_is_on_the_cli() -> None:
    import importlib
    import pkgutil

    import click

    import faisceau.commands
    from faisceau.cli import COMMANDS

    registered = set(COMMANDS.values())
    for info in pkgutil.iter_modules(faisceau.commands.__path__):
        module = importlib.import_module(f"faisceau.commands.{info.name}")
        for attr, value in vars(module).items():
            if isinstance(value, click.Command) and value.__module__ == module.__name__:
                assert f"{info.name}:{attr}" in registered, f"faisceau.commands.{info.name}.{attr} is not in cli.COMMANDS"
