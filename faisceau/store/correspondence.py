"""Owner of the correspondence graph's tables: who each address is, and who wrote to whom.

Derived from the e-mail tables (`mail_addresses`, `message_threads`, `correspondent_decisions`)
by `faisceau.mail.graphtable`: the people (addresses merged into correspondents over the whole
corpus) and the graph of every unique message, so that the graph page and a click on a person read
indexed rows instead of merging every address of the corpus in Python on each request. A selection
(a period, a search) is aggregated in SQL over its own messages only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from .db import Store

# The tables' DDL by the schema version that created them.
DDL: dict[int, str] = {
    5: """
    -- the correspondence graph (derived, rebuilt from the e-mail tables and correspondent decisions)
    CREATE TABLE graph_people (
        address TEXT PRIMARY KEY,
        node    TEXT NOT NULL              -- the correspondent: the address that names the merged group
    );
    CREATE INDEX graph_people_node ON graph_people(node);
    CREATE TABLE graph_nodes (
        node      TEXT PRIMARY KEY,
        label     TEXT NOT NULL,
        addresses TEXT NOT NULL,           -- space-separated
        sent      INTEGER NOT NULL,
        received  INTEGER NOT NULL,
        degree    INTEGER NOT NULL         -- messages in and out, summed over edges
    );
    CREATE INDEX graph_nodes_degree ON graph_nodes(degree);
    CREATE TABLE graph_edges (
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        kind   TEXT NOT NULL,              -- to | cc | bcc
        weight INTEGER NOT NULL,           -- unique messages (copies counted once)
        PRIMARY KEY (source, target, kind)
    );
    CREATE INDEX graph_edges_target ON graph_edges(target);
    CREATE TABLE graph_state (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        fingerprint TEXT NOT NULL,
        drawing     TEXT                   -- the whole graph as the graph page draws it (JSON), once drawn
    );
    """,
}

_PART = 500


class NodeRow(TypedDict):
    """A correspondent of the graph."""

    node: str
    label: str
    addresses: str
    sent: int
    received: int
    degree: int


class PersonMessage(TypedDict):
    """A unique message a correspondent sent or received, with its copies."""

    document_id: str
    role: str
    subject: str | None
    date_utc: str | None
    sender: str | None
    copies: int


class Selection(TypedDict, total=False):
    """Which unique messages a graph read keeps: a period (UTC ISO bounds) and the search's documents."""

    since: str | None
    until: str | None
    keep: bool        # only the documents put in `temp.graph_keep` by `keep_documents`


# -- state and build -----------------------------------------------------------------------------

def fingerprint(store: Store) -> str:
    """What the graph is built from, summed up cheaply: a change in it means rebuild."""
    parts = []
    for table in ("mail_addresses", "message_threads", "correspondent_decisions"):
        n, top = store.db.execute(f"SELECT COUNT(*), MAX(rowid) FROM {table}").fetchone()
        parts.append(f"{n}.{top or 0}")
    copies = store.db.execute("SELECT COUNT(*) FROM message_threads WHERE copy_of IS NOT NULL").fetchone()[0]
    return "/".join(parts) + f"/{copies}"


def stamp(store: Store) -> str | None:
    r = store.db.execute("SELECT fingerprint FROM graph_state WHERE id = 1").fetchone()
    return str(r[0]) if r else None


def replace_graph(store: Store, people: Iterable[tuple[str, str]], nodes: Iterable[tuple[Any, ...]],
                  edges: Iterable[tuple[str, str, str, int]], fingerprint: str) -> None:
    """The people, nodes and edges in place of the old ones, in one transaction."""
    with store.transaction():
        for t in ("graph_people", "graph_nodes", "graph_edges"):
            store.db.execute(f"DELETE FROM {t}")
        store.db.executemany("INSERT INTO graph_people (address, node) VALUES (?, ?)", people)
        store.db.executemany("INSERT INTO graph_nodes (node, label, addresses, sent, received, degree)"
                             " VALUES (?,?,?,?,?,?)", nodes)
        store.db.executemany("INSERT INTO graph_edges (source, target, kind, weight) VALUES (?,?,?,?)", edges)
        store.db.execute("INSERT OR REPLACE INTO graph_state (id, fingerprint, drawing) VALUES (1, ?, NULL)",
                         (fingerprint,))


# -- reading -------------------------------------------------------------------------------------

def keep_documents(store: Store, doc_ids: Iterable[str]) -> None:
    """Put these documents in `temp.graph_keep` (this connection only) for a read with `keep`."""
    db = store.db
    db.execute("CREATE TEMP TABLE IF NOT EXISTS graph_keep (document_id TEXT PRIMARY KEY)")
    db.execute("DELETE FROM temp.graph_keep")
    db.executemany("INSERT OR IGNORE INTO temp.graph_keep (document_id) VALUES (?)", [(i,) for i in doc_ids])


def _selected(sel: Selection, alias: str) -> tuple[str, str, list[Any]]:
    """(joins, conditions, arguments) keeping the unique messages of a selection (`alias` is their
    document id)."""
    joins = [f" JOIN message_threads t ON t.document_id = {alias} AND t.copy_of IS NULL"]
    where, args = ["1=1"], list[Any]()
    if sel.get("since") or sel.get("until"):
        joins.append(f" JOIN mail_messages mm ON mm.document_id = {alias}")
        where.append("mm.date_utc IS NOT NULL")
        if sel.get("since"):
            where.append("mm.date_utc >= ?")
            args.append(sel["since"])
        if sel.get("until"):
            where.append("mm.date_utc <= ?")
            args.append(sel["until"])
    if sel.get("keep"):
        where.append(f"{alias} IN (SELECT document_id FROM temp.graph_keep)")
    return "".join(joins), " AND ".join(where), args


def all_nodes(store: Store) -> list[NodeRow]:
    """Every correspondent of the whole graph, most connected first."""
    return [NodeRow(node=r[0], label=r[1], addresses=r[2], sent=r[3], received=r[4], degree=r[5]) for r in
            store.db.execute("SELECT node, label, addresses, sent, received, degree FROM graph_nodes"
                             " ORDER BY degree DESC, node")]


def all_edges(store: Store) -> list[tuple[str, str, str, int]]:
    """Every edge of the whole graph, heaviest first."""
    return [(r[0], r[1], r[2], r[3]) for r in store.db.execute(
        "SELECT source, target, kind, weight FROM graph_edges ORDER BY weight DESC, source, target, kind")]


def top_nodes(store: Store, n: int) -> list[NodeRow]:
    """The `n` most connected correspondents of the whole graph."""
    return [NodeRow(node=r[0], label=r[1], addresses=r[2], sent=r[3], received=r[4], degree=r[5])
            for r in store.db.execute("SELECT node, label, addresses, sent, received, degree FROM graph_nodes"
                                      " ORDER BY degree DESC, node LIMIT ?", (n,))]


def edges_among(store: Store, names: list[str]) -> list[tuple[str, str, str, int]]:
    """The whole graph's edges between these correspondents (at most 500)."""
    marks = ",".join("?" * len(names))
    return [(r[0], r[1], r[2], r[3]) for r in store.db.execute(
        f"SELECT source, target, kind, weight FROM graph_edges WHERE source IN ({marks}) AND target IN ({marks})",
        [*names, *names])]


def sizes(store: Store) -> tuple[int, int]:
    """(correspondents, edges) of the whole graph."""
    n = store.db.execute("SELECT COUNT(*) FROM graph_nodes").fetchone()[0]
    e = store.db.execute("SELECT COUNT(*) FROM graph_edges").fetchone()[0]
    return int(n), int(e)


def drawing(store: Store) -> str | None:
    """The whole graph's drawing kept by `save_drawing` (None until drawn, and after a rebuild)."""
    r = store.db.execute("SELECT drawing FROM graph_state WHERE id = 1").fetchone()
    return str(r[0]) if r and r[0] else None


def save_drawing(store: Store, text: str) -> None:
    """Keep the whole graph's drawing (JSON) until the graph is rebuilt."""
    store.db.execute("UPDATE graph_state SET drawing = ? WHERE id = 1", (text,))


def nodes(store: Store, names: list[str]) -> list[NodeRow]:
    """These correspondents (the whole corpus's label, addresses and counts)."""
    out: list[NodeRow] = []
    for i in range(0, len(names), _PART):
        part = names[i:i + _PART]
        out += [NodeRow(node=r[0], label=r[1], addresses=r[2], sent=r[3], received=r[4], degree=r[5]) for r in
                store.db.execute("SELECT node, label, addresses, sent, received, degree FROM graph_nodes"
                                 f" WHERE node IN ({','.join('?' * len(part))})", part)]
    return out


def selected_edges(store: Store, sel: Selection) -> list[tuple[str, str, str, int]]:
    """(sender, recipient, kind, unique messages) over the messages of a selection."""
    joins, where, args = _selected(sel, "s.document_id")
    return [(r[0], r[1], r[2], r[3]) for r in store.db.execute(
        f"SELECT ps.node, pr.node, r.role, COUNT(DISTINCT s.document_id) FROM mail_addresses s{joins}"
        " JOIN mail_addresses r ON r.document_id = s.document_id AND r.role != 'from'"
        " JOIN graph_people ps ON ps.address = s.address JOIN graph_people pr ON pr.address = r.address"
        f" WHERE {where} AND s.role = 'from' AND ps.node != pr.node GROUP BY ps.node, pr.node, r.role", args)]


def selected_senders(store: Store, sel: Selection) -> dict[str, int]:
    """Unique messages each correspondent sent in a selection."""
    joins, where, args = _selected(sel, "s.document_id")
    return {r[0]: r[1] for r in store.db.execute(
        f"SELECT ps.node, COUNT(DISTINCT s.document_id) FROM mail_addresses s{joins}"
        f" JOIN graph_people ps ON ps.address = s.address WHERE {where} AND s.role = 'from' GROUP BY ps.node", args)}


def messages_of(store: Store, node: str, sel: Selection, limit: int, sent: bool | None = None) -> list[PersonMessage]:
    """The unique messages of a selection a correspondent sent or received (`sent`: only those sent,
    or only those received), oldest first, with how many copies each has (a message is listed once,
    in its first role of from, to, cc, bcc)."""
    joins, where, args = _selected(sel, "a.document_id")
    if sent is not None:
        where += " AND a.role = 'from'" if sent else " AND a.role != 'from'"
    rows = store.db.execute(
        "SELECT a.document_id, MIN(CASE a.role WHEN 'from' THEN '0from' WHEN 'to' THEN '1to' WHEN 'cc' THEN '2cc'"
        " ELSE '3bcc' END), m.subject, m.date_utc,"
        " (SELECT x.address FROM mail_addresses x WHERE x.document_id = a.document_id AND x.role = 'from' LIMIT 1),"
        " (SELECT COUNT(*) FROM message_threads c WHERE c.copy_of = a.document_id)"
        f" FROM graph_people p JOIN mail_addresses a ON a.address = p.address"
        f" JOIN mail_messages m ON m.document_id = a.document_id{joins} WHERE {where} AND p.node = ?"
        " GROUP BY a.document_id ORDER BY COALESCE(m.date_utc, '~'), a.document_id LIMIT ?", [*args, node, limit])
    return [PersonMessage(document_id=r[0], role=r[1][1:], subject=r[2], date_utc=r[3], sender=r[4], copies=r[5])
            for r in rows]


# -- a correspondent's page ----------------------------------------------------------------------

def node(store: Store, name: str) -> NodeRow | None:
    """One correspondent by its node id (an address), or None."""
    r = store.db.execute("SELECT node, label, addresses, sent, received, degree FROM graph_nodes WHERE node = ?",
                         (name,)).fetchone()
    return NodeRow(node=r[0], label=r[1], addresses=r[2], sent=r[3], received=r[4], degree=r[5]) if r else None


def node_of_address(store: Store, address: str) -> str | None:
    """The correspondent an address belongs to."""
    r = store.db.execute("SELECT node FROM graph_people WHERE address = ?", (address.lower(),)).fetchone()
    return str(r[0]) if r else None


def named(store: Store, names: list[str], limit: int = 5) -> list[NodeRow]:
    """Correspondents whose display name is one of these (case folded), most connected first."""
    if not names:
        return []
    marks = ",".join("?" * len(names))
    return [NodeRow(node=r[0], label=r[1], addresses=r[2], sent=r[3], received=r[4], degree=r[5])
            for r in store.db.execute(
                f"SELECT node, label, addresses, sent, received, degree FROM graph_nodes WHERE lower(label) IN ({marks})"
                " ORDER BY degree DESC LIMIT ?", [*(n.lower() for n in names), limit])]


def listing(store: Store, q: str | None, limit: int, offset: int) -> list[NodeRow]:
    """Correspondents (with a name or address containing `q`), most connected first."""
    sql, args = "SELECT node, label, addresses, sent, received, degree FROM graph_nodes", list[Any]()
    if q:
        sql += " WHERE label LIKE ? OR addresses LIKE ?"
        args += [f"%{q}%", f"%{q}%"]
    sql += " ORDER BY degree DESC, node LIMIT ? OFFSET ?"
    return [NodeRow(node=r[0], label=r[1], addresses=r[2], sent=r[3], received=r[4], degree=r[5])
            for r in store.db.execute(sql, [*args, limit, offset])]


def partners(store: Store, name: str, limit: int) -> list[dict[str, Any]]:
    """Who a correspondent wrote to and heard from, by unique messages both ways."""
    return [{"node": r[0], "label": r[1], "to": r[2], "from": r[3], "messages": r[2] + r[3]} for r in store.db.execute(
        "SELECT o.other, n.label, SUM(o.out_w), SUM(o.in_w) FROM ("
        " SELECT target AS other, weight AS out_w, 0 AS in_w FROM graph_edges WHERE source = ?"
        " UNION ALL SELECT source, 0, weight FROM graph_edges WHERE target = ?) o"
        " JOIN graph_nodes n ON n.node = o.other GROUP BY o.other ORDER BY SUM(o.out_w) + SUM(o.in_w) DESC, o.other"
        " LIMIT ?", (name, name, limit))]


def threads_of(store: Store, name: str, limit: int) -> list[dict[str, Any]]:
    """The conversations a correspondent took part in (unique messages), largest first."""
    return [{"thread_id": r[0], "subject": r[1], "messages": r[2], "first": r[3], "last": r[4], "document_id": r[5]}
            for r in store.db.execute(
        "SELECT t.thread_id, MIN(m.subject), COUNT(DISTINCT a.document_id), MIN(m.date_utc), MAX(m.date_utc),"
        " MIN(a.document_id) FROM graph_people p JOIN mail_addresses a ON a.address = p.address"
        " JOIN message_threads t ON t.document_id = a.document_id AND t.copy_of IS NULL"
        " JOIN mail_messages m ON m.document_id = a.document_id WHERE p.node = ?"
        " GROUP BY t.thread_id ORDER BY COUNT(DISTINCT a.document_id) DESC, MIN(m.date_utc) LIMIT ?", (name, limit))]
