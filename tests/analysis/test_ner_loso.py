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


def test_ties_and_hairs_go_to_the_earliest_config() -> None:
    table = {"shipped": {"x": 1.0, "y": 2.0}, "other": {"x": 1.0, "y": 2.0}, "hair": {"x": 1.05, "y": 2.0}}
    assert loso.choose(table, ["x"]) == "shipped"
    assert loso.leave_one_out(table, ["x", "y"], "shipped")["y"]["chosen"] == "shipped"
    assert loso.choose(table, ["x"], margin=0.0) == "hair"   # better by 0.05: only without the margin
    assert loso.verdicts(table, ["x", "y"], "shipped")["hair"] == {"folds": 0, "left_out_delta": 0.0}


def test_lever_effects_are_differences_to_the_shipped_config() -> None:
    assert loso.lever_effects(TABLE, ["x", "y"], "shipped") == {"a": {"x": 10.0, "y": -2.0}, "b": {"x": -1.0, "y": 2.0}}


def test_a_config_is_judged_by_what_it_brings_to_the_sets_left_out() -> None:
    v = loso.verdicts(TABLE, ["x", "y", "z"], "shipped", margin=0.0)
    # a: Δ vs shipped x +10, y -2, z -2. Left out x: others' mean -2, not chosen. Left out y: mean of x, z +4,
    # chosen, brings -2; same for z: two folds, -4 in all (tuned to x, it harms the others)
    assert v["a"] == {"folds": 2, "left_out_delta": -4.0}
    # b: Δ x -1, y +2, z +1. Chosen in every fold (means +1.5, +0, +0.5: y left out gives exactly 0, not chosen)
    assert v["b"] == {"folds": 2, "left_out_delta": -1.0 + 1.0}


def test_candidates_start_with_the_shipped_switchboard_and_are_distinct() -> None:
    cands = loso.candidates()
    assert cands[0] == SHIPPED and cands[0].name() == "shipped"
    assert len({c.name() for c in cands}) == len(cands)
    assert Levers(recase=False).name() == "-recase"


@pytest.mark.parametrize("lever", ["recase", "teams", "fr_model"])
def test_a_toggled_lever_names_itself(lever: str) -> None:
    assert lever in SHIPPED.toggled(lever).name()
