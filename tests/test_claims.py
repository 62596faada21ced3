"""Harbor Mutual's claims: the data, the adjuster's rules, the metrics, and the simulated models' triage."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest

from evalbook.course import harbor as C
from evalbook.paths import data_file
from evalbook.sim import claims as sim
from evalbook.sim.draw import Draw

REQUIRED_COLUMNS = {
    "claim_id",
    "line",
    "policy_start",
    "incident_date",
    "reported_date",
    "claimed_amount",
    "coverage_limit",
    "deductible",
    "police_report",
    "receipts",
    "prior_claims_12m",
    "description",
    "missing_fields",
    "fraud_signals",
    "ambiguity",
    "correct_decision",
    "why",
}
SIGNALS = {"early_incident", "near_limit", "many_prior_claims", "late_report", "inconsistent_description"}
GENERATOR = Path(__file__).resolve().parents[1] / "data" / "generators" / "claims.py"


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return C.load_claims()


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    """The CSV as the text it is, without pandas' conversions, for checking the rules independently."""
    with open(data_file("claims.csv"), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def triaged(df) -> pd.DataFrame:
    """Both models' decisions on every shipped claim, drawn the way the task defines: Draw(model + claim text)."""
    out = df.copy()
    texts = [C.format_claim(row) for _, row in df.iterrows()]
    for model in (sim.ATLAS, sim.BEACON):
        replies = [sim.respond(model, text, Draw(model + text)) for text in texts]
        out[model] = [reply["decision"] for reply in replies]
        out[model + " reason"] = [reply["reason"] for reply in replies]
    return out


def _split(value: str) -> list[str]:
    return [part for part in value.split(";") if part]


# ---------------------------------------------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------------------------------------------
def test_claims_have_the_documented_shape(df):
    assert len(df) == 96
    assert REQUIRED_COLUMNS <= set(df.columns)
    assert df["claim_id"].is_unique
    assert df["claim_id"].str.fullmatch(r"C-\d{3}").all()
    assert df["line"].value_counts().to_dict().keys() == {"auto", "home", "travel", "gadget"}
    assert (df["line"].value_counts() >= 15).all()
    assert set(df["correct_decision"]) == set(C.DECISIONS)
    assert set(df["ambiguity"]) == {"none", "low", "high"}
    assert set(df["police_report"]) <= {"yes", "no", "not applicable"}
    assert set(df["receipts"]) <= {"yes", "no", "partial"}
    assert (df["prior_claims_12m"] >= 0).all()
    assert (df["claimed_amount"].dropna() > 0).all()
    assert (df["deductible"] < df["coverage_limit"]).all()
    both = df.dropna(subset=["incident_date"])
    assert (both["reported_date"] >= both["incident_date"]).all()


def test_the_mix_is_half_clean_and_covers_every_kind_of_problem(df):
    share = df["correct_decision"].value_counts(normalize=True)
    assert 0.4 <= share["approve"] <= 0.6
    assert (df["correct_decision"] == "deny").sum() >= 10
    assert (df["correct_decision"] == "escalate").sum() >= 25
    signals = {s for value in df["fraud_signals"] for s in _split(value)}
    assert signals == SIGNALS
    missing = {m for value in df["missing_fields"] for m in _split(value)}
    assert {"police_report", "receipts", "incident_date", "claimed_amount", "cause"} <= missing
    assert (df["ambiguity"] == "high").sum() >= 6
    assert df.isna().any(axis=1).sum() >= 3  # some claims have blank form fields


def test_descriptions_are_varied_sentences(df):
    descriptions = df["description"]
    assert descriptions.is_unique
    openings = descriptions.str.split().str[:3].str.join(" ")
    assert openings.nunique() >= 85  # not one template with the blanks filled in
    sentences = descriptions.str.count(r"[.!?](?:\s|$)")
    assert sentences.between(1, 3).all()
    assert df["why"].str.len().gt(20).all()


def test_missing_form_fields_load_as_missing_values_and_text_stays_text(df):
    row = df.set_index("claim_id")
    blank = df[df["missing_fields"].str.contains("claimed_amount")]
    assert blank["claimed_amount"].isna().all()
    assert pd.api.types.is_datetime64_any_dtype(df["incident_date"])
    assert "none" in set(row["ambiguity"])  # not read as a missing value
    assert (df["fraud_signals"] == "").sum() > 40


def test_cost_matrix_is_illustrative_and_orders_mistakes_sensibly():
    costs = C.load_costs()
    assert "illustrative" in costs["note"].lower() and "not industry" in costs["note"].lower()
    cost = costs["cost"]
    assert set(cost) == set(C.DECISIONS) and all(set(row) == set(C.DECISIONS) for row in cost.values())
    assert cost["approve"]["approve"] == 0 and cost["deny"]["deny"] == 0
    fee = cost["escalate"]["escalate"]
    assert fee > 0 and all(cost[c]["escalate"] == fee for c in C.DECISIONS)
    worst = max((v, (c, d)) for c, row in cost.items() for d, v in row.items())
    assert worst[1] == ("escalate", "approve")  # paying a claim that needed a fraud review
    assert cost["approve"]["deny"] > 5 * fee


def test_generator_reproduces_the_committed_files(tmp_path):
    if not GENERATOR.exists():
        pytest.skip("the data generators are only in a checkout")
    spec = importlib.util.spec_from_file_location("claims_generator", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_claims(tmp_path)
    for name in ("claims.csv", "claim_costs.json"):
        assert filecmp.cmp(tmp_path / name, data_file(name), shallow=False), (
            f"{name} differs from the generator"
        )
    assert module.EXCLUDED_CAUSES == C.EXCLUDED_CAUSES
    assert tuple(module.POLICE_REPORT_CAUSES) == C.POLICE_REPORT_CAUSES


# ---------------------------------------------------------------------------------------------------------------
# The adjuster's rules, written out again independently, on the raw text of the CSV
# ---------------------------------------------------------------------------------------------------------------
def _rules(row: dict) -> tuple[list[str], list[str], str]:
    date = {k: dt.date.fromisoformat(row[k]) if row[k] else None for k in ("policy_start", "incident_date")}
    reported = dt.date.fromisoformat(row["reported_date"])
    start, incident = date["policy_start"], date["incident_date"]
    amount = float(row["claimed_amount"]) if row["claimed_amount"] else None
    limit, deductible = float(row["coverage_limit"]), float(row["deductible"])

    missing = [
        k for k in ("cause", "incident_date", "claimed_amount", "police_report", "receipts") if not row[k]
    ]
    if row["police_report"] == "no" and row["cause"] in ("theft", "burglary", "vandalism", "hit-and-run"):
        missing.append("police_report")
    if row["receipts"] == "no" or (row["receipts"] == "partial" and amount is not None and amount > 1000):
        missing.append("receipts")

    signals = []
    if incident and 0 <= (incident - start).days <= 14:
        signals.append("early_incident")
    if amount is not None and 0.9 * limit <= amount <= limit:
        signals.append("near_limit")
    if int(row["prior_claims_12m"]) >= 3:
        signals.append("many_prior_claims")
    if incident and (reported - incident).days > 30:
        signals.append("late_report")
    stated = [float(x.replace(",", "")) for x in re.findall(r"\$([\d,]+(?:\.\d\d)?)", row["description"])]
    if amount is not None and any(abs(x - amount) > 0.2 * amount for x in stated):
        signals.append("inconsistent_description")

    if incident and incident < start:
        decision = "deny"
    elif row["cause"] in C.EXCLUDED_CAUSES[row["line"]]:
        decision = "deny"
    elif amount is not None and amount <= deductible:
        decision = "deny"
    elif missing or signals or row["ambiguity"] == "high" or amount > limit:
        decision = "escalate"
    else:
        decision = "approve"
    return missing, signals, decision


def test_correct_decision_is_what_the_adjusters_rules_give(raw):
    for row in raw:
        missing, signals, decision = _rules(row)
        assert sorted(_split(row["missing_fields"])) == sorted(set(missing)), row["claim_id"]
        assert sorted(_split(row["fraud_signals"])) == sorted(signals), row["claim_id"]
        assert row["correct_decision"] == decision, row["claim_id"]
        assert row["why"].lower().startswith(decision), row["claim_id"]


def test_exclusions_come_before_fraud_signals(raw):
    # At least one excluded claim also carries a fraud signal, and the rules still deny it.
    both = [r for r in raw if r["correct_decision"] == "deny" and r["fraud_signals"]]
    assert both


def test_system_prompt_states_the_policy():
    prompt = C.TRIAGE_SYSTEM_PROMPT
    for causes in C.EXCLUDED_CAUSES.values():
        for cause in causes:
            assert cause in prompt
    for phrase in ("Not provided", "14 days", "90%", "30 days", "$1,000", "ambiguous", "JSON", '"decision"'):
        assert phrase in prompt


# ---------------------------------------------------------------------------------------------------------------
# The claim form and the messages
# ---------------------------------------------------------------------------------------------------------------
def test_format_claim_is_a_labelled_form_without_the_answer(df):
    row = df[df["claim_id"] == "C-041"].iloc[0]  # its claimed amount is blank
    text = C.format_claim(row)
    lines = text.splitlines()
    assert lines[0] == "Claim ID: C-041"
    assert len(lines) == len(C.FORM)
    assert "Claimed amount: Not provided" in lines
    assert any(re.fullmatch(r"Coverage limit: \$\d{1,3}(,\d{3})*", line) for line in lines)
    assert any(re.fullmatch(r"Policy start: \d{4}-\d{2}-\d{2}", line) for line in lines)
    assert lines[-1] == f"Description: {row['description']}"
    for hidden in ("correct_decision", "escalate", "why", row["why"], "Ambiguity", "Fraud signals"):
        assert hidden.lower() not in text.lower()


def test_format_claim_accepts_a_learners_partial_dict_and_rejects_other_things():
    text = C.format_claim({"line": "gadget", "claimed_amount": 320.5, "description": "Dropped it.\n  Oops."})
    assert "Line: gadget" in text and "Claimed amount: $320.50" in text
    assert "Cause: Not provided" in text and "Description: Dropped it. Oops." in text
    with pytest.raises(TypeError, match="iterrows"):
        C.format_claim("C-001")
    with pytest.raises(KeyError, match="none of the claim form's fields"):
        C.format_claim({"order_id": "A-1"})


def test_triage_messages(df):
    messages = C.triage_messages(df.iloc[0])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"] == C.TRIAGE_SYSTEM_PROMPT
    assert messages[1]["content"] == C.format_claim(df.iloc[0])


# ---------------------------------------------------------------------------------------------------------------
# Reading a reply
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ('{"decision": "escalate", "reason": "Police report missing."}', "escalate"),
        ('```json\n{"Decision": "Deny", "reason": "Flood is excluded."}\n```', "deny"),
        ('Here is my answer: {"decision": "APPROVED", "reason": "fine"} Thanks.', "approve"),
        ("Decision: approve\nReason: covered and documented.", "approve"),
        ("**Decision:** Escalate", "escalate"),
        ("I would send this to an adjuster: escalate.", "escalate"),
        ("I would not approve this yet; escalate it.", "escalate"),
        ("Approved.", "approve"),
    ],
)
def test_parse_decision_reads_json_and_text(reply, expected):
    assert C.parse_decision(reply) == expected


@pytest.mark.parametrize(
    "reply",
    [
        "",
        None,
        "banana",
        "Approve or deny? Hard to say.",
        "Do not approve.",
        '{"decision": "maybe", "reason": "I would escalate"}',
        "The claim looks fine to me.",
    ],
)
def test_parse_decision_returns_none_when_it_cannot_tell(reply):
    assert C.parse_decision(reply) is None


def test_parse_decision_reads_every_simulated_reply(triaged):
    for model in (sim.ATLAS, sim.BEACON):
        for decision, reason in zip(triaged[model], triaged[model + " reason"], strict=True):
            result = {"decision": decision, "reason": reason}
            assert C.parse_decision(sim.to_text(result)) == decision


# ---------------------------------------------------------------------------------------------------------------
# The metrics, on five claims small enough to score by hand
# ---------------------------------------------------------------------------------------------------------------
CORRECT = ["approve", "approve", "deny", "escalate", "escalate"]
DECIDED = ["approve", "escalate", "approve", "approve", "escalate"]
SIMPLE_COSTS = {
    "approve": {"approve": 0, "deny": 10, "escalate": 1},
    "deny": {"approve": 20, "deny": 0, "escalate": 1},
    "escalate": {"approve": 100, "deny": 50, "escalate": 1},
}


def test_metrics_on_a_hand_computed_example():
    # policy compliance: claims 1 and 5 match -> 2/5
    assert C.policy_compliance(CORRECT, DECIDED) == pytest.approx(0.4)
    # escalate-or-not: should [n n n y y], did [n y n n y] -> claims 1, 3, 5 agree -> 3/5
    assert C.escalation_accuracy(CORRECT, DECIDED) == pytest.approx(0.6)
    # reversals: claim 3 approved but should be denied, claim 4 approved but should be escalated -> 2
    # (claim 2 was escalated: a review, not a reversal)
    assert C.reversals(CORRECT, DECIDED) == 2
    # simple costs: 0 + 1 + 20 + 100 + 1 = 122 over 5 claims
    assert C.expected_cost(CORRECT, DECIDED, SIMPLE_COSTS) == pytest.approx(24.4)
    # the shipped costs: 0 + 150 + 1800 + 4000 + 150 = 6100 over 5 claims
    assert C.expected_cost(CORRECT, DECIDED) == pytest.approx(1220.0)
    assert C.expected_cost(CORRECT, DECIDED, {"cost": SIMPLE_COSTS}) == pytest.approx(24.4)


def test_metrics_compare_by_position_not_by_index():
    correct = pd.Series(CORRECT, index=[10, 11, 12, 13, 14])
    decided = pd.Series([d.upper() for d in DECIDED])  # labels are case-insensitive
    assert C.policy_compliance(correct, decided) == pytest.approx(0.4)
    assert C.reversals(correct, decided) == 2


def test_score_triage_puts_the_four_numbers_together():
    table = pd.DataFrame({"correct_decision": CORRECT, "decision": DECIDED, "other": CORRECT})
    score = C.score_triage(table, costs=SIMPLE_COSTS)
    assert list(score.index) == ["decision"]
    row = score.iloc[0]
    assert row["claims"] == 5
    assert row["policy_compliance"] == pytest.approx(0.4)
    assert row["escalation_accuracy"] == pytest.approx(0.6)
    assert row["reversals"] == 2
    assert row["expected_cost_per_claim"] == pytest.approx(24.4)
    perfect = C.score_triage(table, column="other").iloc[0]
    assert perfect["policy_compliance"] == 1 and perfect["reversals"] == 0
    assert perfect["expected_cost_per_claim"] == pytest.approx(150 * 2 / 5)  # two necessary reviews


def test_bad_inputs_get_sentences_that_say_what_to_do():
    with pytest.raises(ValueError, match=r"correct has 5 decisions but decided has 4"):
        C.policy_compliance(CORRECT, DECIDED[:4])
    with pytest.raises(ValueError, match=r"unknown decision label\(s\) \['maybe'\].*approve, deny, escalate"):
        C.escalation_accuracy(CORRECT, ["approve", "maybe", "deny", "deny", "deny"])
    with pytest.raises(ValueError, match=r"1 missing decision.*position\(s\) \[2\].*fillna\('escalate'\)"):
        C.reversals(CORRECT, ["approve", "deny", None, "deny", "deny"])
    with pytest.raises(ValueError, match="no decisions to score"):
        C.expected_cost([], [])
    with pytest.raises(TypeError, match="list or a column"):
        C.policy_compliance("approve", "approve")
    with pytest.raises(ValueError, match=r"no cost for correct='escalate', decided='approve'"):
        C.expected_cost(CORRECT, DECIDED, {"approve": SIMPLE_COSTS["approve"], "deny": SIMPLE_COSTS["deny"]})
    with pytest.raises(ValueError, match="must be a number of dollars"):
        C.expected_cost(
            CORRECT, DECIDED, {**SIMPLE_COSTS, "deny": {"approve": "a lot", "deny": 0, "escalate": 1}}
        )
    with pytest.raises(KeyError, match=r"no column\(s\) \['decision'\].*column="):
        C.score_triage(pd.DataFrame({"correct_decision": CORRECT}))
    with pytest.raises(TypeError, match="DataFrame"):
        C.score_triage({"correct_decision": CORRECT})


# ---------------------------------------------------------------------------------------------------------------
# The simulated models
# ---------------------------------------------------------------------------------------------------------------
def test_looks_like_claim_recognises_the_form_only(df):
    assert all(sim.looks_like_claim(C.format_claim(row)) for _, row in df.iterrows())
    assert sim.looks_like_claim("Line: gadget\nClaimed amount: $300\nDescription: I dropped my phone.")
    assert not sim.looks_like_claim("Order ID: A-1042\nItem: kettle\nWhere is my order?")
    assert not sim.looks_like_claim("Which line of insurance covers a phone? Description please.")
    assert not sim.looks_like_claim(None)


def test_the_simulator_reads_the_form_it_is_given(df):
    # What the simulator finds from the text alone equals the adjuster's annotations, row by row.
    for _, row in df.iterrows():
        found = sim.findings(sim.read_form(C.format_claim(row)))
        assert ";".join(found["missing"]) == row["missing_fields"], row["claim_id"]
        assert ";".join(found["signals"]) == row["fraud_signals"], row["claim_id"]
        assert found["ambiguous"] == (row["ambiguity"] == "high"), row["claim_id"]


def test_read_form_tolerates_other_layouts():
    text = "- Line: Phone\n- Claimed amount: 1,250 USD\n- Incident date: 2 November 2025\nDescription: It fell.\nIt broke."
    form = sim.read_form(text)
    assert form["line"] == "gadget" and form["claimed_amount"] == 1250.0
    assert form["incident_date"] == dt.date(2025, 11, 2)
    assert form["description"] == "It fell. It broke."
    assert form["cause"] is None and form["claim_id"] is None


def test_respond_is_deterministic(df):
    text = C.format_claim(df.iloc[3])
    for model in (sim.ATLAS, sim.BEACON):
        assert sim.respond(model, text, Draw(model + text)) == sim.respond(model, text, Draw(model + text))


def test_beacon_follows_the_policy_except_for_over_escalating(triaged):
    right = triaged["beacon-1"] == triaged["correct_decision"]
    cautious = (triaged["correct_decision"] == "approve") & (triaged["beacon-1"] == "escalate")
    assert (right | cautious).all()
    assert cautious.any()


def test_beacon_decides_from_the_text_not_the_claim_id(df, triaged):
    # Where the rules decide (no over-escalation draw), a different claim ID gives the same decision.
    for _, row in df[df["correct_decision"] != "approve"].iterrows():
        text = C.format_claim(row).replace(f"Claim ID: {row['claim_id']}", "Claim ID: X-999")
        assert sim.respond("beacon-1", text, Draw(text))["decision"] == row["correct_decision"]


def test_the_benchmark_champion_loses_on_the_business_numbers(triaged):
    atlas = C.score_triage(triaged, column=sim.ATLAS).iloc[0]
    beacon = C.score_triage(triaged, column=sim.BEACON).iloc[0]
    assert beacon["expected_cost_per_claim"] < atlas["expected_cost_per_claim"] / 5
    assert beacon["escalation_accuracy"] > atlas["escalation_accuracy"] + 0.05
    assert beacon["reversals"] < atlas["reversals"]
    assert beacon["policy_compliance"] > atlas["policy_compliance"]


def test_atlas_is_fluent_and_beacon_is_terse(triaged):
    atlas_words = triaged["atlas-1 reason"].str.split().str.len()
    beacon_words = triaged["beacon-1 reason"].str.split().str.len()
    assert atlas_words.min() >= 15
    assert beacon_words.max() <= 15
    assert atlas_words.mean() > 3 * beacon_words.mean()


def _share(model: str, text: str, decision: str, n: int = 2000) -> float:
    """How often ``model`` makes ``decision`` for ``text`` over n independent draws."""
    return sum(sim.respond(model, text, Draw(f"rate {i}"))["decision"] == decision for i in range(n)) / n


CLEAN = {
    "claim_id": "T-1",
    "line": "auto",
    "cause": "collision",
    "policy_start": "2025-01-10",
    "incident_date": "2025-06-01",
    "reported_date": "2025-06-03",
    "claimed_amount": 2400.0,
    "coverage_limit": 25000,
    "deductible": 500,
    "police_report": "yes",
    "receipts": "yes",
    "prior_claims_12m": 0,
    "description": "A van reversed into my parked car and dented the door.",
}


@pytest.mark.parametrize(
    ("model", "change", "decision", "rate"),
    [
        ("beacon-1", {}, "escalate", sim.BEACON_OVER_ESCALATES),
        ("atlas-1", {"prior_claims_12m": 4}, "approve", sim.ATLAS_MISSES_FRAUD),
        ("atlas-1", {"police_report": "no", "cause": "theft"}, "approve", sim.ATLAS_MISSES_MISSING),
        (
            "atlas-1",
            {"description": "It may have been a van, or the gate; I'm not sure."},
            "approve",
            sim.ATLAS_MISSES_AMBIGUITY,
        ),
        ("atlas-1", {"cause": "wear and tear"}, "approve", sim.ATLAS_MISSES_EXCLUSION),
        (
            "atlas-1",
            {"description": "A deer ran into the side of the car."},
            "deny",
            sim.ATLAS_DENIES_UNUSUAL,
        ),
    ],
)
def test_documented_rates_hold_over_many_draws(model, change, decision, rate):
    text = C.format_claim({**CLEAN, **change})
    assert _share(model, text, decision) == pytest.approx(rate, abs=0.035)


def test_the_other_behaviours_do_not_vary():
    text = C.format_claim(CLEAN)
    assert _share("atlas-1", text, "approve", 500) == 1.0  # atlas-1 never over-escalates a plain clean claim
    for change, decision in (({"prior_claims_12m": 4}, "escalate"), ({"cause": "wear and tear"}, "deny")):
        assert _share("beacon-1", C.format_claim({**CLEAN, **change}), decision, 500) == 1.0


def test_documented_rates_hold_on_the_shipped_claims(triaged):
    def within(observed: pd.Series, rate: float) -> bool:
        n = len(observed)
        return abs(observed.mean() - rate) <= 3 * (rate * (1 - rate) / n) ** 0.5 + 1 / n

    clean = triaged[triaged["correct_decision"] == "approve"]
    assert within(clean["beacon-1"] == "escalate", sim.BEACON_OVER_ESCALATES)
    escalate = triaged[(triaged["correct_decision"] == "escalate") & (triaged["ambiguity"] != "high")]
    fraud_only = escalate[(escalate["fraud_signals"] != "") & (escalate["missing_fields"] == "")]
    assert len(fraud_only) >= 10
    assert within(fraud_only["atlas-1"] != "escalate", sim.ATLAS_MISSES_FRAUD)
    missing_only = escalate[(escalate["missing_fields"] != "") & (escalate["fraud_signals"] == "")]
    assert len(missing_only) >= 8
    assert within(missing_only["atlas-1"] != "escalate", sim.ATLAS_MISSES_MISSING)


def test_a_learners_own_claim_gets_a_decision():
    text = "Line: gadget\nClaimed amount: $300\nDescription: I dropped my phone in the sea."
    beacon = sim.respond("beacon-1", text, Draw(text))
    assert beacon["decision"] == "escalate" and "cause" in beacon["reason"].lower()
    assert sim.respond("atlas-1", text, Draw(text))["decision"] in C.DECISIONS
    assert sim.respond("some-other-model", text, Draw(text)) == beacon


def test_to_text():
    assert sim.to_text({"decision": "escalate", "reason": "Missing: receipts."}) == (
        "Decision: escalate\nReason: Missing: receipts."
    )


def test_the_module_documents_the_rates_it_uses():
    for rate in (
        sim.BEACON_OVER_ESCALATES,
        sim.ATLAS_MISSES_FRAUD,
        sim.ATLAS_MISSES_MISSING,
        sim.ATLAS_MISSES_AMBIGUITY,
        sim.ATLAS_MISSES_EXCLUSION,
    ):
        assert f"{rate:.0%}" in sim.__doc__
    assert "half" in sim.__doc__ and sim.ATLAS_DENIES_UNUSUAL == 0.5
