"""`faisceau redact propose|accept|reject|list|apply|verify`: redaction proposed, decided, burned in, proved."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..exc import UsageError
from .options import emit, handle_errors, json_option


@click.group("redact")
def redact() -> None:
    """Redact documents before publishing them: propose, review, apply, verify (docs/redaction.md)."""


def _strings(strings: tuple[str, ...], strings_file: Path | None) -> list[str]:
    out = [s for s in strings if s.strip()]
    if strings_file is not None:
        out += [line.strip() for line in strings_file.read_text("utf-8").splitlines() if line.strip()]
    return out


def _pdfs(target: Path) -> list[Path]:
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
    return [target]


@redact.command("verify")
@click.argument("target", type=click.Path(path_type=Path, exists=True))
@click.option("--strings", "strings", multiple=True, help="A string that must not be found (repeatable).")
@click.option("--strings-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="File with one string that must not be found per line.")
@click.option("--no-ocr", is_flag=True, help="Skip the OCR check (text extractors, x-ray and structure still run).")
@json_option
@handle_errors
def verify_cmd(target: Path, strings: tuple[str, ...], strings_file: Path | None, no_ocr: bool, as_json: bool) -> None:
    """Prove that a PDF (or every PDF under a folder) leaks nothing: exit 1 naming each document that does."""
    from ..settings import load
    from .redact_verify import run_verify

    files = _pdfs(target)
    if not files:
        raise UsageError(f"{target}: no PDF found")
    cfg = load()
    reports = run_verify(files, _strings(strings, strings_file), cfg, ocr=not no_ocr,
                         base=target if target.is_dir() else target.parent)
    bad = [r for r in reports if not r.ok]
    for r in reports:
        if as_json:
            emit(r.as_dict())
        elif r.ok:
            click.echo(f"ok      {r.name} ({r.pages} pages: {', '.join(r.checks)})")
        else:
            click.echo(f"LEAKS   {r.name}: " + "; ".join(r.problems))
    if bad:
        click.echo(f"faisceau: {len(bad)} of {len(reports)} documents fail verification: "
                   + ", ".join(r.name for r in bad), err=True)
        sys.exit(1)
