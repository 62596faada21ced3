"""How the simulated models triage a Harbor Mutual insurance claim.

The simulator calls :func:`looks_like_claim` on the last user message of every chat request and, when it says
yes, :func:`respond` for the decision, a dict ``{"decision": ..., "reason": ...}`` (rendered as JSON, or with
:func:`to_text` for a request that did not ask for JSON).

Both models work from the text of the claim form only: :func:`read_form` parses the labelled fields, tolerating
missing lines and "Not provided", and :func:`findings` checks them against the policy in
:mod:`evalbook.claims`. Nothing is looked up in the shipped data, so a claim a learner types gets the same
treatment as a shipped one, and the hidden ``correct_decision`` column is never consulted.

- beacon-1 (and any other model name) follows the policy: it denies clear exclusions and escalates missing
  information, fraud signals, ambiguous descriptions and amounts over the limit. Its flaws: it also sends about
  15% of clean claims to an adjuster (:data:`BEACON_OVER_ESCALATES`), and its reasons are terse.
- atlas-1, the benchmark champion, writes fluent, confident reasons and knows the exclusions, though it skips
  those checks on 20% of claims. It reads the details of the case carelessly: it overlooks fraud signals 60% of
  the time, missing information 50% of the time and ambiguity 70% of the time, approving the claim instead, so
  it rarely escalates (it always escalates an amount over the limit). It also denies half of the legitimate
  claims whose circumstances are unusual (a deer, a parrot, a golf ball), citing an exclusion the policy does
  not have.

Every random choice is a named draw on the request's :class:`~evalbook.sim.draw.Draw`, so the same request
always gets the same reply.
"""

from __future__ import annotations

import datetime as dt
import re

from ..course.harbor import (
    AMOUNT_MISMATCH,
    EARLY_INCIDENT_DAYS,
    EXCLUDED_CAUSES,
    FORM,
    LATE_REPORT_DAYS,
    MANY_PRIOR_CLAIMS,
    NEAR_LIMIT_SHARE,
    PARTIAL_RECEIPTS_LIMIT,
    POLICE_REPORT_CAUSES,
)
from .draw import Draw

ATLAS = "atlas-1"
BEACON = "beacon-1"

# --- Behaviour rates (each is the probability of one named draw, "claims.<name>") ------------------------------
# beacon-1 sends this share of claims it would approve to an adjuster anyway: caution that costs a review fee.
BEACON_OVER_ESCALATES = 0.15
# atlas-1 overlooks a claim's fraud signals with this probability (and then approves it if nothing else stops it).
ATLAS_MISSES_FRAUD = 0.6
# atlas-1 overlooks missing information (a "Not provided" field, no police report, no receipts) this often.
ATLAS_MISSES_MISSING = 0.5
# atlas-1 reads an ambiguous description charitably, as the covered version of events, this often.
ATLAS_MISSES_AMBIGUITY = 0.7
# atlas-1 skips the exclusion checks (before policy start, excluded cause, under the deductible) this often.
ATLAS_MISSES_EXCLUSION = 0.2
# atlas-1 denies a claim it would otherwise approve when the circumstances are unusual (see UNUSUAL_WORDS).
ATLAS_DENIES_UNUSUAL = 0.5

# Phrases that make a description ambiguous about what happened: the claimant is hedging about the cause.
HEDGES = (
    "not sure",
    "unsure",
    "or maybe",
    "could have been",
    "might have been",
    "may have been",
    "may have",
    "can't tell",
    "cannot tell",
    "don't know if",
    "don't know whether",
    "no idea",
)
# Circumstances that are covered but rarely seen, which atlas-1 mistakes for exclusions: word -> how to name it.
UNUSUAL_WORDS = {
    "deer": "a deer",
    "trampoline": "a trampoline",
    "golf ball": "a golf ball",
    "lightning": "lightning",
    "jellyfish": "a jellyfish",
    "parrot": "a parrot",
    "fish tank": "a fish tank",
    "squirrel": "a squirrel",
    "squirrels": "squirrels",
    "goat": "a goat",
    "monkey": "a monkey",
    "kangaroo": "a kangaroo",
    "meteorite": "a meteorite",
}

LABELS = dict(FORM)  # column -> label
_LABEL_PATTERN = {
    "prior_claims_12m": r"prior claims[^:\n]*",
}
_LINE_RE = re.compile(
    r"^[ \t]*[-*]?[ \t]*("
    + "|".join(_LABEL_PATTERN.get(column, re.escape(label)) for column, label in FORM)
    + r")[ \t]*:[ \t]*(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_COLUMN_OF = {label.lower(): column for column, label in FORM}
_NOT_GIVEN = {"", "not provided", "unknown", "none given", "-", "n/p"}
_LINES = {
    "auto": "auto",
    "car": "auto",
    "motor": "auto",
    "home": "home",
    "house": "home",
    "travel": "travel",
    "gadget": "gadget",
    "gadgets": "gadget",
    "phone": "gadget",
    "phone/gadget": "gadget",
}
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y")
_DOLLARS = re.compile(r"\$\s?(\d[\d,]*(?:\.\d{1,2})?)")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_REQUIRED = tuple(column for column, _ in FORM if column not in ("claim_id", "prior_claims_12m"))


def profile(model: str) -> str:
    """The behaviour profile of a model name: atlas-1 is itself, every other name behaves like beacon-1."""
    return ATLAS if model == ATLAS else BEACON


def _column(label: str) -> str:
    label = label.lower()
    return "prior_claims_12m" if label.startswith("prior claims") else _COLUMN_OF[label]


def _fields(text: str) -> dict[str, str]:
    """Raw text of each labelled field; a description runs on over following lines that carry no label."""
    found: dict[str, str] = {}
    matches = list(_LINE_RE.finditer(text))
    for i, match in enumerate(matches):
        column = _column(match.group(1))
        value = match.group(2)
        if column == "description":
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            value = text[match.start(2) : end]
        found.setdefault(column, " ".join(value.split()))
    return found


def _date(value: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _amount(value: str) -> float | None:
    match = _NUMBER.search(value)
    return float(match.group(0).replace(",", "")) if match else None


def read_form(text: str) -> dict:
    """The claim form in ``text`` as typed values; a field that is absent, "Not provided" or unreadable is None.

    Dates may be written 2025-11-02, 02/11/2025 or 2 November 2025; amounts as $1,250.00 or 1250.
    """
    raw = _fields(text)
    form: dict = {}
    for column, _ in FORM:
        value = raw.get(column)
        if value is None or value.strip().lower() in _NOT_GIVEN:
            form[column] = None
            continue
        lowered = value.strip().lower()
        if column in ("policy_start", "incident_date", "reported_date"):
            form[column] = _date(value.strip())
        elif column in ("claimed_amount", "coverage_limit", "deductible"):
            form[column] = _amount(value)
        elif column == "prior_claims_12m":
            number = _amount(value)
            form[column] = int(number) if number is not None else None
        elif column == "line":
            form[column] = _LINES.get(lowered, lowered)
        elif column == "police_report":
            form[column] = "not applicable" if lowered in ("n/a", "na", "not applicable") else lowered
        elif column in ("cause", "receipts"):
            form[column] = lowered
        else:
            form[column] = value.strip()
    return form


def looks_like_claim(text: str) -> bool:
    """True for a claim form: at least three labelled form fields, one of them the claim ID, the claimed amount
    or the description. Shop conversations ("Order ID: ...") do not have that shape."""
    if not isinstance(text, str):
        return False
    columns = {_column(match.group(1)) for match in _LINE_RE.finditer(text)}
    return len(columns) >= 3 and bool(columns & {"claim_id", "claimed_amount", "description"})


def _money(amount: float) -> str:
    return f"${amount:,.0f}" if float(amount).is_integer() else f"${amount:,.2f}"


def findings(form: dict) -> dict:
    """What the policy says about this form, in the policy's order; the simulated models act on these.

    Keys: ``exclusion`` (a reason to deny, or None), ``missing`` (column names), ``signals`` (fraud-signal
    codes mapped to the words that explain them), ``ambiguous`` (the description hedges about the cause),
    ``over_limit``, and ``unusual`` (the unusual circumstance named in the description, or None).
    """
    line, cause = form["line"], form["cause"] or ""
    start, incident, reported = form["policy_start"], form["incident_date"], form["reported_date"]
    amount, limit, deductible = form["claimed_amount"], form["coverage_limit"], form["deductible"]
    description = (form["description"] or "").lower().replace("\u2019", "'")

    exclusion = None
    if incident and start and incident < start:
        exclusion = ("before_start", f"the incident predates the policy start of {start.isoformat()}")
    elif cause and any(excluded in cause for excluded in EXCLUDED_CAUSES.get(line, ())):
        exclusion = ("excluded_cause", f"the {line} policy excludes {cause}")
    elif amount is not None and deductible is not None and amount <= deductible:
        exclusion = (
            "below_deductible",
            f"the {_money(amount)} claimed is within the {_money(deductible)} deductible",
        )

    missing = [column for column in _REQUIRED if form[column] is None]
    if form["police_report"] == "no" and any(word in cause for word in POLICE_REPORT_CAUSES):
        missing.append("police_report")
    receipts = form["receipts"]
    if receipts == "no" or (receipts == "partial" and amount is not None and amount > PARTIAL_RECEIPTS_LIMIT):
        missing.append("receipts")
    missing = [column for column, _ in FORM if column in missing]

    signals: dict[str, str] = {}
    if incident and start and 0 <= (incident - start).days <= EARLY_INCIDENT_DAYS:
        signals["early_incident"] = (
            f"the incident came {(incident - start).days} days after the policy started"
        )
    if amount is not None and limit and NEAR_LIMIT_SHARE * limit <= amount <= limit:
        signals["near_limit"] = (
            f"the {_money(amount)} claimed is {amount / limit:.0%} of the {_money(limit)} limit"
        )
    if (form["prior_claims_12m"] or 0) >= MANY_PRIOR_CLAIMS:
        signals["many_prior_claims"] = f"{form['prior_claims_12m']} claims in the last 12 months"
    if incident and reported and (reported - incident).days > LATE_REPORT_DAYS:
        signals["late_report"] = f"it was reported {(reported - incident).days} days after the incident"
    if amount is not None:
        stated = [float(m.replace(",", "")) for m in _DOLLARS.findall(form["description"] or "")]
        far = [value for value in stated if abs(value - amount) > AMOUNT_MISMATCH * amount]
        if far:
            signals["inconsistent_description"] = (
                f"the description mentions {_money(far[0])} against {_money(amount)} claimed"
            )

    unusual = next((w for w in UNUSUAL_WORDS if re.search(rf"\b{re.escape(w)}\b", description)), None)
    return {
        "exclusion": exclusion,
        "missing": missing,
        "signals": signals,
        "ambiguous": any(hedge in description for hedge in HEDGES),
        "over_limit": amount is not None and limit is not None and amount > limit,
        "unusual": unusual,
    }


_TERSE_SIGNALS = {
    "early_incident": "early incident",
    "near_limit": "near limit",
    "many_prior_claims": "many prior claims",
    "late_report": "late report",
    "inconsistent_description": "amounts disagree",
}


# --- beacon-1: the policy, tersely -----------------------------------------------------------------------------
def _beacon(form: dict, found: dict, draw: Draw) -> dict:
    exclusion = found["exclusion"]
    if exclusion:
        kind = exclusion[0]
        reason = {
            "before_start": "Incident before policy start.",
            "excluded_cause": f"Excluded cause: {form['cause']}.",
            "below_deductible": "Amount within deductible.",
        }[kind]
        return {"decision": "deny", "reason": reason}
    if found["missing"]:
        words = ", ".join(LABELS[column].lower() for column in found["missing"])
        return {"decision": "escalate", "reason": f"Missing: {words}."}
    if found["signals"]:
        words = ", ".join(_TERSE_SIGNALS[code] for code in found["signals"])
        return {"decision": "escalate", "reason": f"Fraud signals: {words}."}
    if found["ambiguous"]:
        return {"decision": "escalate", "reason": "Cause unclear."}
    if found["over_limit"]:
        return {"decision": "escalate", "reason": "Over coverage limit."}
    if draw.chance("claims.beacon_over_escalates", BEACON_OVER_ESCALATES):
        reason = draw.choice(
            "claims.beacon_caution", ("Adjuster check advised.", "Refer to be safe.", "Needs review.")
        )
        return {"decision": "escalate", "reason": reason}
    return {"decision": "approve", "reason": "Covered. Documented."}


# --- atlas-1: fluent and sure of itself --------------------------------------------------------------------------
_ATLAS_APPROVE = (
    "This is a straightforward {line} claim: {cause} is a covered peril, the {amount} claimed sits comfortably "
    "within the {limit} limit, and the account is clear and consistent, so it can be approved without delay.",
    "The loss described is a textbook {cause} event under {a_line} policy, the {amount} claimed is well under "
    "the {limit} limit and the documentation supports it; approving promptly is the right outcome.",
    "Everything here points to a genuine, covered loss: the customer explains plainly what happened, the claim "
    "is within the {limit} limit, and there is no reason to hold up payment of {amount}.",
)
_ATLAS_DENY = {
    "before_start": "The incident happened before the policy began ({detail}), so no cover was in force at the "
    "time and the claim has to be declined.",
    "excluded_cause": "Although the loss is genuine, {detail}: it falls outside what the policy covers, and the "
    "claim should be denied.",
    "below_deductible": "Nothing is payable here, because {detail}; the claim should be declined.",
}
_ATLAS_UNUSUAL = (
    "Damage involving {thing} is not one of the named perils {a_line} policy is written for; losses of this "
    "unusual kind are typically excluded, so the claim should be declined.",
    "The account is vivid, but {thing} makes this an unusual loss that standard {line} wordings do not "
    "cover, and the claim should be denied.",
)
_ATLAS_ESCALATE = (
    "On balance this claim deserves a closer look by an adjuster: {detail}. A short review protects both the "
    "customer and Harbor Mutual.",
    "Before any payment, an adjuster should review this one, because {detail}; everything else is in order.",
)


def _atlas(form: dict, found: dict, draw: Draw) -> dict:
    line = form["line"] or "general"
    facts = {
        "line": line,
        "a_line": f"an {line}" if line[:1] in "aeiou" else f"a {line}",
        "cause": form["cause"],
        "amount": _money(form["claimed_amount"]) if form["claimed_amount"] is not None else "amount",
        "limit": _money(form["coverage_limit"]) if form["coverage_limit"] is not None else "policy",
    }
    exclusion = found["exclusion"]
    if exclusion and not draw.chance("claims.atlas_misses_exclusion", ATLAS_MISSES_EXCLUSION):
        return {"decision": "deny", "reason": _ATLAS_DENY[exclusion[0]].format(detail=exclusion[1])}
    noticed = []
    if found["missing"] and not draw.chance("claims.atlas_misses_missing", ATLAS_MISSES_MISSING):
        noticed.append(f"the {LABELS[found['missing'][0]].lower()} is not on file")
    if found["signals"] and not draw.chance("claims.atlas_misses_fraud", ATLAS_MISSES_FRAUD):
        noticed.append(next(iter(found["signals"].values())))
    if found["ambiguous"] and not draw.chance("claims.atlas_misses_ambiguity", ATLAS_MISSES_AMBIGUITY):
        noticed.append("the description leaves the cause of the loss open")
    if found["over_limit"]:
        noticed.append(f"the {facts['amount']} claimed exceeds the {facts['limit']} limit")
    if noticed:
        template = draw.choice("claims.atlas_escalate_wording", _ATLAS_ESCALATE)
        return {"decision": "escalate", "reason": template.format(detail=noticed[0])}
    if found["unusual"] and draw.chance("claims.atlas_denies_unusual", ATLAS_DENIES_UNUSUAL):
        template = draw.choice("claims.atlas_unusual_wording", _ATLAS_UNUSUAL)
        return {"decision": "deny", "reason": template.format(thing=UNUSUAL_WORDS[found["unusual"]], **facts)}
    # Without a cause on the form only the wording that does not name one reads naturally.
    wordings = _ATLAS_APPROVE if form["cause"] else tuple(t for t in _ATLAS_APPROVE if "{cause}" not in t)
    template = draw.choice("claims.atlas_approve_wording", wordings)
    return {"decision": "approve", "reason": template.format(**facts)}


def respond(model: str, text: str, draw: Draw) -> dict:
    """The triage decision of ``model`` for the claim form in ``text``: ``{"decision": ..., "reason": ...}``."""
    form = read_form(text if isinstance(text, str) else "")
    found = findings(form)
    if profile(model) == ATLAS:
        return _atlas(form, found, draw)
    return _beacon(form, found, draw)


def to_text(result: dict) -> str:
    """A decision as plain text, for a request that did not ask for JSON."""
    return f"Decision: {result['decision']}\nReason: {result['reason']}"
