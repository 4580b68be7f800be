"""Generated English-like text: the corpus of the embedded default model and the demo's task.

Nothing is downloaded: sentences come from small word lists and templates, drawn with a seeded
NumPy generator, so every run of `tools/make_default_model.py` and of the demo sees the same text.

The demo's task (`long_range_documents`): a question comes first ("what colour does the guard
wear ?"), the answer comes only at the end of the document, some 1,100 tokens of filler later
("the guard wears blue ."). The label is that colour. Nothing in the first ~1,100 tokens says
anything about the label, so a model that reads only a 512-token prefix is at chance; a model
that reads the whole document can get it right. (The answer is stated 30 times in the closing
part, so that a small model learns the task in a few minutes on a CPU.)
"""

from __future__ import annotations

import numpy as np

ADJECTIVES = (
    "old quiet small large green dark bright cold warm busy empty narrow wide tall short heavy light "
    "early late young ancient simple strange careful sudden gentle loud distant local broken new"
).split()
NOUNS = (
    "river city garden window teacher farmer market bridge letter engine forest village doctor road "
    "station library mountain harbor kitchen student painter island tower valley soldier merchant "
    "lantern wagon castle meadow"
).split()
VERBS = (
    "watches follows crosses builds finds carries opens paints visits leaves reaches remembers "
    "describes repairs passes greets"
).split()
PLACES = (
    "the hill the sea the square the wall the gate the field the shore the school the mill the lake "
    "the north road the old well"
).split(" the ")
TIMES = "at dawn|in the evening|after the rain|before winter|every morning|at noon|during the storm|later".split("|")
CONNECTORS = "and then|while|because|so|but".split("|")
#: The label words of the demo's task and the people who wear them; none appear in the filler text.
COLOURS = ("red", "blue")
PEOPLE = ("guard", "visitor")


def _place(rng: np.random.Generator) -> str:
    place = PLACES[rng.integers(len(PLACES))].strip()
    return place if place.startswith("the ") else "the " + place


def sentence(rng: np.random.Generator) -> str:
    """One filler sentence ("the old farmer crosses the bridge near the mill at dawn .")."""
    a, b = rng.integers(len(ADJECTIVES), size=2)
    n1, n2 = rng.integers(len(NOUNS), size=2)
    verb = VERBS[rng.integers(len(VERBS))]
    text = f"the {ADJECTIVES[a]} {NOUNS[n1]} {verb} the {ADJECTIVES[b]} {NOUNS[n2]} near {_place(rng)}"
    kind = rng.integers(3)
    if kind == 1:
        text += " " + TIMES[rng.integers(len(TIMES))]
    elif kind == 2:
        n3 = NOUNS[rng.integers(len(NOUNS))]
        text += f" {CONNECTORS[rng.integers(len(CONNECTORS))]} the {n3} {VERBS[rng.integers(len(VERBS))]} {_place(rng)}"
    return text + " ."


def filler(rng: np.random.Generator, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def question(person: str) -> str:
    return f"what colour does the {person} wear ?"


def fact_sentence(person: str, colour: str) -> str:
    return f"the {person} wears {colour} ."


def pretraining_documents(count: int, *, sentences: tuple[int, int] = (20, 60), seed: int = 0) -> list[str]:
    """Documents for the tokenizer and masked-LM pretraining: filler, questions and facts."""
    rng = np.random.default_rng(seed)
    documents = []
    for _ in range(count):
        parts = [sentence(rng) for _ in range(int(rng.integers(*sentences)))]
        for person in PEOPLE:
            if rng.random() < 0.5:
                fact = fact_sentence(person, COLOURS[rng.integers(len(COLOURS))])
                parts.insert(int(rng.integers(len(parts) + 1)), fact)
        if rng.random() < 0.3:
            parts.insert(0, question(PEOPLE[rng.integers(len(PEOPLE))]))
        documents.append(" ".join(parts))
    return documents


def long_range_documents(
    count: int, *, sentences: int = 100, repeats: int = 30, closing: int = 20, seed: int = 0
) -> tuple[list[str], list[str], np.ndarray]:
    """`count` (question, document, label) triples; documents hold `sentences` filler sentences.

    About 15 tokens a sentence: 100 sentences and 30 answers are some 1,500-1,650 tokens. The
    asked person's fact ("the guard wears blue .") is stated `repeats` times, at random places
    among the last `closing` filler sentences (so it is in the last ~450 tokens, never in the
    first ~1,100); label = `COLOURS.index(colour)`. Labels are balanced (alternating, then shuffled).
    """
    rng = np.random.default_rng(seed)
    questions, documents, labels = [], [], np.zeros(count, np.int32)
    for index in range(count):
        asked = PEOPLE[rng.integers(len(PEOPLE))]
        answer = index % 2
        body = [sentence(rng) for _ in range(sentences)]
        head, tail = body[: sentences - closing], body[sentences - closing:]
        for _ in range(repeats):
            tail.insert(int(rng.integers(len(tail) + 1)), fact_sentence(asked, COLOURS[answer]))
        questions.append(question(asked))
        documents.append(" ".join(head + tail))
        labels[index] = answer
    order = rng.permutation(count)
    return [questions[i] for i in order], [documents[i] for i in order], labels[order]
