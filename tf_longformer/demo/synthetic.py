"""Generated English-like text: the corpus of the embedded default model and the demo's task.

Nothing is downloaded: sentences come from small word lists and templates, drawn with a seeded
NumPy generator, so every run of `tools/make_default_model.py` and of the demo sees the same text.

The demo's task (`far_apart_documents`): the question, "what colour does the one on duty
wear ?", is the same for every document. The opening of the document says who is on duty
("the guard is on duty ."); only the closing part, at least ~260 tokens of filler later, says
what people wear, without naming them ("a man in blue passes the gate ."). Each person has
their own two colours (the guard red or blue, the visitor black or white) and both are seen,
so the answer needs both ends of the document: the opening alone (which is all a 512-token
prefix holds) narrows it to the two colours of the one on duty, the closing part alone to the
two colours worn; either is right half the time, a model that reads the whole document can get
it right every time. (Each fact is stated 30 times, so that a small model learns the task in a
few minutes on a CPU.)

`long_range_documents` is the earlier, simpler task the examples use: the question ("what
colour does the guard wear ?") comes first and the answer ("the guard wears blue .") only at
the end, so the closing part alone is enough there.
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
#: The label words of `long_range_documents` (and of pretraining) and the people who wear them;
#: none appear in the filler text.
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



#: The demo's task: each person wears one of their own two colours (no colour is shared, so a
#: colour word alone says whose it is). Label ids are the indexes in `PALETTE_COLOURS`.
PALETTES = {"guard": ("red", "blue"), "visitor": ("black", "white")}
PALETTE_COLOURS = tuple(colour for person in PEOPLE for colour in PALETTES[person])
DUTY_QUESTION = "what colour does the one on duty wear ?"


def duty_sentence(person: str) -> str:
    return f"the {person} is on duty ."


def sighting_sentence(colour: str) -> str:
    """A fact of the demo's task that names no person: the colour alone says whose it is."""
    return f"a man in {colour} passes the gate ."


def far_apart_documents(
    count: int, *, sentences: int = 50, repeats: int = 30, opening: int = 15, closing: int = 15, seed: int = 0
) -> tuple[list[str], list[str], np.ndarray]:
    """`count` (question, document, label) triples whose answer needs both ends of the document.

    A document is `sentences` filler sentences (~15 tokens each). Among the first `opening` of
    them, "the guard is on duty ." (or the visitor) is stated `repeats` times; among the last
    `closing`, each person's colour, one of their own two (`PALETTES`), drawn independently, is
    stated `repeats` times ("a man in black passes the gate ."). With the defaults: 1,650-1,800
    tokens, who is on duty within the first ~550 (mostly within the first 512), the colours in
    the last ~850-950, and at least ~260 tokens (20 filler sentences) between the two. The question is `DUTY_QUESTION`; the label is the colour of the one
    on duty, `PALETTE_COLOURS.index(colour)`. Labels are balanced (each colour in turn, then
    shuffled).
    """
    if opening + closing > sentences:
        raise ValueError(f"opening + closing ({opening} + {closing}) must not exceed sentences ({sentences})")
    rng = np.random.default_rng(seed)
    questions, documents, labels = [], [], np.zeros(count, np.int32)
    for index in range(count):
        label = index % len(PALETTE_COLOURS)
        colour = PALETTE_COLOURS[label]
        on_duty = next(person for person in PEOPLE if colour in PALETTES[person])
        worn = {person: (colour if person == on_duty else PALETTES[person][rng.integers(2)]) for person in PEOPLE}
        body = [sentence(rng) for _ in range(sentences)]
        head, middle, tail = body[:opening], body[opening: sentences - closing], body[sentences - closing:]
        for _ in range(repeats):
            head.insert(int(rng.integers(len(head) + 1)), duty_sentence(on_duty))
        for person in PEOPLE:
            for _ in range(repeats):
                tail.insert(int(rng.integers(len(tail) + 1)), sighting_sentence(worn[person]))
        questions.append(DUTY_QUESTION)
        documents.append(" ".join(head + middle + tail))
        labels[index] = label
    order = rng.permutation(count)
    return [questions[i] for i in order], [documents[i] for i in order], labels[order]
