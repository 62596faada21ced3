"""The multiple-choice benchmark: its data, the public helpers, and the simulated models' answers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from scipy.stats import binomtest

from evalbook.course import quiz as bm
from evalbook.sim import mcq
from evalbook.sim.draw import Draw

matplotlib.use("Agg")  # draw charts off screen, also where a display exists

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("atlas-1", "beacon-1")


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return bm.load_benchmark()


def run(df: pd.DataFrame, model: str, material: str = "") -> pd.DataFrame:
    """Ask every question the way lesson 01 does, and score the parsed replies."""
    rows = []
    for _, row in df.iterrows():
        text = bm.format_question(row)
        reply = mcq.respond(model, text, Draw(f"{material}|{model}|{text}"))
        choice = bm.parse_choice(reply)
        rows.append(
            {
                "model": model,
                "question_id": row["question_id"],
                "subject": row["subject"],
                "reply": reply,
                "choice": choice,
                "correct": choice == row["answer"],
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def results(df) -> pd.DataFrame:
    return pd.concat([run(df, model) for model in MODELS], ignore_index=True)


# --- data invariants ---------------------------------------------------------------------------------------


def test_columns_and_size(df):
    assert list(df.columns) == list(bm.COLUMNS)
    assert len(df) >= 104
    counts = df["subject"].value_counts()
    assert len(counts) >= 8
    assert counts.min() >= 10


def test_ids_are_unique_and_named_after_their_subject(df):
    assert df["question_id"].is_unique
    assert df["question_id"].str.fullmatch(r"[a-z]{2,3}-\d{2}").all()
    # One prefix per subject, and one subject per prefix.
    prefixes = (
        df.assign(prefix=df["question_id"].str.split("-").str[0]).groupby("subject")["prefix"].nunique()
    )
    assert (prefixes == 1).all()
    assert df["question_id"].str.split("-").str[0].nunique() == df["subject"].nunique()


def test_answer_letters_are_valid_and_spread(df):
    assert df["answer"].isin(list("ABCD")).all()
    shares = df["answer"].value_counts(normalize=True)
    assert set(shares.index) == set("ABCD")
    assert shares.max() <= 0.35


def test_no_empty_fields_duplicate_questions_or_repeated_options(df):
    assert (df.map(lambda v: isinstance(v, str) and v.strip() != "")).all().all()
    normalised = df["question"].map(mcq.normalise)
    assert normalised.is_unique
    # No question hides inside another one, so the simulator's text match is never ambiguous.
    for a in normalised:
        assert sum(f" {a} " in f" {b} " for b in normalised) == 1, a
    for _, row in df.iterrows():
        options = [" ".join(row[letter].casefold().split()) for letter in "ABCD"]
        assert len(set(options)) == 4, row["question_id"]


def test_committed_csv_matches_its_generator(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "benchmark_generator", ROOT / "data/generators/benchmark.py"
    )
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.build_benchmark(tmp_path)
    committed = ROOT / "data" / "benchmark_mcq.csv"
    assert (tmp_path / "benchmark_mcq.csv").read_bytes() == committed.read_bytes()


def test_generator_key_points_at_the_written_correct_option(df):
    spec = importlib.util.spec_from_file_location(
        "benchmark_generator", ROOT / "data/generators/benchmark.py"
    )
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    by_question = {item["question"]: item for item in generator.QUESTIONS}
    for _, row in df.iterrows():
        item = by_question[row["question"]]
        assert row[row["answer"]] == item["correct"]
        assert sorted(row[letter] for letter in "ABCD" if letter != row["answer"]) == sorted(item["wrong"])


# --- formatting and parsing -----------------------------------------------------------------------------------


def test_format_question_layout(df):
    row = df.iloc[0]
    lines = bm.format_question(row).splitlines()
    assert lines[0] == row["question"]
    assert lines[1:5] == [f"{letter}. {row[letter]}" for letter in "ABCD"]
    assert lines[5] == "Answer with the letter of the correct option."


def test_mcq_messages_shape(df):
    messages = bm.mcq_messages(df.iloc[3])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"] == bm.MCQ_SYSTEM_PROMPT
    assert messages[1]["content"] == bm.format_question(df.iloc[3])


def test_format_question_accepts_a_dict_and_explains_bad_rows():
    good = {"question": "2 + 2?", "A": "3", "B": "4", "C": "5", "D": "22"}
    assert bm.format_question(good).startswith("2 + 2?\nA. 3\nB. 4")
    with pytest.raises(KeyError, match="no 'D' field"):
        bm.format_question({k: v for k, v in good.items() if k != "D"})
    with pytest.raises(ValueError, match="empty"):
        bm.format_question({**good, "B": "  "})
    with pytest.raises(TypeError, match="iterrows"):
        bm.format_question("2 + 2?")


@pytest.mark.parametrize(
    ("reply", "letter"),
    [
        ("B", "B"),
        ("b", "B"),
        (" C. ", "C"),
        ("Answer: B", "B"),
        ("answer: d", "D"),
        ("(b)", "B"),
        ("The answer is B.", "B"),
        ("The correct option is (C).", "C"),
        ("B. Canberra", "B"),
        ("**D**", "D"),
        ("I think C is right.", "C"),
        ("A", "A"),
        ("A is correct.", "A"),
        ("Answer: A. The Amazon is longer than the others.", "A"),
        ("Answer: B. B is the only option that fits.", "B"),
        ("The answer is B, not C.", "B"),
        ("B. 0.33 A", "B"),  # an echoed option line whose text holds a capital letter
        ("B\n\nExplanation: A is wrong because it confuses mass and weight.", "B"),
        ("(c)\nC fits; D does not.", "C"),
    ],
)
def test_parse_choice_finds_the_letter(reply, letter):
    assert bm.parse_choice(reply) == letter


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "   ",
        "I don't know.",
        "A cell is the basic unit of life.",  # the article "a", not option A
        "The answer is a matter of debate.",
        "A or B",
        "(A) or (B)",
        "The answer is A. No, wait: the answer is B.",
        "E",
        "D-Day was in 1944.",
        None,  # the API gives None content when the model calls a tool instead
    ],
)
def test_parse_choice_refuses_garbage_and_conflicts(reply):
    assert bm.parse_choice(reply) is None


def test_parse_choice_explains_a_wrong_argument():
    with pytest.raises(TypeError, match="message.content"):
        bm.parse_choice({"content": "B"})


def test_format_then_parse_round_trip(df):
    # A reply that repeats the option line it chose must parse back to that letter.
    for _, row in df.iterrows():
        lines = bm.format_question(row).splitlines()[1:5]
        for letter, line in zip("ABCD", lines, strict=True):
            assert bm.parse_choice(line) == letter, line


# --- accuracy and its interval --------------------------------------------------------------------------------


def test_accuracy_ci_worked_example():
    # 8 correct out of 10, 95%: z = 1.959964, z^2 = 3.841459, z^2/n = 0.3841459.
    # centre = (0.8 + z^2/(2n)) / (1 + z^2/n) = 0.9920729 / 1.3841459 = 0.716745
    # half   = z / (1 + z^2/n) * sqrt(0.8 * 0.2 / 10 + z^2 / (4 n^2))
    #        = 1.959964 / 1.3841459 * sqrt(0.016 + 0.0096036) = 1.4160040 * 0.1600112 = 0.226577
    # interval = (0.490168, 0.943322)
    accuracy, low, high = bm.accuracy_ci([True] * 8 + [False] * 2)
    assert accuracy == 0.8
    assert low == pytest.approx(0.490168, abs=1e-5)
    assert high == pytest.approx(0.943322, abs=1e-5)


@pytest.mark.parametrize(
    ("k", "n", "confidence"), [(0, 12, 0.95), (97, 110, 0.95), (77, 110, 0.9), (5, 5, 0.99)]
)
def test_accuracy_ci_agrees_with_scipy(k, n, confidence):
    outcomes = pd.Series([1] * k + [0] * (n - k))
    expected = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    accuracy, low, high = bm.accuracy_ci(outcomes, confidence=confidence)
    assert accuracy == pytest.approx(k / n)
    assert (low, high) == pytest.approx((expected.low, expected.high))
    assert 0 <= low <= accuracy <= high <= 1


def test_accuracy_ci_interval_is_not_degenerate_at_the_edges():
    _, low, high = bm.accuracy_ci([True] * 10)
    assert high == 1.0 and low < 0.8


@pytest.mark.parametrize(
    ("correct", "confidence", "error", "message"),
    [
        ([], 0.95, ValueError, "no outcomes"),
        ([True, None], 0.95, ValueError, "missing"),
        (["B", "C"], 0.95, ValueError, "True/False"),
        ([True, False], 95, ValueError, "between 0 and 1"),
        ("TFT", 0.95, TypeError, "list"),
    ],
)
def test_accuracy_ci_explains_bad_input(correct, confidence, error, message):
    with pytest.raises(error, match=message):
        bm.accuracy_ci(correct, confidence=confidence)


# --- per-subject summaries and the chart ----------------------------------------------------------------------


def test_per_subject_on_a_tiny_frame():
    tiny = pd.DataFrame(
        {
            "subject": ["algebra", "algebra", "algebra", "geography"],
            "correct": [True, False, True, True],
        }
    )
    table = bm.per_subject(tiny).set_index("subject")
    assert table.loc["algebra", "n"] == 3
    assert table.loc["algebra", "accuracy"] == pytest.approx(2 / 3)
    assert table.loc["geography", "accuracy"] == 1.0
    assert (table["ci_low"] <= table["accuracy"]).all() and (table["accuracy"] <= table["ci_high"]).all()


def test_per_subject_splits_by_model_when_there_is_one():
    tiny = pd.DataFrame(
        {
            "model": ["m1", "m1", "m2", "m2"],
            "subject": ["physics", "physics", "physics", "physics"],
            "hit": [True, True, False, True],
        }
    )
    table = bm.per_subject(tiny, correct_col="hit").set_index(["model", "subject"])
    assert table.loc[("m1", "physics"), "accuracy"] == 1.0
    assert table.loc[("m2", "physics"), "accuracy"] == 0.5
    assert table["n"].tolist() == [2, 2]


def test_per_subject_explains_a_missing_column():
    with pytest.raises(KeyError, match="correct_col"):
        bm.per_subject(pd.DataFrame({"subject": ["x"], "right": [True]}))
    with pytest.raises(ValueError, match="empty"):
        bm.per_subject(pd.DataFrame({"subject": [], "correct": []}))


def test_leaderboard_orders_models_best_first():
    frame = pd.DataFrame({"model": ["low", "low", "high", "high"], "correct": [False, True, True, True]})
    board = bm.leaderboard(frame)
    assert board["model"].tolist() == ["high", "low"]
    assert board["correct"].tolist() == [2, 1]


def test_plot_leaderboard_is_labelled(results):
    ax = bm.plot_leaderboard(bm.leaderboard(results))
    assert "simulated models" in ax.get_title()
    assert ax.get_xlabel() == "Model" and "Accuracy" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["atlas-1", "beacon-1"]
    assert len(ax.patches) == 2
    plt.close(ax.figure)


def test_plot_per_subject_groups_bars_by_model(results):
    summary = bm.per_subject(results)
    ax = bm.plot_leaderboard(summary)
    assert len(ax.patches) == len(summary)
    assert ax.get_xlabel() == "Subject"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(MODELS)
    plt.close(ax.figure)


def test_plot_leaderboard_explains_a_wrong_table(results):
    with pytest.raises(KeyError, match="leaderboard"):
        bm.plot_leaderboard(results)


# --- the simulated models ------------------------------------------------------------------------------------


def expected(model: str, df: pd.DataFrame) -> float:
    """The documented expectation: the count-weighted mean of the per-subject shares."""
    return df["subject"].map(mcq.SUBJECT_ACCURACY[model]).mean()


def test_every_shipped_subject_has_a_documented_share(df):
    for model in MODELS:
        assert set(df["subject"]) <= set(mcq.SUBJECT_ACCURACY[model])


def test_atlas_wins_the_benchmark_and_beacon_loses_it(df, results):
    accuracy = results.groupby("model")["correct"].mean()
    assert accuracy["atlas-1"] == pytest.approx(expected("atlas-1", df), abs=0.05)
    assert accuracy["beacon-1"] == pytest.approx(expected("beacon-1", df), abs=0.05)
    assert 0.85 <= accuracy["atlas-1"] <= 0.90
    assert 0.65 <= accuracy["beacon-1"] <= 0.75
    assert accuracy["atlas-1"] > accuracy["beacon-1"]
    # Every reply parses: lost points are wrong answers, never unreadable ones.
    assert results["choice"].notna().all()


def test_subjects_vary_and_beacon_is_never_ahead(results):
    table = bm.per_subject(results).pivot(index="subject", columns="model", values="accuracy")
    assert (table["atlas-1"] >= table["beacon-1"]).all()
    assert table["beacon-1"].max() - table["beacon-1"].min() >= 0.3


def test_reply_formats(results):
    assert results.loc[results["model"] == "atlas-1", "reply"].str.fullmatch("[ABCD]").all()
    assert results.loc[results["model"] == "beacon-1", "reply"].str.fullmatch("Answer: [ABCD]").all()


def test_other_model_names_behave_like_beacon(df):
    text = bm.format_question(df.iloc[5])
    draw = Draw("same request")
    assert mcq.respond("gpt-something", text, draw) == mcq.respond("beacon-1", text, draw)


def test_answers_are_deterministic_and_knowledge_is_stable(df):
    first = run(df, "atlas-1", material="first run")
    again = run(df, "atlas-1", material="first run")
    other = run(df, "atlas-1", material="another seed")
    assert first["reply"].tolist() == again["reply"].tolist()
    # A different draw may change which wrong letter is given, never whether the model knows the answer.
    assert first["correct"].tolist() == other["correct"].tolist()


def test_shuffled_options_do_not_fool_a_model_that_knows(df):
    known = mcq.known_questions("atlas-1")
    row = df[df["question_id"].isin(known)].iloc[0]
    key_text = row[row["answer"]]
    shuffled = {**row.to_dict(), "A": row["D"], "B": row["C"], "C": row["B"], "D": row["A"]}
    new_letter = next(letter for letter in "ABCD" if shuffled[letter] == key_text)
    assert mcq.respond("atlas-1", bm.format_question(shuffled), Draw("x")) == new_letter


def test_an_unknown_question_gets_a_valid_letter_and_no_claim():
    text = (
        "Which colour is the Acme logo?\nA. Red\nB. Blue\nC. Green\nD. Orange\n"
        "Answer with the letter of the correct option."
    )
    assert mcq.looks_like_mcq(text)
    assert mcq.find_question(text) is None
    replies = {mcq.respond("atlas-1", text, Draw(f"try {i}")) for i in range(20)}
    assert replies <= set("ABCD") and len(replies) > 1
    assert bm.parse_choice(mcq.respond("beacon-1", text, Draw("try"))) in set("ABCD")


def test_an_unknown_question_with_more_options_may_get_any_of_them():
    text = "Pick one.\n(a) one\n(b) two\n(c) three\n(d) four\n(e) five"
    replies = {mcq.respond("atlas-1", text, Draw(f"try {i}")) for i in range(40)}
    assert "E" in replies and replies <= set("ABCDE")


@pytest.mark.parametrize(
    "text",
    [
        "Where is my order 1042? I paid on Monday.",
        "A. I want a refund\nThe blender arrived broken.",
        "Hi, can you tell me the answer to my question about returns?",
        "",
    ],
)
def test_support_messages_do_not_look_like_mcq(text):
    assert not mcq.looks_like_mcq(text)
