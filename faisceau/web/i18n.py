"""French and English messages of the interface, chosen from the browser's language or a cookie."""

from __future__ import annotations

LANGUAGES = ("en", "fr")
COOKIE = "faisceau_lang"

# one entry per message: (English, French)
MESSAGES: dict[str, tuple[str, str]] = {
    "search": ("Search", "Recherche"),
    "graph": ("Graph", "Graphe"),
    "status": ("Status", "État"),
    "query_placeholder": ("Search the documents…", "Chercher dans les documents…"),
    "syntax_help": ("Query syntax", "Syntaxe des requêtes"),
    "facet_help": ("Click a value to keep it, again to exclude it, a third time to drop the filter.",
                   "Cliquer une valeur pour la garder, encore pour l’exclure, une troisième fois pour retirer le filtre."),
    "hits": ("hits", "résultats"),
    "documents_n": ("documents", "documents"),
    "no_hits": ("No document matches.", "Aucun document ne correspond."),
    "sort": ("Sort", "Tri"),
    "relevance": ("relevance", "pertinence"),
    "newest": ("newest first", "plus récents"),
    "oldest": ("oldest first", "plus anciens"),
    "previous": ("previous", "précédents"),
    "next": ("next", "suivants"),
    "export_csv": ("Export these results (CSV)", "Exporter ces résultats (CSV)"),
    "saved_searches": ("Saved searches", "Recherches enregistrées"),
    "save_search": ("Save this search", "Enregistrer cette recherche"),
    "name": ("Name", "Nom"),
    "save": ("Save", "Enregistrer"),
    "delete": ("Delete", "Supprimer"),
    "tag_all": ("Tag every result", "Étiqueter tous les résultats"),
    "tag": ("Tag", "Étiquette"),
    "tags": ("Tags", "Étiquettes"),
    "add": ("Add", "Ajouter"),
    "star": ("Star", "Favori"),
    "starred": ("Starred", "Favori ✓"),
    "notes": ("Notes", "Notes"),
    "add_note": ("Add a note", "Ajouter une note"),
    "filters": ("Filters", "Filtres"),
    "excluded": ("excluded", "exclu"),
    "kind": ("Kind", "Type"),
    "date": ("Date", "Date"),
    "from": ("From", "De"),
    "to": ("To", "À"),
    "path": ("Path", "Chemin"),
    "metadata": ("Metadata", "Métadonnées"),
    "provenance": ("Provenance", "Provenance"),
    "children": ("Contents (attachments, members)", "Contenu (pièces jointes, membres)"),
    "locations": ("Same bytes elsewhere", "Mêmes octets ailleurs"),
    "copies": ("Same message elsewhere", "Même message ailleurs"),
    "near": ("Near-duplicates", "Quasi-doublons"),
    "download": ("Download the original", "Télécharger l’original"),
    "text": ("Text", "Texte"),
    "no_text": ("No text was extracted.", "Aucun texte extrait."),
    "machine_read": ("machine-read (OCR): may contain errors", "lu par la machine (OCR) : peut contenir des erreurs"),
    "text_cut": ("The text is cut here; the whole text is in the original.",
                 "Le texte est coupé ici ; le texte entier est dans l’original."),
    "pages": ("Pages", "Pages"),
    "page": ("page", "page"),
    "headers": ("Headers", "En-têtes"),
    "conversation": ("Conversation", "Conversation"),
    "html_view": ("As sent (sanitised, nothing remote loaded)", "Telle qu’envoyée (nettoyée, rien de distant chargé)"),
    "remote_blocked": ("remote content blocked", "contenu distant bloqué"),
    "status_reason": ("Status", "Statut"),
    "documents": ("documents", "documents"),
    "by_status": ("By status", "Par statut"),
    "by_kind": ("By kind", "Par type"),
    "by_reason": ("By reason", "Par raison"),
    "by_stage": ("By stage", "Par étape"),
    "failures": ("Failed and skipped items", "Éléments en échec ou ignorés"),
    "retry": ("Retry the failed items", "Relancer les éléments en échec"),
    "retry_started": ("Retry started.", "Relance démarrée."),
    "running": ("An ingest is running", "Une ingestion est en cours"),
    "pending": ("pending", "en attente"),
    "last_run": ("Last run", "Dernière exécution"),
    "not_finished": ("not finished (running or interrupted)", "non terminée (en cours ou interrompue)"),
    "graph_title": ("Who wrote to whom", "Qui a écrit à qui"),
    "graph_help": ("Drag to pan, wheel to zoom, click a person to list their messages.",
                   "Glisser pour déplacer, molette pour zoomer, cliquer une personne pour lister ses messages."),
    "date_from": ("From date", "Depuis"),
    "date_to": ("To date", "Jusqu’au"),
    "apply": ("Apply", "Appliquer"),
    "export": ("Export", "Exporter"),
    "messages": ("Messages", "Messages"),
    "people": ("people", "personnes"),
    "links": ("links", "liens"),
    "no_graph": ("No e-mail in this selection.", "Aucun courriel dans cette sélection."),
    "graph_cut": ("Only the most connected people are drawn (and in SVG and PNG); GEXF, GraphML and CSV hold everyone.",
                  "Seules les personnes les plus reliées sont dessinées (de même en SVG et PNG) ; GEXF, GraphML et CSV"
                  " contiennent tout le monde."),
    "not_found": ("Not found", "Introuvable"),
    "bad_request": ("Bad request", "Requête invalide"),
    "language": ("Français", "English"),
    # server mode (faisceau/team)
    "logout": ("Log out", "Se déconnecter"),
    "login": ("Log in", "Se connecter"),
    "user_name": ("User name", "Nom d’utilisateur"),
    "password": ("Password", "Mot de passe"),
    "current_password": ("Current password", "Mot de passe actuel"),
    "new_password": ("New password", "Nouveau mot de passe"),
    "change_password": ("Change your password", "Changer de mot de passe"),
    "must_change": ("This is a one-time password: choose your own to go on.",
                    "Ce mot de passe est à usage unique : choisissez le vôtre pour continuer."),
    "your_projects": ("Your projects", "Vos projets"),
    "no_projects": ("You are a member of no project yet.", "Vous n’êtes encore membre d’aucun projet."),
    "audit_trail": ("Audit trail", "Journal d’audit"),
    "sso_login": ("Log in with your organisation's account (single sign-on)",
                  "Se connecter avec le compte de votre organisation (authentification unique)"),
    "totp_code": ("Code (two-step login only)", "Code (connexion en deux étapes seulement)"),
    "sha256": ("SHA-256", "SHA-256"),
    "size": ("Size", "Taille"),
    "bytes": ("bytes", "octets"),
    "page_image": ("page image", "image de la page"),
    "sent": ("sent", "envoyés"),
    "entities": ("Entities", "Entités"),
    "entity": ("Entity", "Entité"),
    "timeline": ("Timeline", "Chronologie"),
    "type": ("Type", "Type"),
    "all_types": ("all types", "tous les types"),
    "person": ("person", "personne"),
    "org": ("organisation", "organisation"),
    "place": ("place", "lieu"),
    "misc": ("other", "autre"),
    "name_filter": ("Name contains…", "Le nom contient…"),
    "filter": ("Filter", "Filtrer"),
    "mentions": ("mentions", "mentions"),
    "no_entities": ("No entity found. Entities come from the analysis stages of an ingest.",
                    "Aucune entité. Les entités viennent des étapes d’analyse de l’ingestion."),
    "spellings": ("Spellings", "Graphies"),
    "first_last": ("First and last date", "Première et dernière date"),
    "in_context": ("Mentions in context", "Mentions en contexte"),
    "header_mention": ("named in the e-mail's headers", "nommé dans les en-têtes du courriel"),
    "named_with": ("Named with", "Cité avec"),
    "its_events": ("Its events", "Ses événements"),
    "open_timeline": ("Open in the timeline", "Ouvrir dans la chronologie"),
    "curation": ("Curation", "Curation"),
    "curation_help": ("Merge another entity into this one, split a spelling out of it, rename or ignore it. The evidence is shown before you confirm; every decision can be undone.",
                      "Fusionner une autre entité avec celle-ci, en séparer une graphie, la renommer ou l’ignorer. Les éléments sont montrés avant de confirmer ; toute décision peut être annulée."),
    "merge": ("merge with…", "fusionner avec…"),
    "split": ("split the spelling…", "séparer la graphie…"),
    "rename": ("rename to…", "renommer en…"),
    "ignore": ("ignore (not a name)", "ignorer (pas un nom)"),
    "other_name": ("other entity, spelling or new name", "autre entité, graphie ou nouveau nom"),
    "show_evidence": ("Show the evidence", "Voir les éléments"),
    "confirm": ("Confirm", "Confirmer"),
    "cancel": ("Cancel", "Annuler"),
    "undo": ("Undo", "Annuler la décision"),
    "undone": ("undone", "annulée"),
    "decisions": ("Decisions", "Décisions"),
    "decided": ("Decision recorded and applied", "Décision enregistrée et appliquée"),
    "shared_documents": ("documents name both", "documents nomment les deux"),
    "events": ("events", "événements"),
    "all_dates": ("All dates", "Toutes les dates"),
    "all_kinds": ("sentences and document dates", "phrases et dates des documents"),
    "kind_text": ("dated sentences", "phrases datées"),
    "kind_metadata": ("document dates", "dates des documents"),
    "entity_placeholder": ("entity (name or id)", "entité (nom ou identifiant)"),
    "no_events": ("No dated event in this selection.", "Aucun événement daté dans cette sélection."),
    "more_events": ("Only the first events are listed: choose a bar to narrow down.",
                    "Seuls les premiers événements sont listés : choisir une barre pour affiner."),
    "vague": ("less precise than the level shown", "moins précis que le niveau affiché"),
    "n_copies": ("copies", "copies"),
    "all_copies": ("show every copy", "montrer toutes les copies"),
    "people_title": ("People", "Personnes"),
    "no_people": ("No correspondent.", "Aucun correspondant."),
    "addresses": ("Addresses", "Adresses"),
    "correspondents": ("Correspondents", "Correspondants"),
    "threads": ("Conversations", "Conversations"),
    "no_subject": ("(no subject)", "(sans objet)"),
    "ego_placeholder": ("around a person (address)", "autour d’une personne (adresse)"),
    "ego_view": ("their circle", "son entourage"),
    "graph_edges_cut": ("Only the heaviest links are drawn (all are in the exports).",
                        "Seuls les liens les plus forts sont dessinés (tous sont dans les exports)."),
    "person_page": ("their page", "sa page"),
    "their_mail": ("Their e-mail", "Ses e-mails"),
    "fold_copies": ("one result per copy group", "un résultat par groupe de copies"),
    "timeline_help": ("Click a bar to open its months, then its days.",
                      "Cliquer une barre pour voir ses mois, puis ses jours."),
    "document": ("document", "document"),
    "level_year": ("by year", "par année"),
    "level_month": ("by month", "par mois"),
    "level_day": ("by day", "par jour"),
    "identifiers": ("Identifiers", "Identifiants"),
    "valid": ("valid", "valide"),
    "invalid": ("invalid checksum", "clé de contrôle invalide"),
    "dates_found": ("Dates in the text", "Dates dans le texte"),
    "citations": ("Citations", "Citations"),
    "cite": ("Cite this passage", "Citer ce passage"),
    "cite_help": ("Select a passage of the text to cite it.", "Sélectionner un passage du texte pour le citer."),
    "note": ("note", "note"),
    "no_citations": ("No citation yet.", "Aucune citation."),
    "highlights_legend": ("Marked: query hits, entities (links), identifiers, dates.",
                          "Marqués : résultats de la requête, entités (liens), identifiants, dates."),
    "received": ("received", "reçus"),
    "date_placeholder": ("YYYY-MM-DD", "AAAA-MM-JJ"),
    # facet headings (by facet name); a facet without one shows its name
    "facet_kind": ("Kind", "Type"),
    "facet_language": ("Language", "Langue"),
    "facet_year": ("Year", "Année"),
    "facet_from": ("Sender", "Expéditeur"),
    "facet_to": ("Recipient", "Destinataire"),
    "facet_extension": ("Extension", "Extension"),
    "facet_tag": ("Tag", "Étiquette"),
    "facet_person": ("Person", "Personne"),
    "facet_org": ("Organisation", "Organisation"),
    "facet_place": ("Place", "Lieu"),
    "implausible_dates": ("implausible dates too", "dates invraisemblables aussi"),
    "implausible_date": ("implausible date", "date invraisemblable"),
    "decision_pending": ("pending: applies when the project is free", "en attente : s’applique dès que le projet est libre"),
    "redact_title": ("Redaction", "Caviardage"),
    "redact_ground": ("Ground", "Motif"),
    "redact_draw_hint": ("Drag on a page to draw a box.", "Faites glisser sur une page pour tracer un cadre."),
    "redact_kind": ("Kind", "Type"),
    "redact_text": ("Text", "Texte"),
    "redact_status": ("Decision", "Décision"),
    "redact_doc_text": ("Document text", "Texte du document"),
    "redact_span_hint": ("Select a passage, then redact it wherever the pages show it.",
                         "Sélectionnez un passage, puis caviardez-le partout où les pages le montrent."),
    "redact_span": ("Redact the selection", "Caviarder la sélection"),
}


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The interface language: the cookie's if valid, else the browser's first known one, else English."""
    if cookie in LANGUAGES:
        return str(cookie)
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = tag.strip().lower()[:2]
        if lang in LANGUAGES and q > 0:
            ranked.append((-q, n, lang))
    return sorted(ranked)[0][2] if ranked else "en"


def translator(lang: str) -> Translator:
    return Translator(lang if lang in LANGUAGES else "en")


class Translator:
    """`t("key")` in templates: the message in this language (the key itself if unknown)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.i = LANGUAGES.index(lang)

    def __call__(self, key: str) -> str:
        pair = MESSAGES.get(key)
        return pair[self.i] if pair else key

    @property
    def other(self) -> str:
        return "fr" if self.lang == "en" else "en"
