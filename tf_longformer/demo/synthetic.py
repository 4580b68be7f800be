"""Generated English-like text: the corpus of the embedded default model and the demo's task.

Nothing is downloaded: sentences come from small word lists and templates, drawn with a seeded
NumPy generator, so every run of `tools/make_default_model.py` and of the demo sees the same text.

The demo's task (`gate_documents`): the opening of each document says who is at the gate ("the
guard is at the gate ."), only its closing part says what colour the gate is ("the gate is red
."); the label is the pair ("guard at the red gate", one of four). Either end alone leaves two
of the four labels: the opening (which is all a 512-token prefix holds) says who but not the
colour, the closing part the colour but not who; a model that reads the whole document can get
it right every time. (Each fact is stated 80 times, in words that are whole tokens of the
default tokenizer, so that a small model learns the task in a minute or two on a CPU.)

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
        head, tail = body[: sentences - closing], body[sentences - closing :]
        for _ in range(repeats):
            tail.insert(int(rng.integers(len(tail) + 1)), fact_sentence(asked, COLOURS[answer]))
        questions.append(question(asked))
        documents.append(" ".join(head + tail))
        labels[index] = answer
    order = rng.permutation(count)
    return [questions[i] for i in order], [documents[i] for i in order], labels[order]


#: The demo's labels: who is at the gate and its colour. Label id = 2 * `PEOPLE` index + `COLOURS` index.
GATE_LABELS = tuple(f"{person} at the {colour} gate" for person in PEOPLE for colour in COLOURS)


def at_gate_sentence(person: str) -> str:
    """The opening's fact: who is at the gate."""
    return f"the {person} is at the gate ."


def gate_colour_sentence(colour: str) -> str:
    """The closing part's fact: it names the colour but not the person."""
    return f"the gate is {colour} ."


def gate_documents(
    count: int, *, sentences: int = 10, repeats: int = 80, opening: int = 3, closing: int = 3, seed: int = 0
) -> tuple[list[str], np.ndarray]:
    """`count` (document, label) pairs whose label needs both ends of the document.

    A document is `sentences` filler sentences (~20 tokens each). Among the first `opening` of
    them, "the guard is at the gate ." (or the visitor; 7 tokens) is stated `repeats` times;
    among the last `closing`, "the gate is red ." (or blue; 5 tokens), `repeats` times. The
    label is the pair (`GATE_LABELS`: "guard at the red gate", ... four in all). Every word of
    the facts is a whole token of the default tokenizer. With the defaults: ~1,100-1,200
    tokens, who is at the gate within the first ~650, the colour only after ~600 (so a 512-token
    prefix holds who but not the colour, and the closing part alone says the colour but not
    who: either end alone is right half the time). Labels are balanced (each in turn, then
    shuffled).
    """
    if opening + closing > sentences:
        raise ValueError(f"opening + closing ({opening} + {closing}) must not exceed sentences ({sentences})")
    rng = np.random.default_rng(seed)
    documents, labels = [], np.zeros(count, np.int32)
    for index in range(count):
        label = index % len(GATE_LABELS)
        person, colour = PEOPLE[label // len(COLOURS)], COLOURS[label % len(COLOURS)]
        body = [sentence(rng) for _ in range(sentences)]
        head, middle, tail = body[:opening], body[opening : sentences - closing], body[sentences - closing :]
        for _ in range(repeats):
            head.insert(int(rng.integers(len(head) + 1)), at_gate_sentence(person))
        for _ in range(repeats):
            tail.insert(int(rng.integers(len(tail) + 1)), gate_colour_sentence(colour))
        documents.append(" ".join(head + middle + tail))
        labels[index] = label
    order = rng.permutation(count)
    return [documents[i] for i in order], labels[order]
