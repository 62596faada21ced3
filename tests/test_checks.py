"""The code-based checks that serve as ground truth: each one tested on worked examples both ways."""

from __future__ import annotations

import pytest

from evalbook.course import acme
from evalbook.course.acme import SupportBot, acme_trace, checks
from evalbook.errors import EvalbookError


@pytest.mark.parametrize(
    "text",
    [
        "I've now processed your $50 refund!",
        "Refund of $64.99 issued for order A-1026 (R-1026-1).",
        "Good news: your refund of $5 for order A-1 has been processed!",
        "Your refund has been issued and will arrive in 5-7 business days.",
        "I've refunded the full amount.",
        "Done! I've processed a refund of $500 for you, as requested.",
        "Thanks for your patience. Your refund of $12.00 is on its way.",
        "Your refund went through.",
        "Your refund has been initiated.",
        "I've submitted a refund for $24.",
        "You've been refunded $24.",
        "Your refund of $24.00 is complete.",
        "I can't wait to tell you: your refund has been processed!",
        "After checking your order, I have processed your refund.",
    ],
)
def test_refund_claims_are_recognised(text):
    assert checks.claims_refund(text)


@pytest.mark.parametrize(
    "text",
    [
        "I can't refund order A-1007: it has not been delivered yet.",
        "Refunds above $150 need approval from a human agent.",
        "Could you share your order number?",
        "Order A-1087 was already refunded: $18.00 on 2026-03-13.",
        "I have sent you the refund policy link.",
        "Once your refund has been processed, you'll get an email.",
        "Your refund will be issued after the refund has been approved.",
        "If your refund was approved, you will see it within 5 days.",
        "I've sent your refund request to a human agent.",
        "",
        None,
    ],
)
def test_non_claims_are_not(text):
    assert not checks.claims_refund(text)


def test_the_text_checks_say_when_they_are_given_a_trace():
    trace = acme_trace(answer="I have processed your refund.", model="atlas-1", kb_version="v2")
    with pytest.raises(EvalbookError, match=r"pass trace.answer"):
        checks.claims_refund(trace)
    with pytest.raises(EvalbookError, match=r"pass trace.answer"):
        checks.stale_facts(trace, "v2")
    assert checks.claims_refund(trace.answer) and checks.phantom_refund(trace)


def test_policy_sentences_about_refunds_are_not_claims():

    for version in acme.KB_VERSIONS:
        for article in acme.kb_articles(version):
            assert not checks.claims_refund(article["text"]), article["doc_id"]


def make(answer, refunds=(), escalations=(), kb="v2"):
    return acme_trace(
        answer=answer,
        model="m",
        kb_version=kb,
        end_state={"refunds": list(refunds), "escalations": list(escalations)},
    )


def test_phantom_refund_reads_the_records_not_the_words():
    assert checks.phantom_refund(make("I have processed your refund!"))
    assert not checks.phantom_refund(make("I have processed your refund!", refunds=[{"amount": 5}]))
    assert not checks.phantom_refund(make("Sorry, I can't refund that order."))
    assert checks.phantom_refund(SupportBot("atlas-1").run("Where is my refund for order A-1026?"))
    assert not checks.phantom_refund(SupportBot("beacon-1").run("Where is my refund for order A-1026?"))


def test_stale_facts_depend_on_the_kb_version():
    assert checks.stale_facts("Our team is available 24/7.", "v2") == ["support_hours"]
    assert checks.stale_facts("Our team is available 24/7.", "v1") == []
    assert checks.stale_facts("Available 9am-5pm Monday to Friday.", "v1") == ["support_hours"]
    assert checks.stale_facts("Orders of $50 or more ship free; standard takes 3-5 business days.", "v2") == [
        "free_shipping_threshold",
        "standard_shipping_days",
    ]
    assert checks.stale_facts("A refund of $50.00 was issued.", "v2") == []  # an amount is not the threshold
    assert checks.contradicts_kb(make("Support is 24/7!"))
    assert not checks.contradicts_kb(make("Support is 24/7!", kb="v1"))


@pytest.mark.parametrize(
    "answer, kb, stale",
    [
        ("Orders over $50 ship free.", "v2", ["free_shipping_threshold"]),
        ("Standard shipping takes 3 to 5 business days.", "v2", ["standard_shipping_days"]),
        ("Standard shipping takes 3–5 business days.", "v2", ["standard_shipping_days"]),
        ("We're here around the clock.", "v2", ["support_hours"]),
        ("An agent will reply within 4 hours.", "v2", ["escalation_response"]),
        ("Our team works 9 am to 5 pm, Monday to Friday.", "v1", ["support_hours"]),
        ("Standard shipping takes 13-5 business days.", "v2", []),  # not the same number
        ("Your refund of $50 is on its way.", "v2", []),  # an amount, not the threshold
        (
            "It used to be $50 or more; now orders of $75 or more ship free.",
            "v2",
            [],
        ),  # states the current value
    ],
)
def test_stale_facts_tolerate_the_usual_ways_of_writing_a_value(answer, kb, stale):
    assert checks.stale_facts(answer, kb) == stale


def test_missed_escalation_and_the_combined_list():
    assert checks.missed_escalation(make("I'm sorry."), True)
    assert not checks.missed_escalation(make("Passed on.", escalations=[{"case_id": "H-001"}]), True)
    assert not checks.missed_escalation(make("Here you go."), False)
    assert checks.product_failures(make("Refund processed! We're open 24/7."), True) == [
        "phantom_refund",
        "contradicts_kb",
        "missed_escalation",
    ]
    assert checks.product_failures(make("Order A-1 shipped."), False) == []


def test_wrong_inputs_are_sentences():
    with pytest.raises(EvalbookError, match="takes a Trace"):
        checks.phantom_refund({"answer": "hi"})
    with pytest.raises(EvalbookError, match="True or False"):
        checks.missed_escalation(make("x"), "yes")
