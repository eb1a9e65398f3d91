"""py3langid's model unpacked into the user's cache: shared, kept while used, never a cause of failure."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

CLASSIFY = ("from faisceau.extract.language import classify;"
            "print(classify('Le centre de sécurité a rédigé un rapport sur les délégués.')[0])")


def _classify(cache: Path) -> str:
    r = subprocess.run([sys.executable, "-c", CLASSIFY], capture_output=True, text=True, check=True,
                       env={**os.environ, "XDG_CACHE_HOME": str(cache)})
    return r.stdout.strip()


def test_the_cache_is_shared_kept_while_used_and_its_loss_falls_back_to_the_packed_model(tmp_path: Path) -> None:
    folder = tmp_path / "faisceau"
    folder.mkdir()
    month_ago = time.time() - 40 * 86400
    for name, used in (("py3langid-stale-f32", month_ago), ("py3langid-in-use-f32", time.time())):
        (folder / name).mkdir()
        (folder / name / "ready").touch()
        os.utime(folder / name / "ready", (used, used))
    assert _classify(tmp_path) == "fr"
    (made,) = [p for p in folder.glob("py3langid-*") if p.name not in ("py3langid-in-use-f32",)]
    assert (made / "ready").is_file() and (made / "ptc.npy").is_file()
    assert (folder / "py3langid-in-use-f32").is_dir()  # another installation may map it now
    # the cache damaged (or removed by someone else) after it was found: the packed model is read
    (made / "ptc.npy").write_bytes((made / "ptc.npy").read_bytes()[:1000])
    assert _classify(tmp_path) == "fr"
