"""`doctor`, `settings` and `demo`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from .. import settings as settings_mod
from ..doctor import check
from ..exc import UsageError
from .options import emit, handle_errors, json_option


@click.command()
@click.option("--strict", is_flag=True, help="Exit 1 if any tool, package or model is missing.")
@json_option
@handle_errors
def doctor(strict: bool, as_json: bool) -> None:
    """External tools, packages and models: version, path, and what needs them."""
    rows = check(settings_mod.load())
    for r in rows:
        if as_json:
            emit(r)
        else:
            mark = "ok " if r["ok"] else "MISSING"
            click.echo(f"{mark:<8}{r['name']:<20}{(r['version'] or '-'):<16}{r['path'] or ''}"
                       + (f"  — {r['note']}" if r["note"] else ""))
    missing = [r["name"] for r in rows if not r["ok"]]
    if missing and not as_json:
        click.echo(f"{len(missing)} missing: {', '.join(missing)}. Items that need them end `skipped: … not installed`"
                   " and `faisceau ingest --retry-failed` picks them up once installed.", err=True)
    if strict and missing:
        sys.exit(1)


@click.command(name="settings")
@json_option
@click.option("--project", type=click.Path(path_type=Path), envvar="FAISCEAU_PROJECT", default=None,
              help="Project folder whose faisceau.toml is read (optional).")
@handle_errors
def settings_cmd(as_json: bool, project: Path | None) -> None:
    """Every setting with its value, where the value comes from, and its help."""
    cfg = settings_mod.load(project)
    for s in settings_mod.SETTINGS:
        row = {"name": s.name, "value": getattr(cfg, s.name), "source": cfg.sources[s.name], "env": s.env,
               "default": s.default, "help": s.help}
        if as_json:
            emit(row)
        else:
            click.echo(f"{s.name:<16} {str(row['value']):<22} [{row['source']}]  {s.help}")


@click.command()
@click.option("--dir", "dest", type=click.Path(path_type=Path), default=Path("faisceau-demo"), show_default=True,
              help="Folder for the demo leak (DIR/leak) and its project (DIR/project).")
@click.option("--no-serve", is_flag=True, help="Build and ingest only; do not start the web UI.")
@click.option("--workers", type=int, default=None, help="Worker processes (default: one per core).")
@handle_errors
def demo(dest: Path, no_serve: bool, workers: int | None) -> None:
    """Build a small fictional leak, ingest it, and show what came out."""
    from ..fixtures import build_demo, demo_password
    from ..pipeline.orchestrator import Ingest
    from ..store.project import Project
    from .ingest import Bar, print_report

    leak, project_dir = dest / "leak", dest / "project"
    if dest.exists() and any(dest.iterdir()) and not (leak.is_dir() or project_dir.is_dir()):
        raise UsageError(f"{dest} exists and is not a faisceau demo folder")
    shutil.rmtree(leak, ignore_errors=True)
    shutil.rmtree(project_dir, ignore_errors=True)
    leak.mkdir(parents=True)
    files = build_demo(leak)
    click.echo(f"demo leak written to {leak} ({len(files)} files)")
    proj = Project.open(project_dir, create=True)
    cfg = settings_mod.load(proj.root, {"workers": workers} if workers else None)
    bar = Bar()
    report = Ingest(proj, cfg, passwords=[demo_password()], on_progress=bar, command="demo").run([leak])
    bar.close()
    print_report(report)
    click.echo(f"\nExplore it:\n  faisceau status --project {project_dir}\n  faisceau documents --project {project_dir}\n"
               f"  faisceau failures --project {project_dir}\n  faisceau show DOC_ID --project {project_dir}\n"
               f"  faisceau search '\"salle de pause\" OR caméras' --facet kind --facet language --project {project_dir}\n"
               f"  faisceau search 'from:*@meridian.example.fr date:2024-05' --project {project_dir}\n"
               f"  faisceau threads --project {project_dir}\n  faisceau correspondents --project {project_dir}")
    if not no_serve:
        from ..web import Workbench
        from ..web.server import bind_free, server

        sock = bind_free("127.0.0.1", 8000)
        click.echo(f"\nfaisceau: serving the demo at http://127.0.0.1:{sock.getsockname()[1]}/  (Ctrl-C stops)")
        server(Workbench.open(project_dir)).run(sockets=[sock])
