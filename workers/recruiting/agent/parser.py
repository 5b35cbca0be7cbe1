"""The offline command parser: a tokenizer, an entity pass, and a small intent grammar.

Parsing a message is three steps, none of them a regular expression per sentence:

1. **Tokens**: words lowercased and lemmatized through a small table (``jobs``→``job``,
   ``applicants``→``application``, ``interviews``→``interviewing``), numbers (``5``, ``#5``),
   ordinals (``first``, ``2nd``).
2. **Entities**: a noun followed by a number is a reference (``job 5``, ``candidate #7``,
   ``job id 5``); ``him``/``her``/``that job`` are pronoun references; ``the first one`` an
   ordinal reference; pipeline stages, job statuses and ``top N`` are slots.
3. **Intents**: each intent is a frame (trigger lemmas, the object nouns it lists or acts
   on, the references it needs). Every frame is scored against the entities; the best
   complete frame wins. A message with references but no trigger ("and for job 6?") is an
   *ellipsis*: it repeats the previous command with the new reference (see conversation).

The result is a :class:`Command` whose slots may still hold unresolved references
(``{"ref": "pronoun", "type": "candidate"}``); the conversation resolves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.models.recruiting import JOB_STATUSES
from workers.recruiting.agent.lexicon import (
    DESTRUCTIVE,
    FOREIGN,
    FOREIGN_QUALIFIERS,
    JOB_FILTERS,
    LEMMAS,
    MARKERS,
    NUMBER_WORDS,
    ORDINALS,
    PRONOUNS,
    REF_NOUNS,
    STAGES,
)

_WORD = re.compile(r"#?\d+(?:st|nd|rd|th)?|[a-z][a-z'’-]*|[?]", re.I)


@dataclass
class Token:
    text: str  # as lemmatized
    raw: str
    kind: str  # word | number | ordinal | mark
    value: int | None = None


@dataclass
class Command:
    intent: str
    slots: dict = field(default_factory=dict)
    score: float = 0.0

    def as_dict(self) -> dict:
        return {"intent": self.intent, "slots": self.slots}


def tokenize(message: str) -> list[Token]:
    tokens = []
    for raw in _WORD.findall(message.replace("’", "'")):
        low = raw.lower()
        if low == "?":
            tokens.append(Token("?", raw, "mark"))
        elif low.lstrip("#")[:1].isdigit():
            digits = re.match(r"#?(\d+)", low).group(1)
            kind = "ordinal" if low[-2:] in ("st", "nd", "rd", "th") else "number"
            tokens.append(Token(low, raw, kind, int(digits[:9])))
        elif low in ORDINALS:
            tokens.append(Token(low, raw, "ordinal", ORDINALS[low]))
        elif low in NUMBER_WORDS:
            tokens.append(Token(low, raw, "number", NUMBER_WORDS[low]))
        else:
            tokens.append(
                Token(LEMMAS.get(low, low.rstrip("'s") if low.endswith("'s") else low), raw, "word")
            )
    return tokens


@dataclass
class Entities:
    refs: dict = field(default_factory=dict)  # type -> id (explicit "job 5")
    objects: list = field(default_factory=list)  # bare nouns: what is listed / acted on
    pronoun: dict | None = None  # {"ref": "pronoun", "type": "candidate" | None}
    ordinal: int | None = None
    stage: str | None = None
    job_filter: str | None = None
    limit: int | None = None
    words: set = field(default_factory=set)
    positions: dict = field(default_factory=dict)  # word -> first index
    name: str | None = None  # a person named in capitals: "Summarize Jane Doe"


def _known_word(text: str) -> bool:
    return (
        text in KEYWORDS
        or text in REF_NOUNS
        or text in PRONOUNS
        or text in STAGES
        or text in JOB_FILTERS
        or text in ORDINALS
        or text in NUMBER_WORDS
    )


def _name(tokens: list[Token]) -> str | None:
    """The first run of 1-4 capitalised words that are not command words (a person's name)."""
    run: list[str] = []
    for tok in tokens:
        capital = tok.kind == "word" and tok.raw[:1].isupper() and len(tok.raw) > 1
        if capital and not _known_word(tok.text) and tok.raw.lower() != "i":
            run.append(tok.raw)
            if len(run) == 4:
                break
        elif run:
            break
    return " ".join(run) if run else None


def entities(tokens: list[Token]) -> Entities:
    found = Entities()
    found.name = _name(tokens)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        found.positions.setdefault(tok.text, i)
        if tok.kind == "word":
            found.words.add(tok.text)
        if tok.kind == "word" and tok.text in REF_NOUNS:
            j = i + 1
            while j < len(tokens) and tokens[j].text in MARKERS:
                j += 1
            if j < len(tokens) and tokens[j].kind == "number" and tok.text not in found.refs:
                found.refs[tok.text] = tokens[j].value
                i = j + 1
                continue
            found.objects.append(tok.text)
        elif (
            tok.kind == "word"
            and tok.text == "top"
            and i + 1 < len(tokens)
            and tokens[i + 1].kind == "number"
        ):
            found.limit = tokens[i + 1].value
            i += 2
            continue
        elif (
            tok.kind == "ordinal"
            and found.ordinal is None
            or (
                tok.kind == "number"
                and i > 0
                and tokens[i - 1].text == "number"
                and found.ordinal is None
            )
        ):
            found.ordinal = tok.value
        elif tok.kind == "word" and tok.text in PRONOUNS and found.pronoun is None:
            nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
            kind = PRONOUNS[tok.text] or (nxt if nxt in REF_NOUNS else None)
            if tok.text in ("that", "this") and nxt not in REF_NOUNS and nxt != "one":
                pass  # "that" as a conjunction: no reference
            else:
                found.pronoun = {"ref": "pronoun", "type": kind}
        elif tok.kind == "word" and tok.text in STAGES:
            found.stage = tok.text
        elif tok.kind == "word" and tok.text in JOB_FILTERS:
            found.job_filter = JOB_FILTERS[tok.text]
        elif tok.kind == "word" and tok.text == "hold" and i and tokens[i - 1].text == "on":
            found.job_filter = "on_hold"
        i += 1
    return found


@dataclass(frozen=True)
class Frame:
    intent: str
    triggers: frozenset
    objects: frozenset = frozenset()
    needs: str | None = None  # the reference type the command acts on
    weight: float = 1.0


def _f(intent, triggers, objects=(), needs=None, weight=1.0) -> Frame:
    return Frame(intent, frozenset(triggers.split()), frozenset(objects), needs, weight)


FRAMES = (
    _f("create_job", "create add new post draft make", {"job"}, weight=1.2),
    _f(
        "match_candidates",
        "match find recommend suggest best top fit rank source",
        {"candidate"},
        "job",
    ),
    _f("match_jobs", "match find recommend suggest best top fit rank", {"job"}, "candidate"),
    _f(
        "summarize_candidate",
        "summarize describe about who tell detail details show give",
        (),
        "candidate",
    ),
    _f("show_job", "summarize describe about tell detail details show give what", (), "job"),
    _f("list_applications", "application pipeline funnel", (), "job"),
    _f("list_applications", "application pipeline", (), "candidate", weight=0.9),
    _f(
        "move_application",
        "move advance set change mark put promote progress send rejected hired withdrawn",
        (),
        "candidate",
    ),
    _f("list_jobs", "list show display get see what which all view many count", {"job"}),
    _f("list_candidates", "list show display get see who which all view many count", {"candidate"}),
    _f("help", "help command commands can options"),
    _f("greet", "hi hello hey thanks thank morning"),
)


def _score(frame: Frame, ents: Entities) -> float:
    hits = [ents.positions[w] for w in frame.triggers if w in ents.words]
    if not hits:
        return 0.0
    score = 2.0 + 0.5 * (len(hits) > 1) - 0.02 * min(hits)
    if frame.objects:
        if not frame.objects & set(ents.objects):
            return 0.0
        score += 1.5
    if frame.needs:
        if frame.needs in ents.refs:
            score += 2.0
        elif ents.pronoun and ents.pronoun["type"] in (frame.needs, None):
            score += 1.0
        elif ents.ordinal is not None:
            score += 0.8
        elif ents.name and frame.needs == "candidate":
            score += 1.5
        else:
            score -= 1.6
        other = "candidate" if frame.needs == "job" else "job"
        # "match jobs for candidate 7": the listed noun must not be the reference type.
        if (
            (frame.objects == {other} or not frame.objects)
            and frame.needs not in ents.refs
            and other in ents.refs
            and not ents.pronoun
        ):
            score -= 1.5
    if not frame.objects and set(ents.objects) - {frame.needs} - frame.triggers:
        score -= 1.5  # "show applications for job 5" is about applications, not the job
    if frame.intent == "move_application":
        score += 2.0 if ents.stage else -3.0
    return score * frame.weight


KEYWORDS = (
    frozenset(word for frame in FRAMES for word in frame.triggers)
    | DESTRUCTIVE
    | FOREIGN
    | FOREIGN_QUALIFIERS
    | {"for", "to", "the", "and", "what", "about"}
)


def parse(message: str) -> Command:
    """The best reading of one message; ``unknown`` when nothing fits."""
    tokens = tokenize(message)
    ents = entities(tokens)
    words = ents.words
    if words & DESTRUCTIVE:
        return Command("refuse", {"reason": "destructive"}, 10.0)
    # "the jobs of org 5", "another tenant's candidates": an org is named, and not ours.
    names_an_org = words & {"org", "organization", "tenant", "workspace"} and any(
        t.kind == "number" for t in tokens
    )
    if words & FOREIGN and (words & FOREIGN_QUALIFIERS or names_an_org):
        return Command("refuse", {"reason": "foreign"}, 10.0)
    if ents.stage and words & {
        "move",
        "advance",
        "set",
        "mark",
        "put",
        "promote",
        "change",
        "send",
    }:
        pass  # a stage move: scored by its frame below
    scored = sorted(
        ((_score(f, ents), i, f) for i, f in enumerate(FRAMES)), key=lambda t: (-t[0], t[1])
    )
    best_score, _, best = scored[0]
    follow_up = re.match(r"\s*(?:and|also|what about|how about|same for|now)\b", message, re.I)
    has_refs = bool(ents.refs or ents.pronoun or ents.ordinal is not None or ents.name)
    if follow_up and has_refs and best.intent in ("show_job", "summarize_candidate", "help"):
        return Command("ellipsis", _slots(ents, None), 0.5)
    if best_score <= 0.5:
        if (
            ents.refs
            or ents.pronoun
            or ents.ordinal is not None
            or ents.stage
            or (follow_up and ents.name)
        ):
            return Command("ellipsis", _slots(ents, None), 0.5)
        return Command("unknown", {}, 0.0)
    command = Command(best.intent, _slots(ents, best), best_score)
    if best.intent == "create_job":
        command.slots["prompt"] = message.strip()
    return command


def _slots(ents: Entities, frame: Frame | None) -> dict:
    slots: dict = {}
    for kind in ("job", "candidate", "application"):
        if kind in ents.refs:
            slots[f"{kind}_id"] = ents.refs[kind]
    needs = frame.needs if frame else None
    if needs and f"{needs}_id" not in slots:
        if ents.pronoun and ents.pronoun["type"] in (needs, None):
            slots[f"{needs}_id"] = {"ref": "pronoun", "type": needs}
        elif ents.ordinal is not None:
            slots[f"{needs}_id"] = {"ref": "ordinal", "index": ents.ordinal, "type": needs}
        elif ents.name and needs == "candidate":
            slots["candidate_id"] = {"ref": "name", "name": ents.name, "type": "candidate"}
    if frame is None:
        if ents.name and "candidate_id" not in slots:
            slots["candidate_id"] = {"ref": "name", "name": ents.name, "type": "candidate"}
        if ents.pronoun:
            slots["pronoun"] = ents.pronoun
        if ents.ordinal is not None:
            slots["ordinal"] = ents.ordinal
    if ents.stage:
        slots["status"] = ents.stage
    if ents.job_filter and (frame is None or frame.intent == "list_jobs"):
        slots["status_filter"] = ents.job_filter
    if ents.limit:
        slots["limit"] = max(1, min(ents.limit, 50))
    return slots


def describe(command: Command) -> str:
    """The command as text, for logs and the conversation record."""
    slots = ", ".join(f"{k}={v}" for k, v in command.slots.items() if k != "prompt")
    return f"{command.intent}({slots})"


__all__ = ["Command", "describe", "parse", "tokenize", "JOB_STATUSES"]
