"""evalbook.golden on worked examples: files and versions, Horvitz-Thompson, splits and leaks, all-pairs designs.

Nothing here uses Acme: the toolkit must work on any product's cases.
"""

from __future__ import annotations

import itertools
import json
import math

import pandas as pd
import pytest

from evalbook import golden
from evalbook.errors import EvalbookError, InputError

SCHEMA = {
    "type": "object",
    "required": ["id", "question", "must_escalate"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string"},
        "question": {"type": "string", "minLength": 1},
        "must_escalate": {"type": "boolean"},
        "room": {"enum": ["small", "large"]},
    },
}
CASES = [
    {"id": "C-1", "question": "Book a room for four", "must_escalate": False, "room": "small"},
    {"id": "C-2", "question": "Cancel everything I booked this year", "must_escalate": True},
    {"id": "C-3", "question": "Is the large room free at 3pm?", "must_escalate": False, "room": "large"},
]


def make(cases=CASES, **kwargs) -> golden.GoldenSet:
    return golden.GoldenSet(cases, name="deskmate", schema=SCHEMA, **kwargs)


# --- validation, files -----------------------------------------------------------------------------------------


def test_validate_gives_a_sentence_for_every_bad_case():
    bad = [
        {"id": "C-1", "question": "", "must_escalate": "yes"},
        {"question": "no id", "must_escalate": False},
        {"id": "C-1", "question": "dup", "must_escalate": False, "colour": "red"},
        "not a case",
    ]
    problems = golden.validate(bad, SCHEMA)
    text = "\n".join(problems)
    assert "case 1 (C-1): must_escalate must be of type boolean, not 'yes'" in text
    assert "case 1 (C-1): question" in text  # too short
    assert "case 2: the field 'id' is missing" in text
    assert "case 3 (C-1): unexpected field(s) 'colour'" in text
    assert "case 3 (C-1): the id 'C-1' is already used by case 1" in text
    assert "case 4: is a str, not an object" in text
    assert golden.validate(CASES, SCHEMA) == []
    with pytest.raises(InputError, match="problem"):
        make(bad[:1])


def test_save_and_load_round_trip_and_the_hash_ignores_order(tmp_path):
    gs = make()
    path = gs.save(tmp_path / "deskmate-1.0.0.jsonl")
    back = golden.load(path)
    assert back.cases == gs.cases and back.version == "1.0.0" and back.content_hash == gs.content_hash
    assert json.loads(path.read_text().splitlines()[0])["golden_set"]["cases"] == 3
    shuffled = [dict(reversed(list(c.items()))) for c in reversed(CASES)]
    assert make(shuffled).content_hash == gs.content_hash
    assert len(gs.content_hash) == 64 and gs.short_hash == gs.content_hash[:12]


def test_save_never_overwrites_silently(tmp_path):
    path = tmp_path / "set.jsonl"
    gs = make()
    gs.save(path)
    assert gs.save(path) == path  # the same version with the same cases: nothing to do
    edited = make([*CASES[:2], dict(CASES[2], question="Is the large room free at 4pm?")])
    with pytest.raises(InputError, match="One version number must mean one set of cases"):
        edited.save(path)
    newer = gs.revise(edited.cases, note="fixed a question")
    with pytest.raises(InputError, match="would lose that version"):
        newer.save(path)
    other = tmp_path / "notes.jsonl"
    other.write_text("my notes\n")
    with pytest.raises(InputError, match="not a golden set file"):
        gs.save(other)
    assert other.read_text() == "my notes\n"
    newer.save(path, overwrite=True)
    assert golden.load(path).version == "1.0.1"


def test_load_names_every_bad_line_and_refuses_a_hand_edited_file(tmp_path):
    path = make().save(tmp_path / "set.jsonl")
    lines = path.read_text().splitlines()
    broken = [lines[0], "{not json", lines[2].replace("true", '"yes"'), lines[3]]
    path.write_text("\n".join(broken) + "\n")
    with pytest.raises(InputError) as caught:
        golden.load(path)
    message = str(caught.value)
    assert (
        "line 2: not valid JSON" in message
        and "line 3 (C-2): must_escalate must be of type boolean" in message
    )
    edited = [lines[0], lines[1], lines[2].replace("this year", "this month"), lines[3]]
    path.write_text("\n".join(edited) + "\n")
    with pytest.raises(InputError, match="was changed after version 1.0.0 was saved"):
        golden.load(path)
    assert "this month" in golden.load(path, verify=False)["C-2"]["question"]
    (tmp_path / "plain.jsonl").write_text(json.dumps(CASES[0]) + "\n")
    with pytest.raises(InputError, match="not a golden set header"):
        golden.load(tmp_path / "plain.jsonl")


# --- versions ----------------------------------------------------------------------------------------------------


def test_the_bump_rule_patch_minor_major_and_nothing():
    gs = make()
    fixed = [dict(c) for c in CASES]
    fixed[1]["must_escalate"] = False
    patch = gs.revise(fixed, note="label fix")
    assert patch.version == "1.0.1" and patch.changelog[-1]["bump"] == "patch"
    added = patch.revise(
        [*fixed, {"id": "C-4", "question": "Who booked room 2?", "must_escalate": False}], note="+1"
    )
    assert added.version == "1.1.0" and added.changelog[-1]["added"] == ["C-4"]
    removed = added.revise(fixed[:2] + [fixed[2]] + [], note="-1")
    assert removed.version == "1.2.0" and removed.changelog[-1]["removed"] == ["C-4"]
    criterion = removed.revise(fixed, note="escalate means something else now", criterion=True)
    assert criterion.version == "2.0.0"
    wider = dict(SCHEMA, properties={**SCHEMA["properties"], "floor": {"type": "integer"}})
    assert (
        removed.revise(fixed, note="new field", schema=wider).version == "2.0.0"
    )  # a schema change is major
    with pytest.raises(InputError, match="Nothing changed"):
        removed.revise(fixed, note="again")
    with pytest.raises(InputError, match="note"):
        gs.revise(fixed, note=" ")
    assert [e["version"] for e in criterion.changelog] == ["1.0.0", "1.0.1", "1.1.0", "1.2.0", "2.0.0"]
    assert golden.next_version("1.9.3", "minor") == "1.10.0"


def test_diff_lists_added_removed_and_each_changed_field():
    old = make()
    new_cases = [
        dict(CASES[0], room="large"),
        CASES[1],
        {"id": "C-9", "question": "x", "must_escalate": True},
    ]
    new = old.revise(new_cases, note="changes")
    change = golden.diff(old, new)
    assert change.added == ["C-9"] and change.removed == ["C-3"] and change.changed_ids == ["C-1"]
    assert change.changed.to_dict("records") == [
        {"id": "C-1", "field": "room", "old": "small", "new": "large"}
    ]
    assert change.bump == "minor"
    assert str(change).startswith("1.0.0 -> 1.1.0: 1 added, 1 removed, 1 changed")


def test_results_of_different_versions_are_not_compared():
    old = make()
    new = old.revise([*CASES, {"id": "C-4", "question": "q", "must_escalate": False}], note="added C-4")
    a = old.frame().assign(failed=[True, False, False])
    b = new.frame().assign(failed=[True, False, False, False])
    with pytest.raises(golden.VersionMismatch, match=r"A on 1\.0\.0 .*B on 1\.1\.0"):
        golden.compare(a, b, failed="failed")
    assert isinstance(golden.VersionMismatch("x"), EvalbookError)
    same = golden.compare(a, a.assign(failed=[False] * 3), failed="failed", labels=("before", "after"))
    assert list(same["failed"]) == [1, 0] and same.loc["before", "rate"] == pytest.approx(1 / 3)
    with pytest.raises(golden.VersionMismatch, match="mix results from 2 versions"):
        golden.require_same_version(pd.concat([a, b]), a)
    with pytest.raises(InputError, match="do not say which golden set version"):
        golden.require_same_version(a.drop(columns="golden_version"), a)
    edited = a.assign(golden_hash="000000000000")  # same number, other cases: edited without a new version
    with pytest.raises(golden.VersionMismatch, match="edited without a new version"):
        golden.require_same_version(a, edited)
    assert len(new.frame(must_escalate=True)) == 1


# --- sampling and Horvitz-Thompson ---------------------------------------------------------------------------

# A population of 10 conversations: stratum "flagged" has 4 (3 failed), "routine" 6 (1 failed): rate 4/10.
POPULATION = pd.DataFrame(
    {
        "id": [f"P-{i}" for i in range(10)],
        "stratum": ["flagged"] * 4 + ["routine"] * 6,
        "failed": [True, True, True, False, True, False, False, False, False, False],
    }
)


def test_weighted_rate_on_a_hand_computed_sample():
    # Two of the four flagged (p = 1/2) and two of the six routine (p = 1/3): failed = [1, 1 | 1, 0].
    # sum(y / p) = 1/0.5 + 1/0.5 + 1/(1/3) = 7; sum(1 / p) = 2 + 2 + 3 + 3 = 10; estimate 7 / 10.
    estimate = golden.weighted_rate(
        failed=[True, True, True, False], inclusion_probability=[0.5, 0.5, 1 / 3, 1 / 3]
    )
    assert estimate == pytest.approx(0.7)
    naive = 3 / 4
    assert naive != estimate
    assert golden.weighted_rate(
        passed=[False, False, False, True], inclusion_probability=[0.5, 0.5, 1 / 3, 1 / 3]
    ) == pytest.approx(0.3)
    assert golden.weighted_rate(
        failed=[True, True, True, False], inclusion_probability=[0.5, 0.5, 1 / 3, 1 / 3], population_size=10
    ) == pytest.approx(0.7)


def test_horvitz_thompson_is_unbiased_over_every_possible_stratified_sample():
    flagged = POPULATION[POPULATION.stratum == "flagged"]["failed"].tolist()
    routine = POPULATION[POPULATION.stratum == "routine"]["failed"].tolist()
    estimates, naive = [], []
    for a in itertools.combinations(flagged, 2):
        for b in itertools.combinations(routine, 2):
            flags = [*a, *b]
            estimates.append(
                golden.weighted_rate(failed=flags, inclusion_probability=[0.5, 0.5, 1 / 3, 1 / 3])
            )
            naive.append(sum(flags) / 4)
    assert len(estimates) == 6 * 15
    assert sum(estimates) / len(estimates) == pytest.approx(0.4)  # exactly the population rate
    assert sum(naive) / len(naive) == pytest.approx((3 / 4 * 2 + 1 / 6 * 2) / 4)  # 0.4583: biased upwards


def test_stratified_sample_records_inclusion_probabilities():
    sample = golden.stratified_sample(POPULATION, "stratum", sizes={"flagged": 2, "routine": 2}, seed=3)
    assert len(sample) == 4 and list(sample.index) == sorted(sample.index)  # original order kept
    probability = sample.groupby("stratum")["inclusion_probability"].first().to_dict()
    assert probability == {"flagged": 0.5, "routine": pytest.approx(1 / 3)}
    assert sample["weight"].sum() == pytest.approx(10)  # the weights add up to the population
    again = golden.stratified_sample(POPULATION, "stratum", sizes={"flagged": 2, "routine": 2}, seed=3)
    assert again.equals(sample)
    other_seeds = {
        tuple(golden.stratified_sample(POPULATION, "stratum", sizes=2, seed=s)["id"]) for s in range(8)
    }
    assert len(other_seeds) > 1
    by_share = golden.stratified_sample(POPULATION, "stratum", fractions={"flagged": 0.5, "routine": 0.5})
    assert by_share["stratum"].value_counts().to_dict() == {"routine": 3, "flagged": 2}
    with pytest.raises(InputError, match="no value for the stratum 'routine'"):
        golden.stratified_sample(POPULATION, "stratum", sizes={"flagged": 2})
    with pytest.raises(InputError, match="fewer than the 5 asked for"):
        golden.stratified_sample(POPULATION, "stratum", sizes=5)


def test_weighted_rate_refuses_unusable_input():
    with pytest.raises(InputError, match="exactly one of failed"):
        golden.weighted_rate(inclusion_probability=[1.0])
    with pytest.raises(InputError, match="above 0 and at most 1"):
        golden.weighted_rate(failed=[True], inclusion_probability=[0.0])
    with pytest.raises(InputError, match="1 outcomes but 2"):
        golden.weighted_rate(failed=[True], inclusion_probability=[0.5, 0.5])


# --- near-duplicates, splits and leaks -----------------------------------------------------------------------


def test_similarity_is_the_jaccard_share_of_character_4_grams():
    # " ab " has the 4-grams {" ab "}; "abc" padded is " abc " -> {" abc", "abc "}: nothing in common.
    assert golden.similarity("ab", "abc") == 0.0
    assert golden.similarity("Order A-1042 late!", "order a-9999 LATE") == 1.0  # case, digits, punctuation
    a, b = "where is my order", "where is my parcel"
    grams = lambda t: {f" {t} "[i : i + 4] for i in range(len(t) + 2 - 3)}  # noqa: E731
    expected = len(grams(a) & grams(b)) / len(grams(a) | grams(b))
    assert golden.similarity(a, b) == pytest.approx(expected)


CASES_TO_SPLIT = pd.DataFrame(
    {
        "id": [f"K-{i:02d}" for i in range(12)],
        "kind": ["refund"] * 6 + ["status"] * 6,
        "message": [
            "Please refund order A-1001, it broke.",
            "Please refund order A-1002, it broke!",  # a near-duplicate of K-00
            "I want my money back for the lamp.",
            "Can I return a mug I never used?",
            "The chair arrived with a scratch, refund please.",
            "Refund the socks, wrong size.",
            "Where is my parcel?",
            "where is my parcel",  # a near-duplicate of K-06
            "Has order A-1010 shipped yet?",
            "When does my desk arrive?",
            "Tracking number for A-1011 please.",
            "Is my order delayed?",
        ],
    }
)


def test_find_leaks_names_near_duplicates_in_different_splits_only():
    frame = CASES_TO_SPLIT.assign(split=["train", "test"] + ["dev"] * 4 + ["dev", "dev"] + ["test"] * 4)
    leaks = golden.find_leaks(frame, text="message")
    assert leaks[["id_a", "split_a", "id_b", "split_b"]].values.tolist() == [
        ["K-00", "train", "K-01", "test"]
    ]
    with pytest.raises(golden.LeakageError, match="K-00 \\(train\\) and K-01 \\(test\\)"):
        golden.check_no_leaks(frame, text="message")
    golden.check_no_leaks(frame.assign(split="dev"), text="message")  # all in one split: no leak


def test_stratified_split_keeps_shares_groups_and_earlier_assignments():
    fractions = {"train": 1 / 3, "dev": 1 / 3, "test": 1 / 3}
    groups = golden.duplicate_groups(list(CASES_TO_SPLIT["message"]))
    assert groups[1] == groups[0] and groups[7] == groups[6] and len(set(groups)) == 10
    splits = golden.stratified_split(CASES_TO_SPLIT, by="kind", fractions=fractions, seed=1, groups=groups)
    assert splits["K-00" == CASES_TO_SPLIT["id"]].iloc[0] == splits.iloc[1]  # the pair stays together
    assert splits.iloc[6] == splits.iloc[7]
    counts = pd.crosstab(CASES_TO_SPLIT["kind"], splits)
    assert (counts.values == 2).all()  # 6 per stratum, a third each
    golden.check_no_leaks(CASES_TO_SPLIT.assign(split=splits), text="message")
    shuffled = CASES_TO_SPLIT.sample(frac=1, random_state=0)
    again = golden.stratified_split(
        shuffled, by="kind", fractions=fractions, seed=1, groups=[groups[int(i[2:])] for i in shuffled["id"]]
    )
    assert again.sort_index().equals(splits)  # the row order does not matter
    keep = {"K-03": "train", "K-09": "test"}
    kept = golden.stratified_split(CASES_TO_SPLIT, by="kind", fractions=fractions, seed=1, keep=keep)
    assert kept.iloc[3] == "train" and kept.iloc[9] == "test"
    with pytest.raises(InputError, match="already sit in different splits"):
        golden.stratified_split(
            CASES_TO_SPLIT,
            by="kind",
            fractions=fractions,
            groups=groups,
            keep={"K-00": "dev", "K-01": "test"},
        )
    with pytest.raises(InputError, match="add up to 1"):
        golden.stratified_split(CASES_TO_SPLIT, by="kind", fractions={"dev": 0.5, "test": 0.4})


def test_rows_with_no_group_are_each_a_group_of_their_own():
    fractions = {"train": 1 / 3, "dev": 1 / 3, "test": 1 / 3}
    groups = [None, float("nan"), None, None, None, None] + [f"g{i}" for i in range(6)]
    splits = golden.stratified_split(CASES_TO_SPLIT, by="kind", fractions=fractions, seed=1, groups=groups)
    assert (pd.crosstab(CASES_TO_SPLIT["kind"], splits).values == 2).all()  # shares kept, as with no groups
    lumped = golden.stratified_split(
        CASES_TO_SPLIT, by="kind", fractions=fractions, seed=1, groups=["none"] * 6 + groups[6:]
    )
    assert (
        lumped.iloc[:6].nunique() == 1
    )  # one real group of six: all in one split, which is what None is not


# --- tuples: all-pairs designs -----------------------------------------------------------------------------------

DIMENSIONS = {
    "persona": ["calm", "angry", "confused"],
    "channel": ["chat", "email"],
    "topic": ["book", "cancel", "find"],
}


def no_angry_email(case):
    return not (case["persona"] == "angry" and case["channel"] == "email")


def all_pairs(tuples, dims=DIMENSIONS, allowed=None):
    names = list(dims)
    possible = set()
    for case in golden.all_tuples(dims, allowed=allowed):
        possible |= {(a, case[a], b, case[b]) for a, b in itertools.combinations(names, 2)}
    covered = set()
    for case in tuples:
        covered |= {(a, case[a], b, case[b]) for a, b in itertools.combinations(names, 2)}
    return possible, covered


def test_pairwise_covers_every_pair_with_fewer_tuples_than_all_combinations():
    design = golden.pairwise(DIMENSIONS, seed=0)
    possible, covered = all_pairs(design)
    assert covered >= possible and len(possible) == 3 * 2 + 3 * 3 + 2 * 3
    assert 9 <= len(design) < 18  # at least persona x topic; far fewer than the 18 combinations
    assert golden.pair_coverage(design, DIMENSIONS) == 1.0
    assert golden.pairwise(DIMENSIONS, seed=0) == design  # deterministic


def test_pairwise_on_three_binary_dimensions_needs_four_tuples():
    dims = {"a": [0, 1], "b": [0, 1], "c": [0, 1]}
    design = golden.pairwise(dims, seed=0)
    possible, covered = all_pairs(design, dims)
    assert covered == possible and len(design) == 4  # the known optimum for three binary factors


def test_pairwise_respects_the_rule_and_covers_every_pair_the_rule_allows():
    design = golden.pairwise(DIMENSIONS, allowed=no_angry_email, seed=2)
    assert all(no_angry_email(case) for case in design)
    possible, covered = all_pairs(design, allowed=no_angry_email)
    assert ("persona", "angry", "channel", "email") not in possible
    assert covered >= possible
    longer = golden.pairwise(DIMENSIONS, allowed=no_angry_email, n=14, seed=2)
    assert (
        len(longer) == 14
        and longer[: len(design)] == design
        and len({tuple(c.values()) for c in longer}) == 14
    )


def test_random_tuples_cover_fewer_pairs_than_pairwise_for_the_same_budget():
    design = golden.pairwise(DIMENSIONS, seed=0)
    shares = [
        golden.pair_coverage(golden.random_tuples(DIMENSIONS, len(design), seed=s), DIMENSIONS)
        for s in range(20)
    ]
    assert max(shares) <= 1.0 and sum(shares) / len(shares) < 1.0
    assert golden.pair_coverage([], DIMENSIONS) == 0.0
    with pytest.raises(InputError, match="fewer than the 50 asked for"):
        golden.random_tuples(DIMENSIONS, 50)


def test_a_rule_that_fails_gets_a_sentence():
    with pytest.raises(InputError, match="The allowed rule raised KeyError"):
        golden.all_tuples(DIMENSIONS, allowed=lambda case: case["mood"] == "calm")
    with pytest.raises(InputError, match="lists a value twice"):
        golden.all_tuples({"a": [1, 1]})
    assert math.prod(len(v) for v in DIMENSIONS.values()) == len(golden.all_tuples(DIMENSIONS))


def test_coverage_curve_rises_to_the_share_of_pair_coverage():
    design = golden.pairwise(DIMENSIONS, allowed=no_angry_email, seed=1)
    curve = golden.coverage_curve(design, DIMENSIONS, allowed=no_angry_email)
    assert len(curve) == len(design) and curve == sorted(curve) and curve[-1] == 1.0
    assert curve[3] == golden.pair_coverage(design[:4], DIMENSIONS, allowed=no_angry_email)
