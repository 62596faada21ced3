"""Generate Harbor Mutual's insurance claims: ``claims.csv`` and ``claim_costs.json``.

Harbor Mutual is a fictional insurer and every claim is invented. Each claim is written by hand below as a
scenario (line, cause, a description in the claimant's words, and what kind of case it is meant to be); a
``random.Random`` with a fixed seed fills in the dates, amounts, limits and deductibles within ranges that keep
the case what it is meant to be. The ground truth is then *computed*, not copied from the scenario: the
fictional senior adjuster's rules (:func:`adjuster_decision`) read the finished fields and decide, and the
generator refuses to write a file in which the rules disagree with what a scenario was written to show.

Run it from the repository root (it writes into ``data/``)::

    python data/generators/claims.py
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from pathlib import Path

SEED = 20260301

COLUMNS = (
    "claim_id",
    "line",
    "cause",
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
)

# ---------------------------------------------------------------------------------------------------------------
# The senior adjuster's rules. evalbook.claims states the same policy to the model; tests check they agree.
# ---------------------------------------------------------------------------------------------------------------
EXCLUDED_CAUSES = {
    "auto": ("mechanical breakdown", "wear and tear", "racing event"),
    "home": ("flood", "gradual leak", "wear and tear", "pests"),
    "travel": ("change of plans", "pre-existing condition"),
    "gadget": ("lost or misplaced", "cosmetic damage"),
}
POLICE_REPORT_CAUSES = ("theft", "burglary", "vandalism", "hit-and-run")
PARTIAL_RECEIPTS_LIMIT = 1000  # partial receipts are enough up to this claimed amount, in dollars
EARLY_INCIDENT_DAYS = 14  # an incident this many days or fewer after the policy started is a fraud signal
NEAR_LIMIT_SHARE = 0.9  # a claim between 90% and 100% of the coverage limit is a fraud signal
MANY_PRIOR_CLAIMS = 3  # this many claims or more in the last 12 months is a fraud signal
LATE_REPORT_DAYS = 30  # reporting more than this many days after the incident is a fraud signal
AMOUNT_MISMATCH = 0.2  # a dollar amount in the description more than 20% away from the claimed amount

# Blank form fields that count as missing information (claim_id, policy data and prior claims come from the
# insurer's own records and are never blank).
FORM_FIELDS = ("cause", "incident_date", "claimed_amount", "police_report", "receipts", "description")

_DOLLARS = re.compile(r"\$\s?(\d[\d,]*(?:\.\d{1,2})?)")


def money(amount: float) -> str:
    """Dollars as a claimant writes them: $1,238.40, or $950 for a whole amount."""
    return f"${amount:,.0f}" if float(amount).is_integer() else f"${amount:,.2f}"


def missing_fields(claim: dict) -> list[str]:
    """The information an adjuster would have to chase before deciding, as column names.

    A blank form field is missing. So is a police report for a crime (theft, burglary, vandalism, hit-and-run)
    when the answer is "no", and receipts when the answer is "no", or "partial" for more than $1,000.
    """
    missing = [name for name in FORM_FIELDS if claim[name] in ("", None)]
    cause = claim["cause"] or ""
    if claim["police_report"] == "no" and any(word in cause for word in POLICE_REPORT_CAUSES):
        missing.append("police_report")
    amount = claim["claimed_amount"]
    if claim["receipts"] == "no" or (
        claim["receipts"] == "partial" and amount not in ("", None) and amount > PARTIAL_RECEIPTS_LIMIT
    ):
        missing.append("receipts")
    return sorted(set(missing), key=COLUMNS.index)


def fraud_signals(claim: dict) -> list[str]:
    """The fraud signals the adjuster checks, each computable from the fields alone."""
    signals = []
    start, incident, reported = claim["policy_start"], claim["incident_date"], claim["reported_date"]
    amount, limit = claim["claimed_amount"], claim["coverage_limit"]
    if incident and 0 <= (incident - start).days <= EARLY_INCIDENT_DAYS:
        signals.append("early_incident")
    if amount not in ("", None) and NEAR_LIMIT_SHARE * limit <= amount <= limit:
        signals.append("near_limit")
    if claim["prior_claims_12m"] >= MANY_PRIOR_CLAIMS:
        signals.append("many_prior_claims")
    if incident and (reported - incident).days > LATE_REPORT_DAYS:
        signals.append("late_report")
    if amount not in ("", None):
        stated = [float(m.replace(",", "")) for m in _DOLLARS.findall(claim["description"] or "")]
        if any(abs(value - amount) > AMOUNT_MISMATCH * amount for value in stated):
            signals.append("inconsistent_description")
    return signals


def _signal_detail(claim: dict, signal: str) -> str:
    """One fraud signal in words, with the numbers that raised it."""
    amount, limit = claim["claimed_amount"], claim["coverage_limit"]
    if signal == "early_incident":
        return f"the incident was {(claim['incident_date'] - claim['policy_start']).days} days after the policy started"
    if signal == "near_limit":
        return f"the claimed {money(amount)} is {amount / limit:.0%} of the {money(limit)} limit"
    if signal == "many_prior_claims":
        return f"{claim['prior_claims_12m']} claims in the last 12 months"
    if signal == "late_report":
        return f"it was reported {(claim['reported_date'] - claim['incident_date']).days} days after the incident"
    stated = ", ".join(money(float(m.replace(",", ""))) for m in _DOLLARS.findall(claim["description"]))
    return f"the description states {stated} against a claimed {money(amount)}"


def adjuster_decision(claim: dict) -> tuple[str, str]:
    """The senior adjuster's decision and a one-sentence reason, by rules applied in this order.

    1. Deny if the incident happened before the policy started.
    2. Deny if the cause is excluded for the line.
    3. Deny if the claimed amount does not exceed the deductible.
    4. Escalate if information is missing (see :func:`missing_fields`).
    5. Escalate if there is any fraud signal (see :func:`fraud_signals`).
    6. Escalate if the description is highly ambiguous about what happened.
    7. Escalate if the claimed amount is above the coverage limit (an adjuster settles the partial payment).
    8. Otherwise approve.

    Clear exclusions come first: a claim that cannot be paid is denied even if it also has gaps or signals.
    """
    line, cause, amount = claim["line"], claim["cause"], claim["claimed_amount"]
    if claim["incident_date"] and claim["incident_date"] < claim["policy_start"]:
        days = (claim["policy_start"] - claim["incident_date"]).days
        return (
            "deny",
            f"Deny: the incident happened {days} days before the policy started, so it is not covered.",
        )
    if cause in EXCLUDED_CAUSES[line]:
        return "deny", f"Deny: the {line} policy excludes {cause}."
    if amount not in ("", None) and amount <= claim["deductible"]:
        return "deny", (
            f"Deny: the claimed {money(amount)} does not exceed the {money(claim['deductible'])} deductible, "
            "so nothing is payable."
        )
    missing, signals = missing_fields(claim), fraud_signals(claim)
    if missing:
        words = " and ".join(name.replace("_", " ") for name in missing)
        return "escalate", f"Escalate: the {words} must be obtained before the claim can be decided."
    if signals:
        details = "; ".join(_signal_detail(claim, signal) for signal in signals)
        return "escalate", f"Escalate: fraud signals need an adjuster's review ({details})."
    if claim["ambiguity"] == "high":
        return (
            "escalate",
            "Escalate: the description leaves unclear what caused the loss, and cover depends on it.",
        )
    if amount > claim["coverage_limit"]:
        return "escalate", (
            f"Escalate: the claimed {money(amount)} is above the {money(claim['coverage_limit'])} limit, "
            "so an adjuster must settle the partial payment."
        )
    return (
        "approve",
        f"Approve: a complete, covered {cause} claim within the limit and with no fraud signals.",
    )


# ---------------------------------------------------------------------------------------------------------------
# Scenarios. kind is one of: clean, excluded, before_start, below_deductible, missing, fraud, ambiguous,
# over_limit. Options: police, receipts, blank (fields left empty), signals (fraud signals to create), amount
# (the range of the claimed amount when the line's range would not fit the story), small/large (keep the amount
# at most / well above the $1,000 partial-receipts limit).
# {amount} in a description is the claimed amount; {other} is an amount far from it.
# ---------------------------------------------------------------------------------------------------------------
def S(line, cause, kind, ambiguity, description, **options) -> dict:
    return {
        "line": line,
        "cause": cause,
        "kind": kind,
        "ambiguity": ambiguity,
        "text": description,
        **options,
    }


NA = "not applicable"

SCENARIOS = [
    # --- auto, clean ---
    S(
        "auto",
        "collision",
        "clean",
        "none",
        "I was waiting at a red light on Harbor Road when a van rolled into "
        "the back of my car. The other driver admitted fault and we swapped details; the body shop estimate is "
        "attached.",
        police="yes",
    ),
    S(
        "auto",
        "collision",
        "clean",
        "low",
        "Reversing out of a tight space at the supermarket I caught a "
        "concrete bollard. The rear bumper is cracked and the parking sensor has stopped working.",
        police="no",
        amount=(600, 2500),
    ),
    S(
        "auto",
        "hail",
        "clean",
        "none",
        "A hailstorm went through town on Saturday afternoon while the car was "
        "parked outside. There are dozens of small dents across the roof and bonnet.",
        police=NA,
        amount=(1500, 6000),
    ),
    S(
        "auto",
        "windscreen",
        "clean",
        "none",
        "A stone thrown up by a lorry on the motorway chipped the "
        "windscreen, and the crack spread across the driver's side. The glass company replaced it the same week "
        "for {amount}.",
        police=NA,
        amount=(400, 1200),
    ),
    S(
        "auto",
        "theft",
        "clean",
        "none",
        "My car was stolen from the station car park overnight and found two "
        "days later with the ignition damaged and the stereo gone. The police report number is on the form.",
        police="yes",
    ),
    S(
        "auto",
        "vandalism",
        "clean",
        "low",
        "Someone keyed both doors on the passenger side while the car was "
        "parked on our street, some time during the night. I reported it to the police the next morning.",
        police="yes",
        amount=(800, 2500),
    ),
    S(
        "auto",
        "animal collision",
        "clean",
        "none",
        "A deer ran out of the trees on the county road and I could "
        "not stop in time. The bumper, grille and left headlight are smashed; the garage invoice is attached.",
        police=NA,
    ),
    S(
        "auto",
        "storm",
        "clean",
        "none",
        "During the storm a neighbour's trampoline was blown over the fence and "
        "landed on my parked car, denting the roof and cracking the rear window.",
        police=NA,
    ),
    S(
        "auto",
        "collision",
        "clean",
        "none",
        "I slid on black ice at low speed and hit the kerb, which bent the "
        "front wheel and damaged the suspension arm. Nobody else was involved.",
        police="no",
        amount=(900, 3000),
    ),
    S(
        "auto",
        "hit-and-run",
        "clean",
        "none",
        "My parked car was hit by another vehicle that drove off. A "
        "witness took part of the plate number and I passed it to the police; the driver's door and wing mirror "
        "need replacing.",
        police="yes",
    ),
    S(
        "auto",
        "fire",
        "clean",
        "none",
        "A fire in the shared garage under our block of flats spread to my car "
        "from the one parked next to it. The fire brigade's incident report is attached.",
        police=NA,
    ),
    S(
        "auto",
        "collision",
        "clean",
        "low",
        "Another car pulled out of a side street and clipped my front wing. "
        "We both think the other driver was at fault; the repair quote came to {amount}.",
        police="yes",
    ),
    S(
        "auto",
        "windscreen",
        "clean",
        "none",
        "Gravel from roadworks hit the windscreen on my way to work and "
        "left a long crack in the glass. It has already been replaced.",
        police=NA,
        amount=(400, 1200),
    ),
    # --- home, clean ---
    S(
        "home",
        "burst pipe",
        "clean",
        "none",
        "A pipe under the kitchen sink burst while we were at work and "
        "water spread across the kitchen floor. The plumber's invoice and the flooring quote are attached.",
        police=NA,
        amount=(2000, 9000),
    ),
    S(
        "home",
        "storm",
        "clean",
        "none",
        "High winds during the storm on Thursday night lifted several roof "
        "tiles, and one went through the skylight. A roofer made it watertight the next day.",
        police=NA,
        amount=(1000, 5000),
    ),
    S(
        "home",
        "fire",
        "clean",
        "low",
        "A pan of oil caught fire on the hob. We put it out with the fire blanket "
        "but the cooker hood, the wall cabinets and the ceiling are smoke damaged.",
        police=NA,
        amount=(2000, 8000),
    ),
    S(
        "home",
        "burglary",
        "clean",
        "none",
        "Our house was broken into while we were away for the weekend. A "
        "laptop, some jewellery and a television were taken and the back door lock was forced; the police "
        "attended on Sunday.",
        police="yes",
        amount=(2000, 8000),
    ),
    S(
        "home",
        "accidental damage",
        "clean",
        "none",
        "A golf ball from the course behind our garden came through "
        "the living-room window and cracked the glass of the patio door as well.",
        police=NA,
        amount=(400, 1800),
    ),
    S(
        "home",
        "fallen tree",
        "clean",
        "none",
        "An old oak in the neighbouring park came down in the wind and "
        "crushed our garden shed and part of the fence.",
        police=NA,
        amount=(1500, 5000),
    ),
    S(
        "home",
        "accidental damage",
        "clean",
        "none",
        "I dropped a heavy cast-iron pan on the ceramic hob and the "
        "glass top shattered. The replacement hob has been fitted and the receipt is attached.",
        police=NA,
        amount=(600, 1500),
    ),
    S(
        "home",
        "storm",
        "clean",
        "none",
        "Lightning struck the chimney during the thunderstorm and loose bricks "
        "fell through the conservatory roof.",
        police=NA,
        amount=(3000, 12000),
    ),
    S(
        "home",
        "burst pipe",
        "clean",
        "low",
        "We came home to water coming through the bathroom ceiling from the "
        "loft. The plumber found a split in the tank feed pipe, and the ceiling plaster has to be redone.",
        police=NA,
        amount=(1500, 5000),
    ),
    S(
        "home",
        "burglary",
        "clean",
        "low",
        "Somebody got into the garage, probably through the side door, and "
        "took two bicycles and a set of power tools. The police reference number is included.",
        police="yes",
        amount=(1500, 4000),
    ),
    S(
        "home",
        "accidental damage",
        "clean",
        "none",
        "While moving furniture we knocked a mirror into the "
        "television and cracked its screen. The repair shop says it is not worth fixing and a comparable set "
        "costs {amount}.",
        police=NA,
        amount=(500, 1500),
    ),
    S(
        "home",
        "fire",
        "clean",
        "none",
        "A candle left on the windowsill set the curtains alight. The fire was "
        "out within minutes, but the window frame, the curtains and the blinds were destroyed.",
        police=NA,
        amount=(800, 3000),
    ),
    # --- travel, clean ---
    S(
        "travel",
        "lost luggage",
        "clean",
        "none",
        "The airline lost my suitcase on the flight back from Lisbon "
        "and confirmed after three weeks that it cannot be found. I have the airline's lost-property report and "
        "receipts for the contents.",
        police=NA,
        amount=(800, 3000),
    ),
    S(
        "travel",
        "delayed luggage",
        "clean",
        "none",
        "My bag arrived four days after I landed in Oslo, so I had "
        "to buy clothes and toiletries for the conference. Receipts for everything are attached.",
        police=NA,
        amount=(200, 800),
    ),
    S(
        "travel",
        "medical emergency",
        "clean",
        "none",
        "I broke my wrist slipping on a wet ferry deck in Greece "
        "and was treated at the hospital on Naxos, including an X-ray and a cast.",
        police=NA,
        amount=(800, 3500),
    ),
    S(
        "travel",
        "medical emergency",
        "clean",
        "none",
        "I was stung by a jellyfish while snorkelling, had a "
        "strong reaction and was taken to a clinic, where they kept me in overnight.",
        police=NA,
        amount=(500, 2500),
    ),
    S(
        "travel",
        "trip cancellation",
        "clean",
        "none",
        "I had to cancel our trip to Rome because I was admitted "
        "to hospital with appendicitis two days before departure. The doctor's letter and the non-refundable "
        "bookings are attached.",
        police=NA,
        amount=(1000, 3500),
    ),
    S(
        "travel",
        "theft",
        "clean",
        "none",
        "My backpack with a camera and sunglasses was taken from the back of "
        "my chair in a café in Madrid. I reported it at the local police station the same day.",
        police="yes",
        amount=(400, 1500),
    ),
    S(
        "travel",
        "delayed luggage",
        "clean",
        "low",
        "The connecting flight left without my bag and it only "
        "turned up at the hotel on the third day. I bought a few basics in the meantime.",
        police=NA,
        receipts="partial",
        small=True,
        amount=(150, 600),
    ),
    S(
        "travel",
        "travel disruption",
        "clean",
        "none",
        "Our flight home was cancelled because of a strike and "
        "the airline could not rebook us for two days, so we paid for two extra nights at the hotel.",
        police=NA,
        amount=(300, 900),
    ),
    S(
        "travel",
        "lost luggage",
        "clean",
        "low",
        "My suitcase never arrived in Toronto. The airline's claim form "
        "lists the contents, and the receipts I kept add up to {amount}.",
        police=NA,
        amount=(600, 2500),
    ),
    S(
        "travel",
        "medical emergency",
        "clean",
        "low",
        "My son developed a high fever on the second day of our "
        "holiday in Spain and we took him to a private doctor, who prescribed antibiotics.",
        police=NA,
        amount=(200, 900),
    ),
    # --- gadget, clean ---
    S(
        "gadget",
        "accidental damage",
        "clean",
        "none",
        "I dropped my phone on the pavement getting out of a taxi "
        "and the screen shattered. The lower half of the touch screen no longer responds.",
        police=NA,
        amount=(150, 400),
    ),
    S(
        "gadget",
        "liquid damage",
        "clean",
        "none",
        "My laptop was on the kitchen table when a glass of water was "
        "knocked over it. It switched off and will not start again; the repair shop says the logic board is "
        "damaged.",
        police=NA,
        amount=(600, 1500),
    ),
    S(
        "gadget",
        "theft",
        "clean",
        "none",
        "My phone was taken from my jacket pocket on a crowded tram. I "
        "reported it to the police and have blocked the SIM.",
        police="yes",
        amount=(400, 1200),
    ),
    S(
        "gadget",
        "accidental damage",
        "clean",
        "none",
        "Our parrot knocked my tablet off the shelf onto the tiled "
        "floor; the screen is cracked and the case is bent.",
        police=NA,
        amount=(200, 700),
    ),
    S(
        "gadget",
        "liquid damage",
        "clean",
        "none",
        "My toddler dropped my phone into the fish tank, and it was "
        "under water for several minutes before we noticed.",
        police=NA,
        amount=(300, 1100),
    ),
    S(
        "gadget",
        "accidental damage",
        "clean",
        "low",
        "My headphones slipped off the desk and one earcup snapped "
        "off its hinge. I think the office chair rolled over them as well.",
        police=NA,
        receipts="partial",
        small=True,
        amount=(150, 450),
    ),
    S(
        "gadget",
        "accidental damage",
        "clean",
        "none",
        "I fell off my bike and my smartwatch hit the road; the "
        "glass and the heart-rate sensor are broken. The manufacturer quoted {amount} for the repair.",
        police=NA,
        amount=(200, 500),
    ),
    S(
        "gadget",
        "theft",
        "clean",
        "low",
        "My camera bag was stolen from the boot of my car at a trailhead car "
        "park. A window was smashed to get in; the police report is attached.",
        police="yes",
        amount=(600, 1500),
    ),
    S(
        "gadget",
        "accidental damage",
        "clean",
        "none",
        "I dropped my e-reader at the airport and the screen froze with a crack across it.",
        police=NA,
        receipts="partial",
        small=True,
        amount=(100, 250),
    ),
    S(
        "gadget",
        "liquid damage",
        "clean",
        "none",
        "Rain got into my bag on the cycle home and soaked my laptop. "
        "It worked for a day and then stopped charging.",
        police=NA,
        amount=(500, 1400),
    ),
    # --- deny: excluded causes ---
    S(
        "auto",
        "mechanical breakdown",
        "excluded",
        "none",
        "The gearbox failed on the motorway and the car had to "
        "be towed. The garage says the clutch and the gearbox both need replacing.",
        police=NA,
    ),
    S(
        "auto",
        "wear and tear",
        "excluded",
        "none",
        "At the annual service the tyres and brake pads were found "
        "to be worn down, and the garage replaced all four tyres and the front pads.",
        police=NA,
    ),
    S(
        "home",
        "flood",
        "excluded",
        "none",
        "The river broke its banks after a week of rain and water came into "
        "the ground floor to a depth of about a foot.",
        police=NA,
        signals=("many_prior_claims",),
        amount=(8000, 15000),
    ),
    S(
        "home",
        "gradual leak",
        "excluded",
        "none",
        "We found that the shower tray has been leaking slowly for "
        "months; the floorboards underneath have rotted and there is mould on the ceiling below.",
        police=NA,
        amount=(3000, 9000),
    ),
    S(
        "home",
        "pests",
        "excluded",
        "none",
        "Squirrels got into the loft and chewed through the insulation and "
        "some electrical cables. An electrician has rewired part of the upstairs.",
        police=NA,
        amount=(1500, 6000),
    ),
    S(
        "travel",
        "change of plans",
        "excluded",
        "none",
        "We decided not to go to the wedding in Dublin after all "
        "because of work commitments, and the hotel would not refund the booking.",
        police=NA,
        amount=(300, 1500),
    ),
    S(
        "travel",
        "pre-existing condition",
        "excluded",
        "none",
        "My long-standing back condition flared up a few "
        "days before the trip and my doctor advised me not to fly, so we cancelled.",
        police=NA,
        amount=(1000, 3500),
    ),
    S(
        "gadget",
        "lost or misplaced",
        "excluded",
        "low",
        "I think I left my phone on the bus or at the gym. I "
        "have looked everywhere and nobody has handed it in.",
        police=NA,
        amount=(300, 1100),
    ),
    S(
        "gadget",
        "cosmetic damage",
        "excluded",
        "none",
        "The back of my phone has some scratches and a scuff on "
        "one corner. It works fine, but it doesn't look new any more.",
        police=NA,
        amount=(100, 300),
    ),
    # --- deny: incident before the policy started ---
    S(
        "auto",
        "collision",
        "before_start",
        "none",
        "I hit a parked car while turning into our driveway and "
        "dented my front bumper and the other car's door.",
        police="no",
        amount=(800, 3000),
    ),
    S(
        "home",
        "storm",
        "before_start",
        "none",
        "The storm blew part of the garden wall down onto the patio and broke two paving slabs and a bench.",
        police=NA,
        amount=(1000, 4000),
    ),
    S(
        "gadget",
        "accidental damage",
        "before_start",
        "none",
        "My laptop slid off the sofa onto the floor and the hinge snapped.",
        police=NA,
        amount=(300, 1200),
    ),
    # --- deny: nothing payable after the deductible ---
    S(
        "auto",
        "windscreen",
        "below_deductible",
        "none",
        "A small chip in the windscreen was filled by a mobile repair service in our office car park.",
        police=NA,
    ),
    S(
        "home",
        "accidental damage",
        "below_deductible",
        "none",
        "A football kicked in the hallway broke the mirror by the front door.",
        police=NA,
    ),
    S(
        "gadget",
        "accidental damage",
        "below_deductible",
        "none",
        "The lid of my earbuds case broke off when it fell off the bedside table.",
        police=NA,
    ),
    # --- escalate: missing information ---
    S(
        "auto",
        "theft",
        "missing",
        "none",
        "My car was taken from outside my house overnight. I have not been to "
        "the police yet because I was hoping it would turn up.",
        police="no",
    ),
    S(
        "home",
        "burglary",
        "missing",
        "none",
        "Someone came in through an open window and took my handbag and a "
        "tablet from the hallway. I didn't report it because nothing else was disturbed.",
        police="no",
        amount=(600, 1800),
    ),
    S(
        "gadget",
        "theft",
        "missing",
        "none",
        "My laptop was stolen from my desk at a co-working space while I was at lunch.",
        police="no",
        amount=(600, 1500),
    ),
    S(
        "travel",
        "theft",
        "missing",
        "none",
        "My wallet and phone were pickpocketed at the market in Marrakesh. "
        "We left the next morning, so there was no time to go to the police.",
        police="no",
        amount=(300, 1200),
    ),
    S(
        "home",
        "accidental damage",
        "missing",
        "none",
        "I knocked a full bookcase over while painting and it smashed the glass coffee table and a lamp.",
        police=NA,
        receipts="no",
        amount=(400, 1500),
    ),
    S(
        "travel",
        "lost luggage",
        "missing",
        "none",
        "The airline lost my bag between Athens and London. It had "
        "clothes, a pair of shoes and a hair dryer in it, but I don't keep receipts for clothes.",
        police=NA,
        receipts="no",
        amount=(400, 1500),
    ),
    S(
        "gadget",
        "accidental damage",
        "missing",
        "none",
        "My drone hit a tree while I was filming at the beach and fell onto the rocks.",
        police=NA,
        receipts="no",
        amount=(400, 1400),
    ),
    S(
        "auto",
        "collision",
        "missing",
        "none",
        "The car in front braked suddenly and I went into the back of it. "
        "I have the invoice for the bumper, but the garage has not sent the bill for the radiator yet.",
        police="yes",
        receipts="partial",
        large=True,
        amount=(1500, 6000),
    ),
    S(
        "home",
        "fire",
        "missing",
        "none",
        "A toaster fire damaged the kitchen worktop and units. I have receipts "
        "for the new worktop; the rest of the work is still being quoted.",
        police=NA,
        receipts="partial",
        large=True,
        amount=(2500, 9000),
    ),
    S(
        "auto",
        "vandalism",
        "missing",
        "low",
        "Came back to the car to find both wing mirrors snapped off and a tyre slashed. Police informed.",
        police="yes",
        blank=("incident_date",),
        amount=(400, 1500),
    ),
    S(
        "gadget",
        "accidental damage",
        "missing",
        "high",
        "The screen on my phone started flickering and then went black. I'm not sure what happened to it.",
        police=NA,
        blank=("cause",),
        amount=(150, 600),
    ),
    S(
        "home",
        "storm",
        "missing",
        "none",
        "The storm took the roof off the garden shed, and rain got in and "
        "ruined the garden furniture stored inside. I am still waiting for a quote.",
        police=NA,
        blank=("claimed_amount",),
    ),
    # --- escalate: fraud signals ---
    S(
        "auto",
        "theft",
        "fraud",
        "none",
        "My car was stolen from a side street in town. The police have given me a crime reference.",
        police="yes",
        signals=("early_incident",),
    ),
    S(
        "home",
        "burglary",
        "fraud",
        "none",
        "While we were at a family party someone broke in and took a watch "
        "collection, a laptop and some cash.",
        police="yes",
        signals=("early_incident",),
        amount=(4000, 15000),
    ),
    S(
        "gadget",
        "accidental damage",
        "fraud",
        "none",
        "I dropped my brand-new phone down the stairs and both the screen and the back glass broke.",
        police=NA,
        signals=("early_incident",),
        amount=(200, 900),
    ),
    S(
        "travel",
        "lost luggage",
        "fraud",
        "none",
        "My suitcase was lost on the way to Tenerife. It held designer clothes, two watches and a camera.",
        police=NA,
        signals=("early_incident", "near_limit"),
    ),
    S(
        "gadget",
        "theft",
        "fraud",
        "none",
        "My laptop bag was stolen from the luggage rack on the train. Police informed.",
        police="yes",
        signals=("near_limit",),
    ),
    S(
        "home",
        "accidental damage",
        "fraud",
        "none",
        "Paint was spilled across the living-room carpet and the "
        "sofa while we were decorating, and both have to be replaced.",
        police=NA,
        signals=("near_limit",),
    ),
    S(
        "auto",
        "collision",
        "fraud",
        "none",
        "I clipped a gatepost while turning into the farm lane; the wing and the door are dented.",
        police="no",
        signals=("many_prior_claims",),
        amount=(800, 3000),
    ),
    S(
        "gadget",
        "accidental damage",
        "fraud",
        "none",
        "My phone screen cracked again after it fell out of my pocket in the car park.",
        police=NA,
        signals=("many_prior_claims",),
        amount=(150, 400),
    ),
    S(
        "home",
        "burst pipe",
        "fraud",
        "low",
        "The pipe to the outside tap froze and split, and water got into the "
        "wall of the utility room. I only noticed the damp patch a few weeks later.",
        police=NA,
        signals=("many_prior_claims", "late_report"),
        amount=(1500, 5000),
    ),
    S(
        "travel",
        "medical emergency",
        "fraud",
        "none",
        "I had food poisoning on holiday in Egypt and saw the hotel "
        "doctor twice. I have only just got round to claiming.",
        police=NA,
        signals=("late_report",),
        amount=(150, 600),
    ),
    S(
        "auto",
        "hail",
        "fraud",
        "none",
        "Hail damaged the roof and bonnet of my car during the summer. I am "
        "claiming now because the dents have started to rust.",
        police=NA,
        signals=("late_report",),
        amount=(1500, 6000),
    ),
    S(
        "auto",
        "collision",
        "fraud",
        "none",
        "Someone reversed into my car in a car park and damaged the front "
        "bumper. The garage said it would cost about {other} to fix.",
        police="no",
        signals=("inconsistent_description",),
        amount=(1200, 4000),
    ),
    S(
        "home",
        "storm",
        "fraud",
        "none",
        "Storm damage to the fence and two roof tiles; the builder's quote was {other}.",
        police=NA,
        signals=("inconsistent_description",),
        amount=(1500, 4000),
    ),
    S(
        "gadget",
        "liquid damage",
        "fraud",
        "none",
        "Coffee went into my laptop keyboard and several keys stopped "
        "working. The repair shop quoted {other}.",
        police=NA,
        signals=("inconsistent_description",),
        amount=(400, 1400),
    ),
    # --- escalate: ambiguous descriptions ---
    S(
        "home",
        "burst pipe",
        "ambiguous",
        "high",
        "Water came up through the basement floor after the heavy "
        "rain. It could have been the drain pipe that burst or the groundwater, I'm not sure which.",
        police=NA,
        amount=(3000, 12000),
    ),
    S(
        "auto",
        "collision",
        "ambiguous",
        "high",
        "The car started pulling to the left after I hit a pothole, or "
        "maybe the steering was already going; the garage says the track rod end is worn.",
        police="no",
        amount=(400, 1500),
    ),
    S(
        "gadget",
        "accidental damage",
        "ambiguous",
        "high",
        "My laptop screen has a line across it. It might have "
        "been when I closed the lid on a pen, or it just appeared one morning.",
        police=NA,
        amount=(200, 900),
    ),
    S(
        "travel",
        "trip cancellation",
        "ambiguous",
        "high",
        "We cancelled the trip because my mother was unwell, "
        "although we had been unsure about going anyway because of the cost.",
        police=NA,
        amount=(1000, 3500),
    ),
    S(
        "home",
        "storm",
        "ambiguous",
        "high",
        "Part of the ceiling in the back bedroom came down. It may have been "
        "the storm last week or the old roof finally giving way; we can't tell.",
        police=NA,
        amount=(2000, 8000),
    ),
    S(
        "auto",
        "theft",
        "ambiguous",
        "high",
        "My car was gone from the festival car park when we came back. I'm "
        "not sure whether it was stolen or towed; the police have a record of my call.",
        police="yes",
    ),
    S(
        "gadget",
        "theft",
        "ambiguous",
        "high",
        "My tablet was gone when I got back to my hotel room. Someone may "
        "have taken it, or I may have left it at the airport; I told hotel security and the police.",
        police="yes",
        amount=(300, 900),
    ),
    S(
        "travel",
        "medical emergency",
        "ambiguous",
        "high",
        "I needed treatment for chest pains while in Vienna. "
        "I had some tests for my heart last year, but I don't know if that is related.",
        police=NA,
        amount=(800, 3500),
    ),
    # --- escalate: over the coverage limit ---
    S(
        "gadget",
        "accidental damage",
        "over_limit",
        "none",
        "My new laptop was crushed when a heavy suitcase fell on it from the overhead locker.",
        police=NA,
    ),
    S(
        "travel",
        "medical emergency",
        "over_limit",
        "none",
        "I was taken to hospital after a skiing accident in "
        "Switzerland and stayed for four nights; the hospital bill is attached.",
        police=NA,
    ),
]

# Amount ranges (claimed, in dollars), coverage limits and deductibles per line of business.
LINES = {
    "auto": {"amount": (600, 9000), "limits": (15000, 25000, 50000), "deductibles": (250, 500, 1000)},
    "home": {"amount": (400, 15000), "limits": (20000, 50000, 100000), "deductibles": (250, 500, 1000)},
    "travel": {"amount": (150, 4000), "limits": (3000, 5000, 10000), "deductibles": (0, 50, 100)},
    "gadget": {"amount": (80, 1500), "limits": (1000, 1500, 2000), "deductibles": (50, 100, 150)},
}
FIRST_INCIDENT = dt.date(2025, 6, 1)
LAST_INCIDENT = dt.date(2026, 2, 12)


def _cents(rng: random.Random, low: float, high: float) -> float:
    """An amount with cents, the way invoices come; one in three is a round number of dollars."""
    value = rng.uniform(low, high)
    return float(round(value)) if rng.random() < 1 / 3 else round(value, 2)


def _fill(rng: random.Random, spec: dict) -> dict:
    """Dates, amounts and policy terms for one scenario, within ranges that keep the case what it is meant to be."""
    kind, line, signals = spec["kind"], spec["line"], set(spec.get("signals", ()))
    terms = LINES[spec["line"]]
    low, high = spec.get("amount", terms["amount"])
    if spec.get("small"):
        high = min(high, PARTIAL_RECEIPTS_LIMIT)
    if spec.get("large"):
        low = max(low, PARTIAL_RECEIPTS_LIMIT + 200)

    if kind == "below_deductible":
        deductible = max(terms["deductibles"])
        amount = _cents(rng, 0.3 * deductible, 0.95 * deductible)
        limit = rng.choice(terms["limits"])
    else:
        amount = _cents(rng, low, high)
        limit = rng.choice([x for x in terms["limits"] if amount <= 0.8 * x])
        if "near_limit" in signals:
            limit = min(terms["limits"])
            amount = round(limit * rng.uniform(NEAR_LIMIT_SHARE + 0.01, 0.99), 2)
        if kind == "over_limit":
            limit = min(terms["limits"])
            amount = _cents(rng, 1.15 * limit, 1.5 * limit)
        deductible = rng.choice([x for x in terms["deductibles"] if x < amount / 1.5])

    last = dt.date(2025, 11, 20) if "late_report" in signals else LAST_INCIDENT
    incident = FIRST_INCIDENT + dt.timedelta(days=rng.randint(0, (last - FIRST_INCIDENT).days))
    if kind == "before_start":
        policy_start = incident + dt.timedelta(days=rng.randint(3, 20))
        reported = policy_start + dt.timedelta(days=rng.randint(1, 8))
    else:
        early = "early_incident" in signals
        policy_start = incident - dt.timedelta(days=rng.randint(2, 13) if early else rng.randint(25, 340))
        late = "late_report" in signals
        reported = incident + dt.timedelta(days=rng.randint(38, 95) if late else rng.randint(0, 14))

    text = spec["text"]
    if "{other}" in text:
        other = round(amount * rng.uniform(0.35, 0.55) / 10) * 10
        text = text.replace("{other}", money(other))
    text = text.replace("{amount}", money(amount))

    claim = {
        "line": line,
        "cause": spec["cause"],
        "policy_start": policy_start,
        "incident_date": incident,
        "reported_date": reported,
        "claimed_amount": amount,
        "coverage_limit": limit,
        "deductible": deductible,
        "police_report": spec["police"],
        "receipts": spec.get("receipts", "yes"),
        "prior_claims_12m": rng.randint(3, 5)
        if "many_prior_claims" in signals
        else rng.choice((0, 0, 0, 0, 1, 1, 2)),
        "description": text,
        "ambiguity": spec["ambiguity"],
    }
    for name in spec.get("blank", ()):
        claim[name] = None
    return claim


EXPECTED = {
    "clean": "approve",
    "excluded": "deny",
    "before_start": "deny",
    "below_deductible": "deny",
    "missing": "escalate",
    "fraud": "escalate",
    "ambiguous": "escalate",
    "over_limit": "escalate",
}


def _check(spec: dict, claim: dict, decision: str) -> None:
    """Refuse to write data in which the rules disagree with what a scenario was written to show."""
    problems = []
    if decision != EXPECTED[spec["kind"]]:
        problems.append(f"the rules decide {decision!r}")
    if spec["kind"] != "before_start" and sorted(fraud_signals(claim)) != sorted(spec.get("signals", ())):
        problems.append(f"fraud signals {fraud_signals(claim)}")
    if spec["kind"] not in ("missing",) and missing_fields(claim):
        problems.append(f"missing fields {missing_fields(claim)}")
    if problems:
        raise AssertionError(f"Scenario {spec['text'][:50]!r} ({spec['kind']}): " + "; ".join(problems))


def claim_rows(seed: int = SEED) -> list[dict]:
    """Every claim as a CSV row, in claim-id order (the scenarios are shuffled first so kinds are mixed)."""
    rng = random.Random(seed)
    specs = list(SCENARIOS)
    rng.shuffle(specs)
    rows = []
    for number, spec in enumerate(specs, start=1):
        claim = _fill(rng, spec)
        decision, why = adjuster_decision(claim)
        _check(spec, claim, decision)
        row = {"claim_id": f"C-{number:03d}", **claim}
        for name in ("policy_start", "incident_date", "reported_date"):
            row[name] = row[name].isoformat() if row[name] else ""
        for name in FORM_FIELDS:
            row[name] = "" if row[name] is None else row[name]
        if row["claimed_amount"] != "":
            row["claimed_amount"] = f"{row['claimed_amount']:.2f}"
        row["missing_fields"] = ";".join(missing_fields(claim))
        row["fraud_signals"] = ";".join(fraud_signals(claim))
        row["correct_decision"] = decision
        row["why"] = why
        rows.append({name: row[name] for name in COLUMNS})
    return rows


COSTS = {
    "note": (
        "Illustrative numbers for teaching, not industry figures. cost[correct_decision][model_decision] is the "
        "average cost in US dollars of one triage decision for the fictional insurer Harbor Mutual."
    ),
    "currency": "USD",
    "cost": {
        "approve": {"approve": 0, "deny": 1200, "escalate": 150},
        "deny": {"approve": 1800, "deny": 0, "escalate": 150},
        "escalate": {"approve": 4000, "deny": 900, "escalate": 150},
    },
    "explanation": {
        "escalate": "Every escalation costs a fixed adjuster review fee of $150, whether or not it was needed.",
        "approve_should_deny": "Paying a claim that is not covered: the average payout, which is not recovered.",
        "approve_should_escalate": (
            "Paying a claim that needed review: some are fraudulent or unsupported, and the money is gone."
        ),
        "deny_should_approve": (
            "Wrongly denying a legitimate claim: appeal handling, the reversal, complaints, churn and regulator "
            "exposure."
        ),
        "deny_should_escalate": (
            "Denying a claim that needed review: many of them are legitimate and come back as appeals."
        ),
    },
}


def build_claims(out_dir: Path) -> None:
    """Write ``claims.csv`` and ``claim_costs.json`` into ``out_dir`` (UTF-8, LF line endings, byte-stable)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "claims.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(claim_rows())
    with open(out_dir / "claim_costs.json", "w", encoding="utf-8", newline="\n") as handle:
        json.dump(COSTS, handle, indent=2, ensure_ascii=False)
        handle.write("\n")


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1]
    build_claims(target)
    print(f"Wrote {len(SCENARIOS)} claims to {target.name}/claims.csv and {target.name}/claim_costs.json")
