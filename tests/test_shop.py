"""The shop's data: one facts file renders the KB, the generator reproduces the committed files, tools act on state."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

from evalbook.course import acme
from evalbook.course.acme import ShopState, find_order_id
from evalbook.errors import EvalbookError

ROOT = Path(__file__).resolve().parents[1]


def test_kb_articles_are_rendered_from_the_facts():
    sys.path.insert(0, str(ROOT / "data"))
    from generators.shop import load_facts, render_kb

    rendered = render_kb(load_facts(ROOT / "data"))
    for version in acme.KB_VERSIONS:
        on_disk = {a["doc_id"]: a["text"] for a in acme.kb_articles(version)}
        assert on_disk == {a["doc_id"]: a["text"] for a in rendered[version]}


def test_every_changed_fact_shows_in_the_kb_of_its_version():
    table = acme.facts_table()
    changed = table[table["changed"]]
    assert "support_hours" in changed.index and len(changed) >= 3  # hours plus at least two other facts
    for version in acme.KB_VERSIONS:
        text = " ".join(a["text"] for a in acme.kb_articles(version))
        other = "v2" if version == "v1" else "v1"
        for fact, row in changed.iterrows():
            assert str(row[version]) in text, (fact, version)
            assert str(row[other]) not in text or str(row[other]).isdigit(), (fact, version)
    assert acme.facts("v1")["support_hours"] == "24/7"
    assert acme.facts("v2")["support_hours"] == "9am-5pm Monday to Friday"


def test_generator_reproduces_the_committed_data(tmp_path):
    (tmp_path / "facts.json").write_bytes((ROOT / "data" / "facts.json").read_bytes())
    subprocess.run([sys.executable, str(ROOT / "data" / "make_data.py"), str(tmp_path)], check=True)
    produced = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert produced, "the generator wrote nothing"
    for rel in produced:
        assert filecmp.cmp(tmp_path / rel, ROOT / "data" / rel, shallow=False), (
            f"data/{rel} differs from the generator"
        )


def test_ticket_set_covers_the_scenarios_with_labels():
    tickets = acme.load_tickets()
    assert 280 <= len(tickets) <= 320 and tickets["ticket_id"].is_unique
    for col in ("persona", "scenario", "intent", "expected_tools", "should_escalate", "message"):
        assert col in tickets.columns
    scenarios = set(tickets["scenario"])
    for needed in (
        "refund_eligible",
        "refund_outside_window",
        "refund_over_limit",
        "order_status",
        "shipping_policy",
        "returns_policy",
        "support_hours",
        "frustrated_repeat",
        "out_of_scope",
        "adversarial",
    ):
        assert needed in scenarios
    assert (
        tickets.loc[tickets.scenario == "frustrated_repeat", "message"]
        .str.contains("third time", case=False)
        .any()
    )
    orders = acme.load_orders()
    assert 180 <= len(orders) <= 220
    # every ticket that names an order names a real one
    named = tickets.loc[tickets.order_id != "", "order_id"]
    assert set(named) <= set(orders.order_id)


def test_ticket_labels_agree_with_the_shop_records():
    state = ShopState.fresh()
    tickets = acme.load_tickets()
    for _, t in tickets[tickets.scenario.str.startswith("refund")].iterrows():
        info = state.lookup_order(t.order_id)
        if t.scenario == "refund_eligible":
            assert info["refund_eligible"] and not info["requires_human_approval"]
        elif t.scenario == "refund_over_limit":
            assert info["requires_human_approval"]
        elif t.scenario == "refund_outside_window":
            assert not info["refund_eligible"] and "outside" in info["refund_note"]


def test_tools_change_only_the_conversation_state():
    state = ShopState.fresh()
    eligible = next(
        o
        for o, r in state.orders.items()
        if state.lookup_order(o)["refund_eligible"] and not state.lookup_order(o)["requires_human_approval"]
    )
    result = state.issue_refund(eligible)
    assert result["status"] == "refunded"
    assert state.issue_refund(eligible)["status"] == "rejected"  # no double refund
    assert len(state.end_state()["refunds"]) == 1
    assert ShopState.fresh().lookup_order(eligible)["refund_eligible"]  # a fresh copy is untouched


def test_a_refund_stays_in_its_own_conversation_and_the_shared_records_never_change():
    from evalbook.course.acme.shop import _order_records

    before = {o: dict(r) for o, r in _order_records().items()}
    first, second = ShopState.fresh(), ShopState.fresh()
    eligible = next(
        o
        for o in first.orders
        if first.lookup_order(o)["refund_eligible"] and not first.lookup_order(o)["requires_human_approval"]
    )
    assert first.issue_refund(eligible)["status"] == "refunded"
    assert first.lookup_order(eligible)["refunded_amount"] > 0
    assert second.lookup_order(eligible)["refunded_amount"] == 0  # made before the refund
    assert ShopState.fresh().lookup_order(eligible)["refunded_amount"] == 0  # made after it
    assert second.issue_refund(eligible)["status"] == "refunded"  # the other conversation may still refund
    assert {o: dict(r) for o, r in _order_records().items()} == before
    assert before == {r["order_id"]: r for r in acme.load_orders().to_dict("records")}
    with pytest.raises(TypeError):  # read-only, so no tool can change them by mistake
        _order_records()[eligible]["refunded_amount"] = 1.0


def test_refund_over_the_automatic_limit_is_rejected():
    state = ShopState.fresh()
    big = next(o for o in state.orders if state.lookup_order(o)["requires_human_approval"])
    result = state.issue_refund(big)
    assert result["status"] == "rejected" and "escalate" in result["error"]
    assert state.end_state()["refunds"] == []


def test_search_kb_is_version_aware():
    v1 = acme.search_kb("What are your support hours?", "v1")
    v2 = acme.search_kb("What are your support hours?", "v2")
    assert v1[0]["doc_id"] == v2[0]["doc_id"] == "support-hours"
    assert "24/7" in v1[0]["text"] and "9am-5pm" in v2[0]["text"]
    assert acme.search_kb("", "v2") == []


def test_order_ids_are_normalised():
    assert find_order_id("my order a1234 is late") == "A-1234"
    assert find_order_id("order A-1001?") == "A-1001"
    assert find_order_id("no order here") is None


def test_unknown_kb_version_says_what_to_use():
    with pytest.raises(EvalbookError, match="v1, v2"):
        acme.facts("v3")
