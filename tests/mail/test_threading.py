"""Threading on plain records: headers, Thread-Index, quotes, subjects, series, loops, duplicates, copies."""

from __future__ import annotations

import base64
import datetime as dt

from faisceau.mail import people
from faisceau.mail.threader import MailRecord, Quote, thread

DAY = 86400.0


def rec(i: str, t: float, subject: str = "", sender: str = "a@x.org", **kw: object) -> MailRecord:
    name = kw.pop("name", "")
    return MailRecord(id=i, date=t, subject=subject, sender=sender,
                      sender_keys=tuple(sorted(people.keys(sender, str(name)))), source=str(kw.pop("source", "box")),
                      **kw)  # type: ignore[arg-type]


def tree(recs: list[MailRecord]) -> dict[str, tuple[str, str | None, int]]:
    res = thread(recs).assignments
    return {k: (a.thread_id, a.parent_id, a.depth) for k, a in res.items()}


def test_reply_chain_with_headers_and_a_placeholder_parent() -> None:
    recs = [rec("1", 0, "Plan", message_id="1@x"),
            rec("2", 10, "Re: Plan", message_id="2@x", in_reply_to=("1@x",), references=("1@x",)),
            rec("3", 20, "Re: Plan", message_id="3@x", references=("1@x", "2@x")),
            # two replies to a message nobody has: one thread under a placeholder
            rec("4", 30, "Re: Other", message_id="4@x", in_reply_to=("gone@x",)),
            rec("5", 40, "Re: Other", message_id="5@x", references=("gone@x",))]
    res = thread(recs).assignments
    assert res["2"].parent_id == "1" and res["3"].parent_id == "2" and res["3"].depth == 2
    assert res["1"].thread_id == res["3"].thread_id
    assert res["4"].thread_id == res["5"].thread_id != res["1"].thread_id
    assert res["4"].parent_id is None and res["4"].missing_parent == "gone@x"


def test_tokens_without_at_link_nothing_and_self_references_are_ignored() -> None:
    recs = [rec("1", 0, "[PATCH 1/2] a", message_id="1@x", in_reply_to=("",)),
            rec("2", 10, "[PATCH] b", message_id="2@x", references=("2@x",)),
            rec("3", 20, "Re: [PATCH] b", message_id="3@x", in_reply_to=("2@x",))]
    res = thread(recs).assignments
    assert res["2"].parent_id is None and res["3"].parent_id == "2"
    assert res["1"].thread_id != res["2"].thread_id


def test_reference_loops_are_cut_at_the_oldest_message() -> None:
    recs = [rec("1", 0, "x", message_id="1@x", in_reply_to=("3@x",)),
            rec("2", 10, "Re: x", message_id="2@x", in_reply_to=("1@x",)),
            rec("3", 20, "Re: x", message_id="3@x", in_reply_to=("2@x",))]
    res = thread(recs).assignments
    assert res["1"].parent_id is None and res["2"].parent_id == "1" and res["3"].parent_id == "2"
    assert len({a.thread_id for a in res.values()}) == 1


def test_duplicate_message_ids_with_different_content_are_flagged() -> None:
    recs = [rec("1", 0, "One", message_id="same@x", copy_key="k1"),
            rec("2", 5, "Two", message_id="same@x", copy_key="k2"),
            rec("3", 10, "Re: One", message_id="3@x", in_reply_to=("same@x",), copy_key="k3")]
    res = thread(recs).assignments
    assert res["2"].conflict and not res["1"].conflict
    assert res["3"].parent_id == "1"


def test_copies_land_with_the_message_they_copy() -> None:
    recs = [rec("1", 0, "Deal", message_id="1@x", copy_key="k"),
            rec("1b", 0, "Deal", message_id="1b@x", copy_key="k"),
            rec("2", 50, "RE: Deal", sender="b@x.org", recipients=("a@x.org",), copy_key="k2")]
    res = thread(recs).assignments
    assert res["1b"].copy_of == "1" and res["1b"].thread_id == res["1"].thread_id == res["2"].thread_id


def test_outlook_thread_index_gives_conversation_and_parent() -> None:
    head = bytes(range(22))
    root = base64.b64encode(head).decode()
    child = base64.b64encode(head + b"\x00\x01\x02\x03\x04").decode()
    grandchild = base64.b64encode(head + b"\x00\x01\x02\x03\x04" + b"\x05\x06\x07\x08\x09").decode()
    recs = [rec("1", 0, "Budget", thread_index=root, source="rich"),
            rec("2", 10, "RE: Budget", thread_index=child, source="rich"),
            rec("3", 20, "RE: Budget", thread_index=grandchild, source="rich")]
    res = thread(recs).assignments
    assert res["2"].parent_id == "1" and res["3"].parent_id == "2" and res["3"].via == "thread-index"


def test_without_headers_a_quoted_header_names_the_parent() -> None:
    recs = [rec("1", 1000, "Prices", sender="larry@x.org", name="Larry Lewter", recipients=("p@x.org",)),
            rec("2", 1000 + DAY, "Prices", sender="larry@x.org", name="Larry Lewter", recipients=("p@x.org",)),
            rec("3", 1000 + 2 * DAY, "RE: Prices", sender="p@x.org", name="Phillip Allen",
                quotes=(Quote(("n:larry lewter",), 1000 + DAY - 7 * 3600, False, "prices"),))]
    res = thread(recs).assignments
    assert res["3"].parent_id == "2" and res["3"].via == "quote"


def test_without_headers_quoted_text_matches_the_message_it_quotes() -> None:
    recs = [rec("1", 0, "Note", own_fp="aaa", sender="x@y.org"),
            rec("2", 100, "Note", own_fp="bbb", sender="x@y.org"),
            rec("3", 200, "Fwd: Note", sender="z@y.org", quotes=(Quote((), None, False, "", "aaa"),))]
    assert thread(recs).assignments["3"].parent_id == "1"


def test_subject_fallback_prefers_an_exchange_between_the_same_people() -> None:
    recs = [rec("1", 0, "Gas", sender="a@x.org", recipients=("b@x.org",)),
            rec("2", 10, "Gas", sender="c@x.org", recipients=("d@x.org",)),
            rec("3", 20, "Re: Gas", sender="b@x.org", recipients=("a@x.org",)),
            rec("4", 40 * DAY, "Re: Gas", sender="b@x.org", recipients=("a@x.org",))]
    res = thread(recs).assignments
    assert res["3"].parent_id == "1" and res["2"].parent_id is None
    assert res["4"].parent_id is None  # beyond the window: a new conversation


def test_patch_series_joins_its_cover_letter_only_in_mailboxes_without_headers() -> None:
    def series(source: str) -> list[MailRecord]:
        return [rec(f"{source}{n}", n, f"[PATCH {n:02d}/03] part {n}", sender="joe@p.com", name="Joe P",
                    source=source, message_id=f"{source}{n}@x") for n in range(4)]
    poor = thread(series("poor")).assignments
    assert {poor[f"poor{n}"].parent_id for n in (1, 2, 3)} == {"poor0"}
    linked = [rec(f"r{n}", 100 + n, "Re: z", source="rich", in_reply_to=("q@x",)) for n in range(3)]
    rich = thread(series("rich") + linked).assignments
    assert len({rich[f"rich{n}"].thread_id for n in range(4)}) == 4


def test_a_series_sent_patch_by_patch_by_git_send_email_stays_apart() -> None:
    """One git send-email run (one process id, counted messages) threads its series; patches sent one
    run each (their ids all "-1-", process ids differing) are threaded by nothing, so they stay apart;
    the first of them has the first run's process id, and its number (1, after that run's 4) still tells
    it from that run."""
    def series(tag: str, one_run: bool) -> list[MailRecord]:
        return [rec(f"{tag}{n}", 1000 * (tag == "b") + 10 * n, f"[PATCH {n}/3] {tag} part {n}", sender="s@x.org",
                    name="S X", message_id=(f"{1277220000 + n}-3405-{n + 1}-git-send-email-s@x.org" if one_run
                                            else f"{1277221000 + n}-{3405 + 37 * n}-1-git-send-email-s@x.org"))
                for n in range(4)]
    res = thread(series("a", True) + series("b", False)).assignments
    assert {res[f"a{n}"].parent_id for n in (1, 2, 3)} == {"a0"}
    assert len({res[f"b{n}"].thread_id for n in range(4)}) == 4
    assert all(res[f"b{n}"].parent_id is None for n in range(4))


def test_inclusive_marks_the_last_message_quoting_the_whole_branch() -> None:
    recs = [rec("1", 0, "Q", message_id="1@x", own_fp="f1"),
            rec("2", 10, "Re: Q", message_id="2@x", in_reply_to=("1@x",), own_fp="f2", block_fps=("f1",)),
            rec("3", 20, "Re: Q", message_id="3@x", in_reply_to=("2@x",), own_fp="f3", block_fps=("f2", "f1")),
            rec("4", 30, "Re: Q", message_id="4@x", in_reply_to=("2@x",), own_fp="f4", block_fps=("f2",))]
    res = thread(recs).assignments
    assert res["3"].inclusive and not res["2"].inclusive and not res["1"].inclusive
    assert not res["4"].inclusive  # it dropped the first message's text


def mail(i: str, t: float, subject: str, sender: str, to: str, text: str) -> MailRecord:
    """A record built by `mailrecord.build` from an e-mail as the extractor stores it."""
    from faisceau.mail import mailrecord

    meta = {"from": [{"address": sender, "name": sender.split("@")[0].title()}], "to": [{"address": to}],
            "subject": subject, "date_utc": dt.datetime.fromtimestamp(t, dt.UTC).isoformat(),
            "message_id": f"{i}@test"}
    return mailrecord.build(i, "box", meta, text)


PLAN = ("The north site needs two more cameras before the audit, and the contractor wants the cabling plan "
        "signed by Friday. Can you check the budget line for the extra work and tell me who approves it?")
OTHER = ("Lunch with the supplier moved to the small room on the third floor; bring the signed quotes "
         "and the delivery calendar, they want to close the contract terms before the end of the month.")


def test_a_reply_under_a_new_subject_joins_the_message_its_quoted_text_comes_from() -> None:
    recs = [mail("1", 0, "Cameras", "ann@x.org", "bob@y.org", PLAN + "\n\nAnn"),
            mail("2", 60, "Lunch", "ann@x.org", "bob@y.org", OTHER + "\n\nAnn"),
            mail("3", DAY, "Budget for the north site", "bob@y.org", "carl@z.org",
                 "Carl, this one is yours.\n\nOn Mon, 5 Jan 1970, Ann wrote:\n> " + PLAN.replace(", and", ",\n> and"))]
    res = thread(recs).assignments
    assert res["3"].parent_id == "1" and res["3"].via == "quote"
    assert res["3"].thread_id == res["1"].thread_id != res["2"].thread_id


def test_a_quote_of_a_message_not_in_the_set_links_nothing_by_a_shared_signature() -> None:
    sig = "\n\n-- \nAnn Example, Field Operations, North Site Office, phone extension 4412\n"
    recs = [mail("1", 0, "Cameras", "ann@x.org", "bob@y.org", PLAN + sig),
            mail("2", DAY, "Re: Lunch", "bob@y.org", "ann@x.org",
                 "Fine by me.\n\nOn Tue, Ann wrote:\n> " + OTHER + "\n>" + sig.replace("\n", "\n> "))]
    res = thread(recs).assignments
    assert res["2"].parent_id is None and res["2"].thread_id != res["1"].thread_id


def test_two_conversations_sharing_a_generic_subject_stay_apart() -> None:
    recs = [mail("1", 0, "meeting", "ann@x.org", "bob@y.org", "Tuesday at ten in my office?"),
            mail("2", 3600, "Re: meeting", "bob@y.org", "ann@x.org", "Works for me."),
            mail("3", 12 * DAY, "meeting", "dan@w.org", "eve@v.org", "Can we meet Thursday about the report?"),
            mail("4", 12 * DAY + 60, "Re: meeting", "eve@v.org", "dan@w.org", "Thursday is fine.")]
    res = thread(recs).assignments
    assert res["2"].parent_id == "1" and res["4"].parent_id == "3"
    assert res["1"].thread_id != res["3"].thread_id


def test_a_list_reply_joins_its_conversation_through_a_participant_beyond_the_list() -> None:
    # every message goes to the list; the list's address says nothing, the earlier poster does
    posts = [rec(f"n{k}", k * DAY, f"topic {k}", sender=f"u{k}@x.org", recipients=("list@l.org",))
             for k in range(6)]
    recs = posts + [rec("q", 10 * DAY, "Help with the parser", sender="ann@x.org", recipients=("list@l.org",)),
                    rec("a", 11 * DAY, "Re: Help with the parser", sender="bob@y.org",
                        recipients=("list@l.org", "dan@w.org")),
                    # nine days later, to the list and to someone the last reply was copied to
                    rec("b", 20 * DAY, "Re: Help with the parser", sender="carl@z.org",
                        recipients=("list@l.org", "dan@w.org")),
                    # weeks later, from someone new, to the list alone: one message only opened that
                    # subject, so the answer is to its conversation
                    rec("c", 40 * DAY, "Re: Help with the parser", sender="eve@v.org", recipients=("list@l.org",))]
    res = thread(recs).assignments
    assert res["a"].parent_id == "q" and res["b"].parent_id == "a" and res["c"].parent_id == "b"
    # two messages opened "Status" on the list: a late answer under that subject says not which
    generic = posts + [rec("s1", 10 * DAY, "Status", sender="ann@x.org", recipients=("list@l.org",)),
                       rec("s2", 12 * DAY, "Status", sender="bob@y.org", recipients=("list@l.org",)),
                       rec("r", 50 * DAY, "Re: Status", sender="eve@v.org", recipients=("list@l.org",))]
    res = thread(generic).assignments
    assert res["r"].parent_id is None
    # and in a mailbox whose common address also sends (its owner), a late reply stays apart
    owner = [rec(f"o{k}", k * DAY, f"memo {k}", sender="me@corp.org" if k % 2 else f"u{k}@x.org",
                 recipients=("me@corp.org",) if k % 2 == 0 else (f"u{k}@x.org",)) for k in range(6)]
    late = owner + [rec("p", 10 * DAY, "Budget", sender="ann@x.org", recipients=("me@corp.org",)),
                    rec("p2", 60 * DAY, "Re: Budget", sender="eve@v.org", recipients=("me@corp.org",))]
    assert thread(late).assignments["p2"].parent_id is None
