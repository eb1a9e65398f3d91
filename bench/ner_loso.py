"""Leave one set out (issue 21): each rule of the entity analysis judged on the sets it was not tuned on.

`bench/ner.py --loso` scores every candidate switchboard (`faisceau.analysis.levers.Levers`) on every
set; this module holds what is computed from those scores, as pure functions of the table, so that a
test can check the selection on a table it writes by hand:

- for each set S, the candidate with the best mean gain over the OTHER sets is chosen, and its gain
  on S is S's **left-out gain** (what a rule tuned elsewhere brings to a set nobody tuned it on);
- beside it, the **in-set best** (the best candidate for S, judged on S: what tuning on S would claim)
  and the **shipped** switchboard's gain.

The candidates: the shipped switchboard, each lever turned the other way alone, every OCR
normalisation on together, and every rule off (the shipped models, bare).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from faisceau.analysis.levers import SHIPPED, Levers, switches

# gain over the bare small model: the table's cells; config name → set → F1 points
Table = Mapping[str, Mapping[str, float]]
# a config displaces an earlier one (the shipped one first) only when its mean gain is higher by more than
# this: below it, one or two mentions of one set decide (-lower_elsewhere "won" by 0.01 on one set)
MARGIN = 0.1


def candidates() -> list[Levers]:
    """The switchboards scored on every set, the shipped one first (it wins ties)."""
    out = [SHIPPED] + [SHIPPED.toggled(lever) for lever in switches()]
    out.append(replace(SHIPPED, dehyphenate=True, glyphs=True, spaced=True))
    out.append(Levers(recase=False, long_s=False, dehyphenate=False, glyphs=False, spaced=False, titles=False,
                      ampersand=False, separators=False, structure=False, lower_elsewhere=False, teams=False,
                      ordinary=False, relabel=False, propagate=False))
    seen: set[Levers] = set()
    return [c for c in out if not (c in seen or seen.add(c))]  # type: ignore[func-returns-value]


def mean_over(table: Table, config: str, sets: Iterable[str]) -> float:
    """The config's mean gain over the given sets."""
    values = [table[config][s] for s in sets]
    return sum(values) / len(values) if values else 0.0


def choose(table: Table, sets: Sequence[str], margin: float = MARGIN) -> str:
    """The config with the best mean gain over `sets`; an earlier config of the table keeps its place
    against one better by `margin` or less."""
    best, best_mean = "", float("-inf")
    for config in table:
        m = mean_over(table, config, sets)
        if m > best_mean + (margin if best else 0.0):
            best, best_mean = config, m
    return best


def leave_one_out(table: Table, sets: Sequence[str], shipped: str, margin: float = MARGIN
                  ) -> dict[str, dict[str, float | str]]:
    """For each set: the config chosen on the others, its gain there (left out), the in-set best and the shipped."""
    out: dict[str, dict[str, float | str]] = {}
    for s in sets:
        chosen = choose(table, [o for o in sets if o != s], margin)
        in_set = choose(table, [s], 0.0)
        out[s] = {"chosen": chosen, "left_out": table[chosen][s], "in_set_config": in_set,
                  "in_set_best": table[in_set][s], "shipped": table[shipped][s]}
    return out


def lever_effects(table: Table, sets: Sequence[str], shipped: str) -> dict[str, dict[str, float]]:
    """Each config's gain on each set minus the shipped config's: what turning its levers does, set by set."""
    return {c: {s: table[c][s] - table[shipped][s] for s in sets} for c in table if c != shipped}


def verdicts(table: Table, sets: Sequence[str], shipped: str, margin: float = MARGIN
             ) -> dict[str, dict[str, float | int]]:
    """Each candidate judged leaving each set out: in how many folds the other sets prefer it to the shipped
    config (their mean gain is higher by more than `margin`), and what it then does on the set left out (its gain there minus
    the shipped one's; 0 in a fold where it is not preferred), summed over the folds. A lever earns its
    change when that sum is positive: it helps the sets it was not chosen on."""
    effects = lever_effects(table, sets, shipped)
    out: dict[str, dict[str, float | int]] = {}
    for c, row in effects.items():
        chosen = [s for s in sets if mean_over(effects, c, [o for o in sets if o != s]) > margin]
        out[c] = {"folds": len(chosen), "left_out_delta": sum(row[s] for s in chosen)}
    return out
