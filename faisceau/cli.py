"""The `faisceau` command line: one verb per capability, each loaded only when it runs.

Importing every command's module costs a quarter of a second before any work (the index, the web
framework, the analysis); a command's module is imported when that command runs, or when the help
lists it.
"""

from __future__ import annotations

import importlib
import os

import click

from .version import version_option

# command name -> "module:attribute" under faisceau.commands, in the order the help lists them
COMMANDS: dict[str, str] = {
    "ingest": "ingest:ingest",
    "status": "documents:status",
    "failures": "documents:failures",
    "documents": "documents:documents",
    "show": "documents:show",
    "verify": "documents:verify",
    "search": "search:search",
    "batch-search": "search:batch_search",
    "reindex": "search:reindex",
    "tag": "search:tag",
    "star": "search:star",
    "note": "search:note",
    "doctor": "misc:doctor",
    "settings": "misc:settings_cmd",
    "demo": "misc:demo",
    "threads": "mail:threads",
    "thread": "mail:thread_cmd",
    "correspondents": "mail:correspondents",
    "graph": "mail:graph",
    "duplicates": "mail:duplicates",
    "analyse": "analysis:analyse",
    "cluster": "cluster:cluster",
    "entities": "analysis:entities",
    "entity": "analysis:entity",
    "timeline": "analysis:timeline",
    "serve": "serve:serve",
    "server": "server:server",
    "users": "users:users",
    "audit": "audit:audit",
    "export-ocr": "ocr:export_ocr",
    "export": "export:export",
    "verify-pack": "export:verify_pack_cmd",
    "cite": "export:cite",
    "citations": "export:citations_cmd",
    "uncite": "export:uncite",
    "redact": "redact:redact",
}


class LazyGroup(click.Group):
    """A group whose commands are imported by name when they are needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(f"faisceau.commands.{module}"), attr)
        assert isinstance(command, click.Command), target
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@version_option()
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
def main(debug: bool) -> None:
    """faisceau — an investigation workbench for leaked or seized document corpora."""
    if debug:
        os.environ["FAISCEAU_DEBUG"] = "1"


def all_commands() -> dict[str, click.Command]:
    """Every command by name, imported (for the help, the docs test and the package test)."""
    ctx = click.Context(main)
    found = {name: main.get_command(ctx, name) for name in main.list_commands(ctx)}
    return {name: cmd for name, cmd in found.items() if cmd is not None}
