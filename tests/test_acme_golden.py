"""Acme's golden set: the oracle agrees with the shop's records, the shipped files hold what data/README.md says,
the filters catch the simulated generator's flaws, and the generator's flaws come at the documented rates."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

import evalbook
from evalbook import golden
from evalbook.course import acme
from evalbook.course.acme import golden as acme_golden
from evalbook.sim.generator import RATES


def test_the_oracle_reproduces_every_tickets_expected_tools_and_escalation():
    for _, ticket in acme.load_tickets().iterrows():
        key = acme_golden.ticket_key(ticket)
        expected = [t for t in ticket["expected_tools"].split(";") if t]
        assert key["expected_tools"] == expected, ticket["ticket_id"]
        assert key["must_escalate"] == ticket["should_escalate"], ticket["ticket_id"]
        assert key["scenario"] == ticket["scenario"], ticket["ticket_id"]


def test_the_oracle_reads_the_facts_of_the_kb_version_it_is_given():
    hours = {v: acme.answer_key("policy_hours", kb_version=v)["must_state"] for v in ("v1", "v2")}
    assert hours["v1"] == [{"fact": "support_hours", "value": "24/7"}]
    assert hours["v2"] == [{"fact": "support_hours", "value": "9am-5pm Monday to Friday"}]
    over = acme.answer_key("refund", order_id="A-1010")
    assert over["must_escalate"] and over["expected_tools"] == ["lookup_order", "escalate_to_human"]
    assert acme.answer_key("refund", order_id="A-1010", difficulty="missing_order_id")["expected_tools"] == []
    two = acme.answer_key(
        "refund", order_id="A-1006", difficulty="two_requests", also_asks="return_window_days"
    )
    assert two["expected_tools"] == ["lookup_order", "issue_refund", "search_kb"]
    assert two["must_state"][-1] == {"fact": "return_window_days", "value": "30 days"}
    assert acme.answer_key("adversarial")["must_decline"]
    with pytest.raises(evalbook.InputError, match="Unknown intent"):
        acme.answer_key("refunds")


def test_the_impossible_tuple_rule():
    assert len(golden.all_tuples(acme_golden.DIMENSIONS, allowed=acme_golden.allowed)) == 948
    base = {"persona": "polite", "channel": "chat", "difficulty": "plain"}
    assert acme_golden.allowed({**base, "intent": "refund", "order_state": "over_limit"})
    assert not acme_golden.allowed({**base, "intent": "refund", "order_state": "none"})  # rule 1
    assert not acme_golden.allowed({**base, "intent": "policy_hours", "order_state": "in_transit"})  # rule 2
    assert not acme_golden.allowed(
        {**base, "intent": "policy_hours", "order_state": "none", "difficulty": "missing_order_id"}
    )  # rule 3
    assert not acme_golden.allowed({**base, "intent": "complaint", "order_state": "processing"})  # rule 4


def test_the_shipped_versions_are_what_the_readme_says():
    first, current = acme.load_golden("1.0.0"), acme.load_golden()
    assert (len(first), len(current), current.version) == (108, 111, "1.1.0")
    change = golden.diff(first, current)
    assert change.added == ["G-109", "G-110", "G-111"] and change.changed_ids == ["G-010"]
    assert current.changelog[-1]["bump"] == "minor"
    assert current["G-010"]["must_escalate"] and not first["G-010"]["must_escalate"]
    frame = current.frame()
    assert frame["split"].value_counts().to_dict() == {"dev": 52, "test": 44, "train": 15}
    assert golden.find_leaks(frame, text="message", threshold=acme_golden.DUPLICATE_THRESHOLD).empty
    assert set(frame["kb_version"]) == {"v2"}
    traffic = frame[frame["source"] == "traffic"]
    assert traffic["inclusion_probability"].notna().sum() == 60
    assert not frame["message"].str.contains(r" \.").any()  # T-099's broken message is not used
    for case in current.cases:  # every key is the oracle's, and made again it is the same
        assert acme_golden.rekey(case, "v2") == case
    with pytest.raises(evalbook.InputError, match="no shipped version"):
        acme.load_golden("9.9.9")


def test_the_filters_catch_each_flaw_and_keep_ordinary_customer_words():
    spec = {
        "persona": "frustrated",
        "intent": "refund",
        "order_state": "over_limit",
        "channel": "chat",
        "difficulty": "plain",
        "order_id": "A-1010",
    }
    fine = "I'm so frustrated: please refund order A-1010, the monitor arrived broken."
    assert acme_golden.leaked_labels(fine, spec) == []
    assert acme_golden.ignores_tuple(fine, spec) == ""
    assert not acme_golden.off_brand(fine)
    assert acme_golden.leaked_labels("As a Frustrated customer, refund A-1010.", spec) == ["persona"]
    assert acme_golden.leaked_labels(fine + " My order is over_limit.", spec) == ["order_state"]
    assert acme_golden.ignores_tuple("Where is order A-1010?", spec) == "nothing in it asks for refund"
    assert (
        acme_golden.ignores_tuple("Please refund order A-1011.", spec) == "it names order A-1011, not A-1010"
    )
    missing = dict(spec, difficulty="missing_order_id")
    assert "leaves the order number out" in acme_golden.ignores_tuple(fine, missing)
    assert acme_golden.off_brand(f'Sure! Here is a realistic customer message:\n\n"{fine}"')
    assert acme_golden.off_brand(fine + "\n\nBest regards,\n[Your Name]")
    table = acme_golden.screen([spec, spec], [fine, fine.replace("A-1010", "A-1010!")])
    assert list(table["removed_by"]) == ["", "near-duplicate"] and table["duplicate_of"].iloc[1] == 0
    with pytest.raises(evalbook.InputTypeError):
        acme_golden.off_brand(None)


def test_missing_facts_accepts_the_usual_ways_of_writing_a_value():
    must = [
        {"fact": "refund_window_days", "value": "30 days"},
        {"fact": "refund_processing_days", "value": "5-7 business days"},
    ]
    assert acme_golden.missing_facts("Outside the 30-day window. It takes 5 to 7 business days.", must) == []
    assert acme_golden.missing_facts("It takes 5-7 business days.", must) == ["refund_window_days"]
    assert acme_golden.missing_facts(None, must) == ["refund_window_days", "refund_processing_days"]


def test_review_reads_a_conversation_against_its_case():
    case = acme.load_golden()["G-010"]
    trace = acme.SupportBot("beacon-1", client=evalbook.client("sim")).run(case["message"])
    result = acme_golden.review(trace, case)
    assert result["escalation_ok"] and result["missing_tools"] == [] and result["verdict"] == "pass"


# --- the simulated generator ------------------------------------------------------------------------------------


def _generate(specs, seeds):
    sim = evalbook.client("sim")
    out = []
    for spec in specs:
        for seed in seeds:
            response = sim.chat.completions.create(
                model="atlas-1", messages=acme_golden.generator_messages(spec), seed=seed
            )
            out.append((spec, response.choices[0].message.content))
    return out


def test_a_tuple_request_goes_to_the_generator_and_nothing_else_does():
    spec = acme_golden.case_specs(acme_golden.design())[1]
    [(_, first)], [(_, again)] = _generate([spec], [0]), _generate([spec], [0])
    assert first == again and "A-1007" in first  # deterministic, and about the tuple's order
    support = acme.SupportBot("beacon-1", client=evalbook.client("sim")).run("Where is my order A-1007?")
    assert support.called("lookup_order")  # an ordinary customer message still reaches the assistant


def _close(measured: float, expected: float, n: int) -> bool:
    return abs(measured - expected) <= 3 * math.sqrt(expected * (1 - expected) / n) + 0.02


def test_the_generator_flaws_come_at_their_documented_rates():
    policy = [
        t
        for t in golden.all_tuples(acme_golden.DIMENSIONS, allowed=acme_golden.allowed)
        if t["intent"].startswith("policy_") and t["difficulty"] == "plain"
    ]
    specs = acme_golden.case_specs(policy)
    pairs = _generate(specs, range(20))
    n = len(pairs)
    messages = pd.Series([m for _, m in pairs])
    off_brand = messages.map(acme_golden.off_brand).mean()
    leak = pd.Series([bool(acme_golden.leaked_labels(m, s)) for s, m in pairs]).mean()
    favourite = messages.str.contains(r"Hello, I would like to know more about your", regex=True).mean()
    ignored = pd.Series(
        [bool(acme_golden.ignores_tuple(re.sub(r"\(intent: \w+\)", "", m), s)) for s, m in pairs]
    ).mean()
    assert n >= 700
    assert _close(off_brand, RATES["off_brand"], n), off_brand
    assert _close(leak, RATES["label_leak"], n), leak
    assert _close(favourite, RATES["near_duplicate"], n), favourite
    assert _close(ignored, RATES["tuple_ignored"], n), ignored
