"""Reasons built from exception text keep no absolute path of the machine."""

from __future__ import annotations

import getpass
import tempfile
from pathlib import Path

import pikepdf
import pytest

from faisceau.reasons import HIDDEN, internal_error, item_paths, scrub


def test_the_items_own_file_becomes_its_name_even_with_spaces() -> None:
    known = item_paths("/home/ana/My Leak/tmp/worker-3", "leak.zip!/docs/auth event.pdf")
    assert scrub("/home/ana/My Leak/tmp/worker-3: invalid password", known) == "auth event.pdf: invalid password"


@pytest.mark.parametrize("text, expected", [
    ("[Errno 2] No such file or directory: '/tmp/p/tmp/scratch-1/x/3.bin'",
     "[Errno 2] No such file or directory: '3.bin'"),
    ("cannot write /work/proj/blobs/ab/cd (disk full).", "cannot write cd (disk full)."),
    ("permission denied on /home/" + getpass.getuser(), "permission denied on " + HIDDEN),
    ("tmp dir /tmp; retry", f"tmp dir {HIDDEN}; retry"),
])
def test_other_machine_paths_become_their_last_component(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "unsupported format image/heic",
    "stream filter /FlateDecode /DCTDecode not supported",
    "zip member /Documents/plan.txt refused",
    "see http://example.org/tmp/x for details",
    "zip bomb: expansion ratio 1:4000 over limit 1:1000",
])
def test_what_is_not_a_path_of_this_machine_is_kept(text: str) -> None:
    assert scrub(text) == text


def test_internal_error_of_a_real_library_exception(tmp_path: Path) -> None:
    """pikepdf names the file it was given: the reason names the item instead."""
    path = tmp_path / "item-file"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path, encryption=pikepdf.Encryption(owner="o", user="u", R=6))
    with pytest.raises(pikepdf.PasswordError) as err:
        pikepdf.open(path)
    assert str(path) in str(err.value)  # what the reason would hold without scrubbing
    reason = internal_error(err.value, item_paths(path, "dossier/contrat.pdf"))
    assert reason.startswith("internal error: PasswordError: contrat.pdf")
    for leak in (str(tmp_path), tempfile.gettempdir() + "/", str(Path.home())):
        assert leak not in reason
