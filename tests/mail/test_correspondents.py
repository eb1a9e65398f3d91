"""Correspondents on plain mentions: merge rules with evidence, user decisions, lists, unique counts."""

from __future__ import annotations

from faisceau.mail.correspondents import Mention, people
from faisceau.mail.graph import build, export


def m(doc: str, role: str, address: str, name: str = "", date: str = "2020-01-01T00:00:00Z") -> Mention:
    return Mention(doc, role, address, name, date)


MENTIONS = [
    m("1", "from", "jdoe@corp.com", "Doe, John"), m("1", "to", "ann@corp.com", "Ann Lee"),
    m("2", "from", "john.doe@corp.com", "John Doe"), m("2", "to", "ann@corp.com"),
    m("2", "cc", "all.staff@corp.com", "All Staff"),
    m("3", "from", "john.doe@other.org", "John Doe"), m("3", "to", "ann@corp.com"),
    m("4", "from", "IMCEAEX-_O=CORP_OU=NA_CN=RECIPIENTS_CN=ANN@corp.com".lower(), "Lee, Ann"),
    m("4", "bcc", "jdoe@corp.com"),
]


def test_merges_on_name_within_a_domain_and_x500_with_evidence() -> None:
    found = {p.id: p for p in people(MENTIONS)}
    john = found["jdoe@corp.com"]
    assert john.addresses == ["jdoe@corp.com", "john.doe@corp.com"]  # not the other domain
    assert john.evidence[0]["rule"] == "same name within one domain" and john.sent == 2 and john.bcc == 1
    assert "john.doe@other.org" in found
    ann = found["ann@corp.com"]
    assert len(ann.addresses) == 2 and ann.sent == 1 and ann.received == 3
    assert found["all.staff@corp.com"].distribution_list and not ann.distribution_list
    assert ann.first == "2020-01-01T00:00:00Z" and ann.top[0]["id"] == "jdoe@corp.com"


def test_user_decisions_split_and_merge() -> None:
    split = {p.id: p for p in people(MENTIONS, [("jdoe@corp.com", "john.doe@corp.com", "split")])}
    assert split["jdoe@corp.com"].addresses == ["jdoe@corp.com"]
    merged = {p.id: p for p in people(MENTIONS, [("john.doe@other.org", "jdoe@corp.com", "merge")])}
    assert len(merged["jdoe@corp.com"].addresses) == 3
    assert any(e["rule"] == "user decision" for e in merged["jdoe@corp.com"].evidence)


def test_graph_edges_by_kind() -> None:
    g = build(MENTIONS)
    assert g.edges[("jdoe@corp.com", "ann@corp.com", "to")] == 2
    assert g.edges[("jdoe@corp.com", "all.staff@corp.com", "cc")] == 1
    assert g.edges[("ann@corp.com", "jdoe@corp.com", "bcc")] == 1
    assert export(g, "csv").splitlines()[0] == "source,target,kind,weight,source_label,target_label"
    assert "<gexf" in export(g, "gexf") and "<graphml" in export(g, "graphml")
