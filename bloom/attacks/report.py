"""Scoring, after the attacks: the attacker's accuracy per attribute against the department's
own plaintext, the baseline of guessing the reference's most frequent value, the advantage.

Accuracy is over the encoded records whose true value is known; a record without a guess
counts as wrong. The baseline guesses the most frequent reference value for every record (the
best an attacker holding only the reference can do without the encodings). "Best" takes, per
attribute, the attack with the highest accuracy; a record is fully re-identified when its
whole name and its whole date of birth are both right (per attack, and with the best attack's
guess per attribute).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bloom.attacks.plain import ATTRIBUTES, Truth
from bloom.attacks.result import AttackResult


def _correct(guess: np.ndarray, truth: np.ndarray) -> np.ndarray:
    known = np.array([t is not None for t in truth.tolist()], dtype=bool)
    hit = np.array(
        [g is not None and g == t for g, t in zip(guess.tolist(), truth.tolist(), strict=True)],
        dtype=bool,
    )
    return hit & known


def _known(truth: np.ndarray) -> np.ndarray:
    return np.array([t is not None for t in truth.tolist()], dtype=bool)


@dataclass
class PrivacyReport:
    schema: str
    n_records: int
    n_reference: int
    attacks: list[str]
    accuracy: dict[str, dict[str, float]]  # attack -> attribute -> accuracy
    baseline: dict[str, float]  # attribute -> accuracy of the most frequent value
    baseline_value: dict[str, str | None]
    evaluated: dict[str, int]  # attribute -> records whose true value is known
    reidentified: dict[str, int]  # attack (and "best") -> name and birth date both right
    columns: dict[str, dict[str, float]] = field(default_factory=dict)  # key -> acc, baseline
    seconds: dict[str, float] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def best(self, attribute: str) -> tuple[float, str]:
        scores = [(self.accuracy[a].get(attribute, 0.0), a) for a in self.attacks]
        return max(scores, key=lambda t: t[0]) if scores else (0.0, "-")

    def advantage(self, attribute: str, attack: str | None = None) -> float:
        """Percentage points above the baseline."""
        acc = self.best(attribute)[0] if attack is None else self.accuracy[attack][attribute]
        return 100.0 * (acc - self.baseline[attribute])

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "n_records": self.n_records,
            "n_reference": self.n_reference,
            "attributes": {
                a: {
                    "evaluated": self.evaluated[a],
                    "baseline": self.baseline[a],
                    "baseline_value": self.baseline_value[a],
                    "best": {"accuracy": self.best(a)[0], "attack": self.best(a)[1]},
                    "advantage_pp": self.advantage(a),
                    "per_attack": {k: self.accuracy[k][a] for k in self.attacks},
                }
                for a in ATTRIBUTES
            },
            "fully_reidentified": dict(self.reidentified),
            "blocking_key_alignment": self.columns,
            "seconds": self.seconds,
            "notes": self.notes,
        }

    def rows(self) -> list[tuple[str, str, float, float, float]]:
        """(attack, attribute, accuracy, baseline, advantage in pp) for every cell."""
        out = []
        for attack in [*self.attacks, "best"]:
            for a in ATTRIBUTES:
                acc = self.best(a)[0] if attack == "best" else self.accuracy[attack][a]
                out.append((attack, a, acc, self.baseline[a], 100.0 * (acc - self.baseline[a])))
        return out

    def to_text(self) -> str:
        width = max(len(a) for a in ATTRIBUTES)
        head = f"{'attribute':<{width}}  {'baseline':>8}"
        for attack in self.attacks:
            head += f"  {_short(attack):>10}"
        head += f"  {'best':>8}  {'advantage':>9}"
        lines = [
            f"privacy attacks on {self.n_records} encoded records (schema {self.schema}), "
            f"reference of {self.n_reference} other people",
            head,
        ]
        for a in ATTRIBUTES:
            line = f"{a:<{width}}  {_pct(self.baseline[a]):>8}"
            for attack in self.attacks:
                line += f"  {_pct(self.accuracy[attack][a]):>10}"
            line += f"  {_pct(self.best(a)[0]):>8}  {self.advantage(a):>+8.1f}pp"
            lines.append(line)
        counts = ", ".join(f"{k} {v}" for k, v in self.reidentified.items())
        lines.append(f"fully re-identified (whole name and date of birth right): {counts}")
        if self.columns:
            lines.append("blocking keys, frequency alignment of the hidden combination:")
            for name, c in self.columns.items():
                acc, base = _pct(c["accuracy"]), _pct(c["baseline"])
                lines.append(f"  bk_{name}: {acc} of records (baseline {base})")
        if self.seconds:
            lines.append(
                "time: " + ", ".join(f"{_short(k)} {v:.1f} s" for k, v in self.seconds.items())
            )
        return "\n".join(lines)

    def to_markdown(self) -> str:
        cols = " | ".join(_short(a) for a in self.attacks)
        lines = [
            f"| attribute | baseline | {cols} | best | advantage |",
            "|" + " --- |" * (len(self.attacks) + 4),
        ]
        for a in ATTRIBUTES:
            cells = " | ".join(_pct(self.accuracy[k][a]) for k in self.attacks)
            best, who = self.best(a)
            lines.append(
                f"| {a} | {_pct(self.baseline[a])} | {cells} | {_pct(best)} ({_short(who)}) "
                f"| {self.advantage(a):+.1f} pp |"
            )
        return "\n".join(lines)


def _short(attack: str) -> str:
    return {
        "frequency alignment": "frequency",
        "pattern mining": "patterns",
        "similarity graph": "graph",
    }.get(attack, attack)


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f}%"


def score(
    results: list[AttackResult],
    truth: Truth,
    reference_attributes: dict[str, np.ndarray],
    *,
    schema: str,
    n_reference: int,
) -> PrivacyReport:
    attacks = [r.attack for r in results]
    accuracy: dict[str, dict[str, float]] = {}
    evaluated, baseline, baseline_value = {}, {}, {}
    for a in ATTRIBUTES:
        t = truth.attributes[a]
        known = _known(t)
        evaluated[a] = int(known.sum())
        common = Counter(v for v in reference_attributes[a].tolist() if v is not None)
        value = common.most_common(1)[0][0] if common else None
        baseline_value[a] = value
        guess = np.full(len(t), value, dtype=object)
        baseline[a] = float(_correct(guess, t).sum() / max(known.sum(), 1))
    hits: dict[str, dict[str, np.ndarray]] = {}
    for r in results:
        accuracy[r.attack] = {}
        hits[r.attack] = {}
        for a in ATTRIBUTES:
            t = truth.attributes[a]
            ok = _correct(r.guesses[a], t)
            hits[r.attack][a] = ok
            accuracy[r.attack][a] = float(ok.sum() / max(evaluated[a], 1))
    reidentified = {}
    for r in results:
        reidentified[r.attack] = int(
            (hits[r.attack]["full_name"] & hits[r.attack]["birth_date"]).sum()
        )
    report = PrivacyReport(
        schema=schema,
        n_records=len(truth.attributes[ATTRIBUTES[0]]),
        n_reference=n_reference,
        attacks=attacks,
        accuracy=accuracy,
        baseline=baseline,
        baseline_value=baseline_value,
        evaluated=evaluated,
        reidentified=reidentified,
        seconds={r.attack: r.seconds for r in results},
        notes={r.attack: r.notes for r in results if r.notes},
    )
    if results:
        name_attack = report.best("full_name")[1]
        date_attack = report.best("birth_date")[1]
        report.reidentified["best"] = int(
            (hits[name_attack]["full_name"] & hits[date_attack]["birth_date"]).sum()
        )
    for r in results:
        for key, guess in r.combos.items():
            t = truth.blocking.get(key)
            if t is None:
                continue
            known = max(int(_known(t).sum()), 1)
            ok = _correct(guess, t)
            # Baseline: the reference's most frequent combination for every record.
            value = r.combo_common.get(key)
            report.columns[key] = {
                "accuracy": float(ok.sum() / known),
                # Records without a known value never count, nor does a missing guess.
                "baseline": float(
                    sum(1 for v in t.tolist() if v is not None and v == value) / known
                ),
            }
    return report
