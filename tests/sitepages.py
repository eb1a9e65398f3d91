"""A small parliament-like site written by the tests: every page carries the same menu, whose
"Loi organique relative aux lois de finances" holds the words of a page's own subject (the shape
of the Assemblée nationale pages of issue 22), and pages are ISO-8859-1 as theirs are."""

from __future__ import annotations

from pathlib import Path

MENU = ["Accueil", "Les députés", "Le Président", "Comptes rendus des séances", "Scrutins publics",
        "Loi organique relative aux lois de finances", "Documents parlementaires", "Projets de loi",
        "Propositions de loi", "Rapports d'information", "Plan du site", "Contact"]
MENU_LINE = "Loi organique relative aux lois de finances"
# page name → (title, paragraphs); only "budget" is about a loi de finances
PAGES = {
    "budget": ("Budget : projet de loi de finances pour 2007", [
        "Le projet de loi de finances pour 2007 a été déposé le 27 septembre 2006 sur le bureau de la chambre.",
        "La commission a examiné les crédits des missions au cours de ses réunions d'octobre.",
        "Le texte a été adopté en première lecture le 21 novembre 2006 par 320 voix contre 180."]),
    "eau": ("Eau et milieux aquatiques", [
        "Le projet de loi sur l'eau et les milieux aquatiques vise le bon état des eaux en 2015.",
        "Les élus locaux ont défendu le rôle des agences de l'eau dans le financement des réseaux.",
        "Le Sénat a adopté le texte en deuxième lecture après de longs débats sur la redevance."]),
    "sante": ("Assurance maladie", [
        "La réforme de l'assurance maladie crée le dossier médical personnel et le parcours de soins.",
        "Une élue a débattu du médecin traitant pendant trois semaines de séances publiques.",
        "Le conseil constitutionnel a validé l'essentiel du texte au mois d'août, après les finances sociales."]),
    "ecole": ("Avenir de l'école", [
        "La loi d'orientation et de programme pour l'avenir de l'école fixe le socle commun de connaissances.",
        "Les enseignants et les parents d'élèves ont été entendus par la commission des affaires culturelles.",
        "Le texte prévoit un nouveau brevet et des bourses au mérite pour les lycéens."]),
}


def page(name: str) -> bytes:
    """The page's bytes: ISO-8859-1, declared so, with the site's header, menu and footer."""
    title, paras = PAGES[name]
    nav = "".join(f'<li><a href="/{i}.asp">{m}</a></li>' for i, m in enumerate(MENU))
    body = "".join(f"<p>{p} {p}</p>" for p in paras)
    markup = ('<!DOCTYPE html><html lang="fr"><head>'
              '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
              f'<title>Assemblée nationale - {title}</title></head><body>'
              '<div id="header"><a href="/">Accueil du site</a></div>'
              f'<div id="menu"><ul>{nav}</ul></div><div id="page"><h1>{title}</h1>{body}</div>'
              '<div id="footer"><ul><li><a href="/m">Mentions légales</a></li>'
              '<li><a href="/r">Recherche</a></li></ul></div></body></html>')
    return markup.encode("iso-8859-1")


def write_site(folder: Path) -> dict[str, Path]:
    """Every page written as NAME.asp in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in PAGES:
        out[name] = folder / f"{name}.asp"
        out[name].write_bytes(page(name))
    return out
