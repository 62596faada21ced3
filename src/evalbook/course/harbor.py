"""Harbor Mutual's claims triage: the second product of lesson 01, and the tools to score it in dollars.

Harbor Mutual is a fictional insurer. Its assistant reads one insurance claim (auto, home, travel or gadget) and
makes one decision: ``approve``, ``deny`` or ``escalate`` to a human adjuster. The shipped claims carry the
decision a fictional senior adjuster's rules give (``correct_decision``), so a model's decisions can be scored
the way the business feels them: how often they follow the policy, how often the escalate-or-not call is right,
how many decisions would later be reversed, and what the mistakes cost on average, using an illustrative cost
matrix in ``claim_costs.json``.

Accuracy alone hides the point of the lesson: mistakes do not cost the same. Paying a claim that needed a
fraud review costs far more than an unnecessary review, so a cautious model can win on cost while looking
unremarkable on a benchmark.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

import pandas as pd

from ..errors import InputError, InputTypeError, MissingColumnError
from ..paths import data_file

DECISIONS = ("approve", "deny", "escalate")

# The policy, stated once: TRIAGE_SYSTEM_PROMPT is built from it, the simulator reads claims with it, and the
# tests check that the adjuster's decisions in claims.csv follow it.
EXCLUDED_CAUSES: dict[str, tuple[str, ...]] = {
    "auto": ("mechanical breakdown", "wear and tear", "racing event"),
    "home": ("flood", "gradual leak", "wear and tear", "pests"),
    "travel": ("change of plans", "pre-existing condition"),
    "gadget": ("lost or misplaced", "cosmetic damage"),
}
POLICE_REPORT_CAUSES = ("theft", "burglary", "vandalism", "hit-and-run")
PARTIAL_RECEIPTS_LIMIT = 1000  # dollars: partial receipts are enough up to this claimed amount
EARLY_INCIDENT_DAYS = 14  # an incident at most this many days after the policy started is a fraud signal
NEAR_LIMIT_SHARE = 0.9  # a claim between 90% and 100% of the coverage limit is a fraud signal
MANY_PRIOR_CLAIMS = 3  # this many claims or more in the last 12 months is a fraud signal
LATE_REPORT_DAYS = 30  # reported more than this many days after the incident is a fraud signal
AMOUNT_MISMATCH = 0.2  # a dollar amount in the description more than 20% away from the claimed amount

# The claim form: (column, label) in the order the form shows them. The answer columns (missing_fields,
# fraud_signals, ambiguity, correct_decision, why) are never shown to the model.
FORM = (
    ("claim_id", "Claim ID"),
    ("line", "Line"),
    ("cause", "Cause"),
    ("policy_start", "Policy start"),
    ("incident_date", "Incident date"),
    ("reported_date", "Reported date"),
    ("claimed_amount", "Claimed amount"),
    ("coverage_limit", "Coverage limit"),
    ("deductible", "Deductible"),
    ("police_report", "Police report"),
    ("receipts", "Receipts"),
    ("prior_claims_12m", "Prior claims (last 12 months)"),
    ("description", "Description"),
)
NOT_PROVIDED = "Not provided"
_MONEY_COLUMNS = ("claimed_amount", "coverage_limit", "deductible")
_DATE_COLUMNS = ("policy_start", "incident_date", "reported_date")


def _exclusions_text() -> str:
    return "; ".join(f"{line}: {', '.join(causes)}" for line, causes in EXCLUDED_CAUSES.items())


TRIAGE_SYSTEM_PROMPT = (
    "You are the claims triage assistant of Harbor Mutual, an insurer. You read one claim form and make exactly "
    "one decision: approve, deny, or escalate (send the claim to a human adjuster).\n"
    "Policy, in this order:\n"
    "1. Deny clear exclusions: the incident happened before the policy started; the cause is excluded for the "
    f"line ({_exclusions_text()}); or the claimed amount does not exceed the deductible.\n"
    "2. Escalate when required information is missing: any field marked 'Not provided'; no police report for "
    f"{', '.join(POLICE_REPORT_CAUSES)}; no receipts, or only partial receipts for more than "
    f"${PARTIAL_RECEIPTS_LIMIT:,}.\n"
    f"3. Escalate when there are fraud signals: the incident within {EARLY_INCIDENT_DAYS} days of the policy "
    f"start; a claimed amount of {NEAR_LIMIT_SHARE:.0%} or more of the coverage limit; {MANY_PRIOR_CLAIMS} or "
    f"more prior claims in 12 months; reported more than {LATE_REPORT_DAYS} days after the incident; a "
    f"description that states an amount more than {AMOUNT_MISMATCH:.0%} away from the claimed amount.\n"
    "4. Escalate when the description is ambiguous about what happened or what caused the loss.\n"
    "5. Escalate when the claimed amount is above the coverage limit.\n"
    "6. Approve complete, covered claims with none of the above.\n"
    'Answer only with JSON: {"decision": "approve" | "deny" | "escalate", "reason": "<one sentence>"}'
)


def load_claims() -> pd.DataFrame:
    """The shipped claims, one row each, with dates parsed and empty form fields as missing values.

    Form fields the claimant left blank are NaN/NaT (pandas' missing value), so ``df.isna()`` finds them. The
    list columns ``missing_fields`` and ``fraud_signals`` are semicolon-separated text, "" when there is none.
    Text such as "none" (in ``ambiguity``) stays text: only empty cells are read as missing.
    """
    df = pd.read_csv(data_file("claims.csv"), keep_default_na=False, na_values=[""])
    for column in _DATE_COLUMNS:
        df[column] = pd.to_datetime(df[column], format="%Y-%m-%d")
    for column in ("missing_fields", "fraud_signals"):
        df[column] = df[column].fillna("")
    return df


def load_costs() -> dict:
    """The illustrative cost matrix: ``load_costs()["cost"][correct_decision][model_decision]`` in dollars.

    The numbers are for teaching, not industry figures (the file's "note" says so); change them to your own
    business's numbers and the ranking of two models can change, which is the point of costing mistakes.
    """
    with open(data_file("claim_costs.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, str) and not value.strip()


def _money(value) -> str:
    amount = float(value)
    return f"${amount:,.0f}" if amount.is_integer() else f"${amount:,.2f}"


def _render(column: str, value) -> str:
    if _is_missing(value):
        return NOT_PROVIDED
    if column in _MONEY_COLUMNS and not isinstance(value, str):
        return _money(value)
    if column in _DATE_COLUMNS and hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if column == "prior_claims_12m" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _as_mapping(row) -> Mapping:
    if isinstance(row, (Mapping, pd.Series)):
        return row
    if hasattr(row, "_asdict"):  # a row from df.itertuples()
        return row._asdict()
    raise InputTypeError(
        f"Expected one claim as a row of the claims table (or a dict), got {type(row).__name__}. "
        "Loop with `for _, row in claims.iterrows():` and pass `row`."
    )


def format_claim(row) -> str:
    """The user message for one claim: a labelled form, one field per line, blank fields as "Not provided".

    Only the form is shown; the adjuster's answer columns never reach the model. A dict with some of the
    fields is fine (the others show as "Not provided"), which is how a learner writes a claim of their own.

    >>> print(format_claim({"claim_id": "C-999", "line": "gadget", "claimed_amount": 320.5}).splitlines()[:3])
    ['Claim ID: C-999', 'Line: gadget', 'Cause: Not provided']
    """
    row = _as_mapping(row)
    if not any(column in row.keys() for column, _ in FORM):
        raise MissingColumnError(
            "This row has none of the claim form's fields. Pass a row of load_claims() or a dict with keys "
            f"such as {', '.join(repr(column) for column, _ in FORM[:4])}."
        )
    return "\n".join(f"{label}: {_render(column, row.get(column))}" for column, label in FORM)


def triage_messages(row) -> list[dict]:
    """The chat messages for one claim, ready for ``client.chat.completions.create(messages=...)``."""
    return [
        {"role": "system", "content": TRIAGE_SYSTEM_PROMPT},
        {"role": "user", "content": format_claim(row)},
    ]


_SYNONYMS = {
    "approve": "approve",
    "approved": "approve",
    "approval": "approve",
    "accept": "approve",
    "pay": "approve",
    "deny": "deny",
    "denied": "deny",
    "denial": "deny",
    "decline": "deny",
    "declined": "deny",
    "reject": "deny",
    "rejected": "deny",
    "escalate": "escalate",
    "escalated": "escalate",
    "escalation": "escalate",
    "refer": "escalate",
    "review": "escalate",
}
_WORDS = "|".join(sorted(_SYNONYMS, key=len, reverse=True))
_LABELLED = re.compile(rf"\bdecision\b\W{{0,5}}({_WORDS})\b", re.IGNORECASE)
_BARE = re.compile(r"\b(approve|approved|deny|denied|escalate|escalated)\b", re.IGNORECASE)
_NEGATED = re.compile(
    r"\b(not|never|cannot|can't|won't|shouldn't|don't|no need to)\s+(be\s+)?"
    r"(approve|approved|deny|denied|escalate|escalated)\b",
    re.IGNORECASE,
)


def _from_json(text: str) -> tuple[bool, str | None]:
    """(found, decision) from the first JSON object with a "decision" key; decision is None if unknown."""
    for match in re.finditer(r"\{[^{}]*\}", text, re.DOTALL):
        try:
            data = json.loads(match.group(0))
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            if str(key).strip().lower() == "decision":
                label = value.strip().strip(".").lower() if isinstance(value, str) else ""
                return True, _SYNONYMS.get(label)
    return False, None


def parse_decision(text: str | None) -> str | None:
    """The decision in a model's reply, as "approve", "deny" or "escalate"; None if it cannot be told.

    Read in this order: a JSON object with a "decision" key (also inside a code fence or surrounded by prose);
    a labelled line such as "Decision: escalate"; otherwise a reply that names exactly one of the three
    decisions once negated mentions ("do not approve") are set aside. Anything else (no decision, two
    different ones, an unknown word in the JSON) is None, because guessing would score the parser rather than
    the model.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise InputTypeError(f"parse_decision reads the text of a model reply; got {type(text).__name__}.")
    if "{" in text:
        found, decision = _from_json(text)
        if found:
            return decision
    labelled = _LABELLED.search(text)
    if labelled:
        return _SYNONYMS[labelled.group(1).lower()]
    named = {_SYNONYMS[word.lower()] for word in _BARE.findall(_NEGATED.sub(" ", text))}
    return named.pop() if len(named) == 1 else None


def _labels(values, what: str) -> pd.Series:
    """``values`` as a Series of decision labels, or a learner-facing error that names the problem."""
    if isinstance(values, str) or not hasattr(values, "__len__"):
        raise InputTypeError(
            f"{what} must be a list or a column of decisions (one per claim), got {type(values).__name__}."
        )
    series = pd.Series(list(values), dtype=object)
    missing = [i for i, value in enumerate(series) if _is_missing(value)]
    if missing:
        raise InputError(
            f"{what} has {len(missing)} missing decision(s), at position(s) {missing[:10]}. A reply that "
            "parse_decision could not read is None: decide what the product does with it first, for example "
            "send it to a human with `decisions.fillna('escalate')`."
        )
    cleaned = series.map(lambda value: str(value).strip().lower())
    unknown = sorted({str(v) for v, c in zip(series, cleaned, strict=True) if c not in DECISIONS})
    if unknown:
        raise InputError(
            f"{what} contains the unknown decision label(s) {unknown}; the allowed labels are "
            f"{', '.join(DECISIONS)}. Use parse_decision() to turn a reply into a label."
        )
    return cleaned


def _pair(correct, decided) -> tuple[pd.Series, pd.Series]:
    correct, decided = _labels(correct, "correct"), _labels(decided, "decided")
    if len(correct) != len(decided):
        raise InputError(
            f"correct has {len(correct)} decisions but decided has {len(decided)}; pass one decision of each "
            "per claim, in the same order."
        )
    if len(correct) == 0:
        raise InputError("There are no decisions to score. Triage some claims first.")
    return correct, decided


def _matrix(costs) -> pd.Series:
    """The cost matrix as a Series indexed by (correct, decided), checked to have all nine numbers."""
    if costs is None:
        costs = load_costs()
    if not isinstance(costs, Mapping):
        raise InputTypeError(f"costs must be a dict like load_costs() returns, got {type(costs).__name__}.")
    matrix = costs.get("cost", costs)
    values = {}
    for correct in DECISIONS:
        for decided in DECISIONS:
            try:
                value = matrix[correct][decided]
            except (KeyError, TypeError):
                raise InputError(
                    f"The cost matrix has no cost for correct={correct!r}, decided={decided!r}. It needs a number "
                    'for each pair, as in load_costs()["cost"][correct][decided].'
                ) from None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InputError(
                    f"The cost for correct={correct!r}, decided={decided!r} must be a number of dollars; "
                    f"got {value!r}."
                )
            values[(correct, decided)] = float(value)
    return pd.Series(values)


def expected_cost(correct, decided, costs: Mapping | None = None) -> float:
    """Mean cost per claim in dollars: the average of ``cost[correct][decided]`` over the claims.

    ``costs`` is the dict from :func:`load_costs` (the default) or its inner ``"cost"`` matrix. A mean per claim,
    not a total, so data sets of different sizes compare directly.
    """
    correct, decided = _pair(correct, decided)
    matrix = _matrix(costs)
    return float(matrix.reindex(pd.MultiIndex.from_arrays([correct, decided])).mean())


def escalation_accuracy(correct, decided) -> float:
    """Accuracy of the binary call "escalate or not", over all claims.

    A claim counts as right when the model escalated and the adjuster's rules say escalate, or when neither
    did. Approve-versus-deny mix-ups do not count against it: this number isolates whether the model knows
    when a human must look, which is where the costly mistakes hide.
    """
    correct, decided = _pair(correct, decided)
    return float(((correct == "escalate") == (decided == "escalate")).mean())


def policy_compliance(correct, decided) -> float:
    """Share of decisions that match the adjuster's rules exactly (plain three-way accuracy)."""
    correct, decided = _pair(correct, decided)
    return float((correct == decided).mean())


def reversals(correct, decided) -> int:
    """How many final decisions would later have to be reversed.

    A reversal is an approve or a deny that differs from the adjuster's decision: money paid that should not
    have been, or a customer refused who should not have been. An escalation is never reversed; a human makes
    the final call, at the price of the review fee.
    """
    correct, decided = _pair(correct, decided)
    return int((decided.isin(["approve", "deny"]) & (decided != correct)).sum())


def score_triage(df: pd.DataFrame, column: str = "decision", costs: Mapping | None = None) -> pd.DataFrame:
    """The four business numbers for one model's decisions, as a one-row table indexed by ``column``.

    ``df`` needs ``correct_decision`` and the model's decisions in ``column`` (default "decision"). The row
    holds the number of claims, policy compliance, escalation accuracy, reversals and the expected cost per
    claim in dollars. To compare models kept in one column each, stack their rows:
    ``pd.concat([score_triage(df, column=m) for m in ["atlas-1", "beacon-1"]])``.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputTypeError(
            f"Expected a table of triaged claims (a pandas DataFrame), got {type(df).__name__}."
        )
    absent = [name for name in ("correct_decision", column) if name not in df.columns]
    if absent:
        raise MissingColumnError(
            f"The table has no column(s) {absent}. It needs 'correct_decision' (from load_claims()) and the "
            f"model's decisions in {column!r}; pass column=... if they are in another column."
        )
    correct, decided = df["correct_decision"], df[column]
    row = {
        "claims": len(df),
        "policy_compliance": policy_compliance(correct, decided),
        "escalation_accuracy": escalation_accuracy(correct, decided),
        "reversals": reversals(correct, decided),
        "expected_cost_per_claim": expected_cost(correct, decided, costs),
    }
    return pd.DataFrame([row], index=pd.Index([column], name="decisions"))
