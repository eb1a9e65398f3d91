"""A named entity found in a text: the record the recogniser, the layout rules, the corpus
consistency pass and grouping all exchange."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mention:
    """A span of a text (code points) read as a name of a type: PER | ORG | LOC | MISC."""

    start: int
    end: int
    text: str
    type: str
    source: str = "model"   # model | header | layout | corpus
