"""bench/ner.py's leave-one-set-out selection, on a table small enough to check by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from faisceau.analysis.levers import SHIPPED, Levers


def _loso() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "ner_loso.py"
    spec = importlib.util.spec_from_file_location("ner_loso", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["ner_loso"] = mod
    spec.loader.exec_module(mod)
    return mod


loso = _loso()

# gains over the bare model, F1 points: "a" is tuned to set x (great there, harmful elsewhere)
TABLE = {
    "shipped": {"x": 10.0, "y": 10.0, "z": 10.0},
    "a":       {"x": 20.0, "y": 8.0, "z": 8.0},
    "b":       {"x": 9.0, "y": 12.0, "z": 11.0},
}


def test_each_set_gets_the_config_chosen_on_the_others() -> None:
    folds = loso.leave_one_out(TABLE, ["x", "y", "z"], "shipped")
    # x left out: on y and z, b's mean 11.5 beats shipped's 10 and a's 8; b gives 9 on x
    assert folds["x"] == {"chosen": "b", "left_out": 9.0, "in_set_config": "a", "in_set_best": 20.0, "shipped": 10.0}
    # y left out: on x and z, a's mean 14 beats b's 10 and shipped's 10: a gives 8 on y
    assert folds["y"]["chosen"] == "a" and folds["y"]["left_out"] == 8.0 and folds["y"]["in_set_best"] == 12.0
    # z left out: means over x, y: shipped 10, a 14, b 10.5
    assert folds["z"]["chosen"] == "a" and folds["z"]["left_out"] == 8.0


def test_ties_go_to_the_earliest_config() -> None:
    table = {"shipped": {"x": 1.0, "y": 2.0}, "other": {"x": 1.0, "y": 2.0}}
    assert loso.choose(table, ["x"]) == "shipped"
    assert loso.leave_one_out(table, ["x", "y"], "shipped")["y"]["chosen"] == "shipped"


def test_lever_effects_are_differences_to_the_shipped_config() -> None:
    assert loso.lever_effects(TABLE, ["x", "y"], "shipped") == {"a": {"x": 10.0, "y": -2.0}, "b": {"x": -1.0, "y": 2.0}}


def test_candidates_start_with_the_shipped_switchboard_and_are_distinct() -> None:
    cands = loso.candidates()
    assert cands[0] == SHIPPED and cands[0].name() == "shipped"
    assert len({c.name() for c in cands}) == len(cands)
    assert Levers(recase=False).name() == "-recase"


@pytest.mark.parametrize("lever", ["recase", "teams", "fr_model"])
def test_a_toggled_lever_names_itself(lever: str) -> None:
    assert lever in SHIPPED.toggled(lever).name()
