"""Score a learner's predictions against a labelled set shipped with the content.

Two metrics of the model-quality lessons, computed as those lessons compute them by hand:

- extraction: exact match and token-level F1 per field, after SQuAD-style normalisation
  (lower-case, punctuation and the articles a/an/the removed, whitespace collapsed), the way
  the SQuAD v1.1 evaluation script does it;
- judge agreement: raw agreement, Cohen's kappa with its chance agreement, and the confusion
  matrix of the judge's labels against the human ones.

The labelled sets are `labels.json` files in pattern folders under the content tree; each names
its pattern's slug. They are read once per process: content changes with a deploy.
"""

import json
import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from django.conf import settings

EXTRACTION = "extraction-exact-match-f1"
JUDGE = "llm-judge-agreement"
MAX_VALUE_LENGTH = 500  # a field value or label longer than this is not a prediction


class Invalid(ValueError):
    """The predictions cannot be scored; the message says why, for a 400."""


@dataclass(frozen=True)
class LabelledSet:
    pattern: str
    task: str
    kind: str  # EXTRACTION or JUDGE
    items: tuple[dict, ...]
    fields: tuple[str, ...] = ()  # extraction
    labels: tuple[str, ...] = ()  # judge

    def public(self) -> dict:
        """What a learner is given to predict from: the inputs, never the expected answers."""
        hidden = {"expected", "human"}
        body = {"pattern": self.pattern, "task": self.task, "count": len(self.items)}
        if self.fields:
            body["fields"] = list(self.fields)
        if self.labels:
            body["labels"] = list(self.labels)
        body["items"] = [{k: v for k, v in item.items() if k not in hidden} for item in self.items]
        return body


def _read(path: Path) -> LabelledSet:
    data = json.loads(path.read_text(encoding="utf-8"))
    kind = EXTRACTION if "fields" in data else JUDGE
    return LabelledSet(
        pattern=data["pattern"],
        task=data["task"],
        kind=kind,
        items=tuple(data["items"]),
        fields=tuple(data.get("fields", ())),
        labels=tuple(data.get("labels", ())),
    )


@lru_cache(maxsize=1)
def labelled_sets() -> dict[str, LabelledSet]:
    """Every labelled set of the content tree, by pattern slug."""
    found = {}
    for path in sorted(Path(settings.CONTENT_DIR).glob("*/*/*/labels.json")):
        labelled = _read(path)
        found[labelled.pattern] = labelled
    return found


# -- extraction: exact match and token F1 ---------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalise(text: str) -> str:
    """SQuAD v1.1's normalize_answer: lower-case, drop punctuation, articles, extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, expected: str) -> int:
    return int(normalise(prediction) == normalise(expected))


def token_counts(prediction: str, expected: str) -> tuple[int, int, int]:
    """(shared tokens, predicted tokens, expected tokens), counting repeated tokens."""
    predicted = normalise(prediction).split()
    wanted = normalise(expected).split()
    shared = sum((Counter(predicted) & Counter(wanted)).values())
    return shared, len(predicted), len(wanted)


def f1_from_counts(shared: int, predicted: int, wanted: int) -> Fraction:
    if predicted == 0 or wanted == 0:
        # SQuAD: two empty answers agree; one empty answer against text scores nothing.
        return Fraction(int(predicted == wanted))
    if shared == 0:
        return Fraction(0)
    precision = Fraction(shared, predicted)
    recall = Fraction(shared, wanted)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, expected: str) -> Fraction:
    return f1_from_counts(*token_counts(prediction, expected))


def _mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values) if values else Fraction(0)


def _number(value: Fraction) -> float:
    return round(float(value), 4)


def score_extraction(labelled: LabelledSet, predictions: dict[str, dict[str, str]]) -> dict:
    """Exact match and F1 overall, per field and per item.

    `f1` is the macro figure SQuAD reports: the mean of every (item, field) F1. `micro_f1` pools
    the token counts of all of them first, so long values weigh more.
    """
    per_item = []
    by_field: dict[str, dict[str, list]] = {
        f: {"em": [], "f1": [], "counts": []} for f in labelled.fields
    }
    all_em, all_f1, pooled = [], [], [0, 0, 0]
    for item in labelled.items:
        fields, item_em, item_f1 = {}, [], []
        for name in labelled.fields:
            predicted = predictions[item["id"]].get(name, "")
            expected = item["expected"][name]
            counts = token_counts(predicted, expected)
            em, f1 = Fraction(exact_match(predicted, expected)), f1_from_counts(*counts)
            fields[name] = {"exact_match": int(em), "f1": _number(f1)}
            for bucket, value in (("em", em), ("f1", f1), ("counts", counts)):
                by_field[name][bucket].append(value)
            item_em.append(em)
            item_f1.append(f1)
            pooled = [a + b for a, b in zip(pooled, counts, strict=True)]
        all_em += item_em
        all_f1 += item_f1
        per_item.append(
            {
                "id": item["id"],
                "exact_match": _number(_mean(item_em)),
                "f1": _number(_mean(item_f1)),
                "fields": fields,
            }
        )
    per_field = {}
    for name, bucket in by_field.items():
        shared, predicted, wanted = (sum(c[i] for c in bucket["counts"]) for i in range(3))
        per_field[name] = {
            "exact_match": _number(_mean(bucket["em"])),
            "f1": _number(_mean(bucket["f1"])),
            "precision": _number(Fraction(shared, predicted)) if predicted else 0.0,
            "recall": _number(Fraction(shared, wanted)) if wanted else 0.0,
        }
    return {
        "pattern": labelled.pattern,
        "count": len(labelled.items),
        "exact_match": _number(_mean(all_em)),
        "f1": _number(_mean(all_f1)),
        "micro_f1": _number(f1_from_counts(*pooled)),
        "per_field": per_field,
        "per_item": per_item,
    }


# -- judge agreement: raw agreement and Cohen's kappa --------------------------------------------


def cohen_kappa(
    pairs: list[tuple[str, str]], labels: tuple[str, ...]
) -> tuple[Fraction, Fraction, Fraction | None]:
    """(observed agreement, chance agreement, kappa) for (human, judge) label pairs.

    Chance agreement is the sum over labels of the two raters' shares of that label multiplied;
    kappa = (observed - chance) / (1 - chance), undefined (None) when chance agreement is 1, that
    is when both raters gave every item the same single label.
    """
    n = len(pairs)
    observed = Fraction(sum(h == j for h, j in pairs), n)
    human = Counter(h for h, _ in pairs)
    judge = Counter(j for _, j in pairs)
    chance = sum(
        (Fraction(human[label], n) * Fraction(judge[label], n) for label in labels), Fraction(0)
    )
    kappa = None if chance == 1 else (observed - chance) / (1 - chance)
    return observed, chance, kappa


def score_judge(labelled: LabelledSet, predictions: dict[str, str]) -> dict:
    pairs = [(item["human"], predictions[item["id"]]) for item in labelled.items]
    observed, chance, kappa = cohen_kappa(pairs, labelled.labels)
    matrix = {
        f"human_{h}": {f"judge_{j}": sum(p == (h, j) for p in pairs) for j in labelled.labels}
        for h in labelled.labels
    }
    return {
        "pattern": labelled.pattern,
        "count": len(pairs),
        "agreement": _number(observed),
        "chance_agreement": _number(chance),
        "kappa": None if kappa is None else _number(kappa),
        "confusion_matrix": matrix,
        "per_item": [
            {"id": item["id"], "human": h, "judge": j, "agree": h == j}
            for item, (h, j) in zip(labelled.items, pairs, strict=True)
        ],
    }


# -- reading the body ------------------------------------------------------------------------------


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {dict: "object", list: "array", str: "string", type(None): "null"}.get(
        type(value), "number"
    )


def read_predictions(labelled: LabelledSet, payload: dict) -> dict:
    """The predictions by item id, or Invalid saying exactly what is wrong with the body."""
    predictions = payload.get("predictions")
    if not isinstance(predictions, list):
        raise Invalid(
            f"predictions must be an array of objects; it is {'missing' if predictions is None else 'a JSON ' + _json_kind(predictions)}."
        )
    ids = [item["id"] for item in labelled.items]
    known = set(ids)
    found: dict[str, object] = {}
    for n, entry in enumerate(predictions):
        where = f"predictions[{n}]"
        if not isinstance(entry, dict):
            raise Invalid(f"{where} must be an object; it is a JSON {_json_kind(entry)}.")
        item_id = entry.get("id")
        if not isinstance(item_id, str) or item_id not in known:
            raise Invalid(f'{where}.id must be the id of an item of this set, such as "{ids[0]}".')
        if item_id in found:
            raise Invalid(f'{where}.id "{item_id}" appears twice; send one prediction per item.')
        found[item_id] = _value(labelled, entry, where)
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (" and more" if len(missing) > 5 else "")
        raise Invalid(f"predictions must cover all {len(ids)} items; missing: {shown}.")
    return found


def _value(labelled: LabelledSet, entry: dict, where: str):
    if labelled.kind == JUDGE:
        label = entry.get("label")
        if not isinstance(label, str) or label not in labelled.labels:
            choices = " or ".join(f'"{x}"' for x in labelled.labels)
            raise Invalid(f"{where}.label must be {choices}.")
        return label
    fields = entry.get("fields")
    if not isinstance(fields, dict):
        raise Invalid(f"{where}.fields must be an object with {', '.join(labelled.fields)}.")
    values = {}
    for name in labelled.fields:
        value = fields.get(name, "")
        if value is None:
            value = ""  # "not found in the text": scored as an empty answer
        if not isinstance(value, str):
            raise Invalid(
                f"{where}.fields.{name} must be a string or null; it is a JSON {_json_kind(value)}."
            )
        if len(value) > MAX_VALUE_LENGTH:
            raise Invalid(f"{where}.fields.{name} is longer than {MAX_VALUE_LENGTH} characters.")
        values[name] = unicodedata.normalize("NFC", value)
    unknown = sorted(set(fields) - set(labelled.fields))
    if unknown:
        raise Invalid(f"{where}.fields has a field this set does not score: {unknown[0][:40]!r}.")
    return values


def score(labelled: LabelledSet, payload: dict) -> dict:
    predictions = read_predictions(labelled, payload)
    if labelled.kind == JUDGE:
        return score_judge(labelled, predictions)
    return score_extraction(labelled, predictions)
