"""Build ``benchmark_mcq.csv``: a small multiple-choice benchmark in the style of MMLU.

The questions were written by hand for this workbook; none is taken from MMLU or any other benchmark. Each entry
names its correct option and three wrong ones, so the answer key is visible where the question is written and
cannot drift when options move. The letter the correct option lands on is assigned here, from a fixed seed, so
that every letter is the key for about a quarter of the questions: a benchmark whose key is mostly "C" would
reward a model that always says "C".

Run ``python data/generators/benchmark.py`` to rewrite ``data/benchmark_mcq.csv``.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

SEED = 20240601
LETTERS = ("A", "B", "C", "D")
COLUMNS = ("question_id", "subject", "question", "A", "B", "C", "D", "answer")

# Subject name -> prefix of its question ids.
SUBJECTS = {
    "arithmetic": "ari",
    "algebra": "alg",
    "geography": "geo",
    "biology": "bio",
    "chemistry": "che",
    "physics": "phy",
    "world history": "his",
    "computer science": "cs",
    "economics": "eco",
    "statistics": "sta",
    "English usage": "eng",
}

# Each question: subject, question text, the correct option, three wrong options.
# fmt: off
QUESTIONS: list[dict] = [
    # --- arithmetic ---
    {"subject": "arithmetic", "question": "What is 17 multiplied by 6?",
     "correct": "102", "wrong": ["96", "112", "108"]},
    {"subject": "arithmetic", "question": "What is 144 divided by 12?",
     "correct": "12", "wrong": ["11", "13", "14"]},
    {"subject": "arithmetic", "question": "What is 25% of 80?",
     "correct": "20", "wrong": ["25", "16", "40"]},
    {"subject": "arithmetic", "question": "What is 3/4 + 1/8?",
     "correct": "7/8", "wrong": ["4/12", "5/8", "3/8"]},
    {"subject": "arithmetic", "question": "What is 0.3 multiplied by 0.2?",
     "correct": "0.06", "wrong": ["0.6", "0.006", "0.5"]},
    {"subject": "arithmetic", "question": "What is the remainder when 100 is divided by 7?",
     "correct": "2", "wrong": ["3", "1", "5"]},
    {"subject": "arithmetic", "question": "What is 2 raised to the power of 10?",
     "correct": "1024", "wrong": ["1000", "512", "2048"]},
    {"subject": "arithmetic", "question": "What is the least common multiple of 4 and 6?",
     "correct": "12", "wrong": ["24", "2", "10"]},
    {"subject": "arithmetic", "question": "What is 3.14159 rounded to two decimal places?",
     "correct": "3.14", "wrong": ["3.15", "3.1", "3.142"]},
    {"subject": "arithmetic", "question": "What is -8 + 15 - 4?",
     "correct": "3", "wrong": ["-3", "11", "19"]},
    # --- algebra ---
    {"subject": "algebra", "question": "Solve for x: 3x + 5 = 20.",
     "correct": "x = 5", "wrong": ["x = 15", "x = 25/3", "x = 8"]},
    {"subject": "algebra", "question": "What is the slope of the line y = -2x + 7?",
     "correct": "-2", "wrong": ["2", "7", "-7"]},
    {"subject": "algebra", "question": "Which expression equals (x + 3)(x - 3)?",
     "correct": "x^2 - 9", "wrong": ["x^2 + 9", "x^2 - 6x - 9", "x^2 + 6x - 9"]},
    {"subject": "algebra", "question": "If f(x) = x^2 - 4x, what is f(3)?",
     "correct": "-3", "wrong": ["3", "21", "-12"]},
    {"subject": "algebra", "question": "What are the solutions of x^2 - 5x + 6 = 0?",
     "correct": "x = 2 and x = 3",
     "wrong": ["x = -2 and x = -3", "x = 1 and x = 6", "x = -1 and x = 6"]},
    {"subject": "algebra", "question": "Which expression is equal to 2(a + 4) - 3a?",
     "correct": "-a + 8", "wrong": ["5a + 8", "-a + 4", "a + 8"]},
    {"subject": "algebra", "question": "For which value of x is 2^x = 32?",
     "correct": "5", "wrong": ["4", "6", "16"]},
    {"subject": "algebra", "question": "Which point lies on the line y = 3x - 1?",
     "correct": "(2, 5)", "wrong": ["(1, 3)", "(0, 1)", "(3, 7)"]},
    {"subject": "algebra", "question": "Which pair solves the system x + y = 10 and x - y = 4?",
     "correct": "x = 7, y = 3", "wrong": ["x = 3, y = 7", "x = 6, y = 4", "x = 8, y = 2"]},
    {"subject": "algebra", "question": "What is the y-intercept of the line 2y = 4x + 6?",
     "correct": "3", "wrong": ["6", "2", "4"]},
    # --- geography ---
    {"subject": "geography", "question": "What is the capital of Australia?",
     "correct": "Canberra", "wrong": ["Sydney", "Melbourne", "Perth"]},
    {"subject": "geography", "question": "Which is the longest river in South America?",
     "correct": "The Amazon", "wrong": ["The Parana", "The Orinoco", "The Magdalena"]},
    {"subject": "geography", "question": "In which country is Mount Kilimanjaro?",
     "correct": "Tanzania", "wrong": ["Kenya", "Uganda", "Ethiopia"]},
    {"subject": "geography", "question": "Which ocean lies between Africa and Australia?",
     "correct": "The Indian Ocean", "wrong": ["The Atlantic Ocean", "The Pacific Ocean", "The Arctic Ocean"]},
    {"subject": "geography", "question": "What is the capital of Canada?",
     "correct": "Ottawa", "wrong": ["Toronto", "Vancouver", "Montreal"]},
    {"subject": "geography", "question": "Which country has the largest land area?",
     "correct": "Russia", "wrong": ["Canada", "China", "The United States"]},
    {"subject": "geography", "question": "The Atacama Desert lies mostly in which country?",
     "correct": "Chile", "wrong": ["Peru", "Argentina", "Bolivia"]},
    {"subject": "geography",
     "question": "Which strait separates Europe from Africa at the western end of the Mediterranean Sea?",
     "correct": "The Strait of Gibraltar",
     "wrong": ["The Bosporus", "The Strait of Hormuz", "The Strait of Malacca"]},
    {"subject": "geography", "question": "Which of these South American countries is landlocked?",
     "correct": "Bolivia", "wrong": ["Peru", "Chile", "Ecuador"]},
    {"subject": "geography", "question": "What is the capital of Kenya?",
     "correct": "Nairobi", "wrong": ["Mombasa", "Kampala", "Addis Ababa"]},
    # --- biology ---
    {"subject": "biology",
     "question": "Which organelle produces most of the ATP in a eukaryotic cell through aerobic respiration?",
     "correct": "The mitochondrion", "wrong": ["The ribosome", "The Golgi apparatus", "The nucleus"]},
    {"subject": "biology", "question": "Which protein carries oxygen in red blood cells?",
     "correct": "Hemoglobin", "wrong": ["Myoglobin", "Insulin", "Collagen"]},
    {"subject": "biology", "question": "Which gas do plants take in from the air for photosynthesis?",
     "correct": "Carbon dioxide", "wrong": ["Oxygen", "Nitrogen", "Methane"]},
    {"subject": "biology", "question": "How many chromosomes does a typical human body cell contain?",
     "correct": "46", "wrong": ["23", "44", "48"]},
    {"subject": "biology", "question": "Which base is found in RNA but not in DNA?",
     "correct": "Uracil", "wrong": ["Thymine", "Adenine", "Guanine"]},
    {"subject": "biology", "question": "Which type of blood vessel carries blood away from the heart?",
     "correct": "An artery", "wrong": ["A vein", "A capillary", "A venule"]},
    {"subject": "biology", "question": "What is the basic unit of heredity?",
     "correct": "The gene", "wrong": ["The protein", "The ribosome", "The lipid"]},
    {"subject": "biology", "question": "Which organ produces insulin?",
     "correct": "The pancreas", "wrong": ["The liver", "The kidney", "The spleen"]},
    {"subject": "biology",
     "question": "Which kind of cell division produces four cells, each with half the parent's number "
     "of chromosomes?",
     "correct": "Meiosis", "wrong": ["Mitosis", "Binary fission", "Budding"]},
    {"subject": "biology", "question": "To which kingdom do mushrooms belong?",
     "correct": "Fungi", "wrong": ["Plants", "Animals", "Bacteria"]},
    # --- chemistry ---
    {"subject": "chemistry", "question": "What is the chemical symbol for sodium?",
     "correct": "Na", "wrong": ["So", "Sd", "S"]},
    {"subject": "chemistry", "question": "What is the pH of pure water at 25 degrees Celsius?",
     "correct": "7", "wrong": ["0", "1", "14"]},
    {"subject": "chemistry", "question": "How many protons does an atom of carbon have?",
     "correct": "6", "wrong": ["12", "8", "4"]},
    {"subject": "chemistry", "question": "Which gas makes up most of Earth's atmosphere?",
     "correct": "Nitrogen", "wrong": ["Oxygen", "Argon", "Carbon dioxide"]},
    {"subject": "chemistry", "question": "What kind of bond forms when two atoms share a pair of electrons?",
     "correct": "A covalent bond", "wrong": ["An ionic bond", "A metallic bond", "A hydrogen bond"]},
    {"subject": "chemistry", "question": "What is the chemical formula of table salt?",
     "correct": "NaCl", "wrong": ["KCl", "NaOH", "CaCl2"]},
    {"subject": "chemistry", "question": "Which element has atomic number 1?",
     "correct": "Hydrogen", "wrong": ["Helium", "Lithium", "Oxygen"]},
    {"subject": "chemistry", "question": "What is the approximate value of Avogadro's number?",
     "correct": "6.02 x 10^23", "wrong": ["3.00 x 10^8", "6.67 x 10^-11", "1.60 x 10^-19"]},
    {"subject": "chemistry", "question": "Which of these elements is a noble gas?",
     "correct": "Argon", "wrong": ["Chlorine", "Nitrogen", "Oxygen"]},
    {"subject": "chemistry", "question": "What are the products when methane burns completely in oxygen?",
     "correct": "Carbon dioxide and water",
     "wrong": ["Carbon monoxide and hydrogen", "Carbon and water", "Methanol and oxygen"]},
    # --- physics ---
    {"subject": "physics", "question": "What is the SI unit of force?",
     "correct": "The newton", "wrong": ["The joule", "The watt", "The pascal"]},
    {"subject": "physics", "question": "What is the approximate speed of light in a vacuum?",
     "correct": "300,000 km per second",
     "wrong": ["300,000 km per hour", "3,000 km per second", "30,000 km per second"]},
    {"subject": "physics",
     "question": "What is the approximate acceleration of an object falling freely near Earth's surface?",
     "correct": "9.8 m/s^2", "wrong": ["1.6 m/s^2", "98 m/s^2", "0.98 m/s^2"]},
    {"subject": "physics", "question": "Which of these particles carries a negative electric charge?",
     "correct": "The electron", "wrong": ["The proton", "The neutron", "The photon"]},
    {"subject": "physics", "question": "What is the unit of electrical resistance?",
     "correct": "The ohm", "wrong": ["The volt", "The ampere", "The coulomb"]},
    {"subject": "physics", "question": "A car travels 120 km in 2 hours. What is its average speed?",
     "correct": "60 km/h", "wrong": ["240 km/h", "30 km/h", "122 km/h"]},
    {"subject": "physics",
     "question": "A 12-volt battery is connected across a 4-ohm resistor. What current flows?",
     "correct": "3 A", "wrong": ["48 A", "0.33 A", "16 A"]},
    {"subject": "physics", "question": "What kind of energy does a stretched spring store?",
     "correct": "Elastic potential energy", "wrong": ["Kinetic energy", "Thermal energy", "Nuclear energy"]},
    {"subject": "physics",
     "question": "If a wave's wavelength doubles while its speed stays the same, what happens to its frequency?",
     "correct": "It halves", "wrong": ["It doubles", "It stays the same", "It quadruples"]},
    {"subject": "physics", "question": "What is the kinetic energy of a 2 kg mass moving at 3 m/s?",
     "correct": "9 J", "wrong": ["6 J", "18 J", "3 J"]},
    # --- world history ---
    {"subject": "world history", "question": "In which year did the Second World War end?",
     "correct": "1945", "wrong": ["1939", "1944", "1918"]},
    {"subject": "world history", "question": "Who was the first President of the United States?",
     "correct": "George Washington", "wrong": ["Thomas Jefferson", "John Adams", "Abraham Lincoln"]},
    {"subject": "world history", "question": "In which year did the Berlin Wall fall?",
     "correct": "1989", "wrong": ["1991", "1961", "1985"]},
    {"subject": "world history", "question": "Which civilization built Machu Picchu?",
     "correct": "The Inca", "wrong": ["The Aztecs", "The Maya", "The Olmecs"]},
    {"subject": "world history", "question": "In which year was Magna Carta sealed by King John of England?",
     "correct": "1215", "wrong": ["1066", "1492", "1348"]},
    {"subject": "world history", "question": "Who was the first person to walk on the Moon?",
     "correct": "Neil Armstrong", "wrong": ["Buzz Aldrin", "Yuri Gagarin", "John Glenn"]},
    {"subject": "world history", "question": "In which year did the French Revolution begin?",
     "correct": "1789", "wrong": ["1776", "1815", "1848"]},
    {"subject": "world history",
     "question": "Which empire, the eastern continuation of the Roman Empire, had Constantinople as its "
     "capital until 1453?",
     "correct": "The Byzantine Empire",
     "wrong": ["The Ottoman Empire", "The Holy Roman Empire", "The Persian Empire"]},
    {"subject": "world history", "question": "Who wrote The Communist Manifesto together with Friedrich Engels?",
     "correct": "Karl Marx", "wrong": ["Vladimir Lenin", "Leon Trotsky", "Joseph Stalin"]},
    {"subject": "world history", "question": "In which year did Nelson Mandela become President of South Africa?",
     "correct": "1994", "wrong": ["1990", "1989", "1999"]},
    # --- computer science ---
    {"subject": "computer science", "question": "How many bits are in a byte?",
     "correct": "8", "wrong": ["4", "16", "10"]},
    {"subject": "computer science",
     "question": "What is the worst-case time complexity of binary search on a sorted array of n elements?",
     "correct": "O(log n)", "wrong": ["O(n)", "O(n log n)", "O(1)"]},
    {"subject": "computer science",
     "question": "Which data structure removes items in last-in, first-out order?",
     "correct": "A stack", "wrong": ["A queue", "A hash table", "A binary search tree"]},
    {"subject": "computer science", "question": "What is the decimal number 10 written in binary?",
     "correct": "1010", "wrong": ["1001", "1100", "0110"]},
    {"subject": "computer science",
     "question": "Which protocol translates domain names such as example.com into IP addresses?",
     "correct": "DNS", "wrong": ["HTTP", "SMTP", "DHCP"]},
    {"subject": "computer science", "question": "What does the abbreviation SQL stand for?",
     "correct": "Structured Query Language",
     "wrong": ["Simple Query Language", "Sequential Query Logic", "Standard Question Language"]},
    {"subject": "computer science", "question": "What is the decimal value of the hexadecimal number FF?",
     "correct": "255", "wrong": ["256", "15", "240"]},
    {"subject": "computer science",
     "question": "Which sorting algorithm splits a list into halves, sorts each half, and combines the sorted "
     "halves?",
     "correct": "Merge sort", "wrong": ["Bubble sort", "Insertion sort", "Selection sort"]},
    {"subject": "computer science", "question": "In Python 3, what is the value of the expression 7 // 2?",
     "correct": "3", "wrong": ["3.5", "4", "1"]},
    {"subject": "computer science",
     "question": "Which logic gate outputs true only when both of its inputs are true?",
     "correct": "AND", "wrong": ["OR", "XOR", "NAND"]},
    # --- economics ---
    {"subject": "economics",
     "question": "According to the law of demand, what happens to the quantity demanded of a good when its "
     "price rises, other things being equal?",
     "correct": "It falls", "wrong": ["It rises", "It stays the same", "It doubles"]},
    {"subject": "economics", "question": "What does the abbreviation GDP stand for?",
     "correct": "Gross domestic product",
     "wrong": ["General domestic production", "Gross development percentage", "Global demand price"]},
    {"subject": "economics", "question": "Inflation is a sustained rise in which of these?",
     "correct": "The general price level",
     "wrong": ["The unemployment rate", "The value of the currency", "The total output of the economy"]},
    {"subject": "economics", "question": "What is the name of the central bank of the United States?",
     "correct": "The Federal Reserve",
     "wrong": ["The Treasury", "The International Monetary Fund", "The World Bank"]},
    {"subject": "economics", "question": "What is opportunity cost?",
     "correct": "The value of the next best alternative given up",
     "wrong": ["The money price paid for a good", "The total cost of all possible alternatives",
               "The cost of producing one more unit"]},
    {"subject": "economics", "question": "What is a market with a single seller called?",
     "correct": "A monopoly", "wrong": ["An oligopoly", "A monopsony", "Perfect competition"]},
    {"subject": "economics",
     "question": "What usually happens when a price ceiling is set below the equilibrium price?",
     "correct": "A shortage", "wrong": ["A surplus", "No change in the market", "A rise in the market price"]},
    {"subject": "economics",
     "question": "Which index is most commonly used to track changes in the prices paid by consumers?",
     "correct": "The consumer price index",
     "wrong": ["The producer price index", "The Gini coefficient", "The unemployment rate"]},
    {"subject": "economics",
     "question": "What is a good called whose demand increases when consumers' incomes rise?",
     "correct": "A normal good", "wrong": ["An inferior good", "A public good", "A complementary good"]},
    {"subject": "economics",
     "question": "When a country's currency depreciates, what usually happens to its exports?",
     "correct": "They become cheaper for foreign buyers",
     "wrong": ["They become more expensive for foreign buyers", "Their price for foreign buyers is unchanged",
               "They become subject to higher tariffs"]},
    # --- statistics ---
    {"subject": "statistics", "question": "What is the mean of 2, 4, 6 and 8?",
     "correct": "5", "wrong": ["4", "6", "20"]},
    {"subject": "statistics", "question": "What is the median of 2, 9, 1, 7 and 4?",
     "correct": "4", "wrong": ["4.6", "1", "7"]},
    {"subject": "statistics", "question": "What is the mode of 1, 2, 2, 3, 3, 3 and 4?",
     "correct": "3", "wrong": ["2", "4", "7"]},
    {"subject": "statistics",
     "question": "A fair six-sided die is rolled once. What is the probability of rolling an even number?",
     "correct": "1/2", "wrong": ["1/3", "1/6", "2/3"]},
    {"subject": "statistics", "question": "Two fair coins are tossed. What is the probability that both land heads?",
     "correct": "1/4", "wrong": ["1/2", "1/3", "3/4"]},
    {"subject": "statistics", "question": "Which of these summary statistics is least affected by extreme outliers?",
     "correct": "The median", "wrong": ["The mean", "The range", "The standard deviation"]},
    {"subject": "statistics", "question": "The standard deviation of a data set is 3. What is its variance?",
     "correct": "9", "wrong": ["3", "1.73", "6"]},
    {"subject": "statistics", "question": "What does a correlation coefficient of -0.9 indicate?",
     "correct": "A strong negative linear relationship",
     "wrong": ["A weak negative linear relationship", "A strong positive linear relationship",
               "No relationship at all"]},
    {"subject": "statistics",
     "question": "About what percentage of the values in a normal distribution lie within one standard "
     "deviation of the mean?",
     "correct": "68%", "wrong": ["95%", "99.7%", "50%"]},
    {"subject": "statistics", "question": "In a hypothesis test, what is the p-value?",
     "correct": "The probability of data at least as extreme as those observed, if the null hypothesis is true",
     "wrong": ["The probability that the null hypothesis is true",
               "The probability that the alternative hypothesis is true",
               "The probability of making a type II error"]},
    # --- English usage ---
    {"subject": "English usage", "question": "Which sentence is written correctly?",
     "correct": "The dog wagged its tail.",
     "wrong": ["The dog wagged it's tail.", "The dog wagged its' tail.", "The dog wagged it is tail."]},
    {"subject": "English usage",
     "question": 'Which word correctly completes the sentence "___ going to the market tomorrow."?',
     "correct": "They're", "wrong": ["Their", "There", "Theirs"]},
    {"subject": "English usage", "question": 'What is the plural of "mouse" when it means the animal?',
     "correct": "mice", "wrong": ["mouses", "mousen", "meese"]},
    {"subject": "English usage", "question": 'Which word is a synonym of "rapid"?',
     "correct": "fast", "wrong": ["slow", "steady", "rare"]},
    {"subject": "English usage",
     "question": 'Which word is an adverb in the sentence "She sang beautifully at the concert."?',
     "correct": "beautifully", "wrong": ["sang", "concert", "She"]},
    {"subject": "English usage", "question": 'What is the simple past tense of the verb "go"?',
     "correct": "went", "wrong": ["goed", "gone", "going"]},
    {"subject": "English usage", "question": 'Which word is an antonym of "generous"?',
     "correct": "stingy", "wrong": ["kind", "lavish", "charitable"]},
    {"subject": "English usage",
     "question": 'Which word correctly completes the sentence "I would rather walk ___ take the bus."?',
     "correct": "than", "wrong": ["then", "that", "as"]},
    {"subject": "English usage", "question": "Which of these words is spelled correctly?",
     "correct": "necessary", "wrong": ["neccessary", "necessery", "neccesary"]},
    {"subject": "English usage",
     "question": 'What is the subject of the sentence "The children played in the park."?',
     "correct": "The children", "wrong": ["played", "the park", "in"]},
]
# fmt: on


def _check(questions: list[dict]) -> None:
    """Refuse to write a benchmark with a structural mistake (an unknown subject, a repeated option...)."""
    seen = set()
    for number, item in enumerate(questions, start=1):
        where = f"question {number} ({item.get('question', '?')!r})"
        if item["subject"] not in SUBJECTS:
            raise ValueError(f"{where} has the unknown subject {item['subject']!r}; add it to SUBJECTS.")
        options = [item["correct"], *item["wrong"]]
        if len(item["wrong"]) != 3 or len({o.strip().casefold() for o in options}) != 4:
            raise ValueError(f"{where} needs one correct option and three different wrong ones.")
        key = " ".join(item["question"].casefold().split())
        if key in seen:
            raise ValueError(f"{where} appears twice.")
        seen.add(key)


def benchmark_rows(questions: list[dict] | None = None, seed: int = SEED) -> list[dict]:
    """The CSV rows: ids numbered within each subject, the key letters balanced over A-D, options shuffled."""
    questions = QUESTIONS if questions is None else questions
    _check(questions)
    rng = random.Random(seed)
    # Balanced key: each letter used ceil(n/4) or floor(n/4) times, in a shuffled order.
    keys = [LETTERS[i % 4] for i in range(len(questions))]
    rng.shuffle(keys)
    counters: dict[str, int] = {}
    rows = []
    for item, key in zip(questions, keys, strict=True):
        subject = item["subject"]
        counters[subject] = counters.get(subject, 0) + 1
        wrong = list(item["wrong"])
        rng.shuffle(wrong)
        options = dict(zip([letter for letter in LETTERS if letter != key], wrong, strict=True))
        options[key] = item["correct"]
        rows.append(
            {
                "question_id": f"{SUBJECTS[subject]}-{counters[subject]:02d}",
                "subject": subject,
                "question": item["question"],
                **{letter: options[letter] for letter in LETTERS},
                "answer": key,
            }
        )
    return rows


def build_benchmark(out_dir: Path) -> None:
    """Write ``benchmark_mcq.csv`` into ``out_dir`` (UTF-8, LF line endings, so the file is byte-stable)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "benchmark_mcq.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(benchmark_rows())


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1]
    build_benchmark(target)
    print(f"Wrote {len(QUESTIONS)} questions to {target.name}/benchmark_mcq.csv", file=sys.stdout)
