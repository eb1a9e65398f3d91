"""The fold tables kept in the user's cache folder are the ones built from the analyzer.

A process builds them once and keeps them (the CLI would otherwise spend about 45 ms on them at
every search); the next process reads them back. Both must equal what the analyzer and Python's
Unicode tables give, and a damaged file is built again rather than trusted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from faisceau.index import foldregex

PROBE = """
import json
from faisceau.index import foldregex as f
classes = f._fold_classes()
print(json.dumps({"classes": {k: sorted(v) for k, v in classes.items()}, "unsafe": sorted(f._unsafe()),
                  "file": str(f.cache_file())}))
"""


def _probe(cache: Path) -> dict[str, object]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_kept_tables_equal_built_ones_and_a_damaged_file_is_rebuilt(tmp_path: Path) -> None:
    classes = foldregex.build_classes()
    expected = {"classes": {k: sorted(v) for k, v in classes.items()},
                "unsafe": sorted(foldregex.build_unsafe(foldregex._map_of(classes)))}
    assert len(expected["unsafe"]) > 100 and "İ" in expected["unsafe"]
    first = _probe(tmp_path)
    kept = Path(str(first.pop("file")))
    assert kept.is_file() and kept.parent == tmp_path / "faisceau"
    assert first == expected
    second = _probe(tmp_path)   # read back from the file
    second.pop("file")
    assert second == expected
    kept.write_text('{"classes": {"e": "é"}')   # cut short
    third = _probe(tmp_path)
    third.pop("file")
    assert third == expected and json.loads(kept.read_text("utf-8"))["unsafe"]
