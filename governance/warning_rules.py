"""Warning rules: which match between two datasets raises which warning (风险预警规则).

A rules file is versioned JSON (`format` names the file layout, `version` the content):

    {"format": "pprl-warning-rules/1", "version": "2026.1",
     "rules": [{"id": "...", "datasets": ["mz-low-income", "gaj-deaths"], "level": "red",
                "disposition_hint": "terminate-assistance", "why": "..."}]}

A rule applies to a pair of datasets in either order. Dataset names are compared after
dropping a catalogue version (`@2`), lower-casing and writing `_` as `-`, so the synthetic
extract `gaj_deaths` and the catalogue entry `gaj-deaths@1` name the same dataset. The
built-in default is `warning_rules.json` beside this module; each of its rules says why.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pprl.errors import GovernanceError, InputError

RULES_FORMAT = "pprl-warning-rules/1"
DEFAULT_RULES = "warning_rules.json"


class WarningLevel(enum.Enum):
    """预警等级, with the working days the township has to verify (domain.md, seed 000)."""

    RED = "red"  # 红色: township verifies, county civil affairs joins >= 30 % of cases
    ORANGE = "orange"  # 橙色
    YELLOW = "yellow"  # 黄色
    BLUE = "blue"  # 蓝色: regular visits by township and village, no deadline

    @property
    def working_days(self) -> int | None:
        return _WORKING_DAYS[self]


_WORKING_DAYS = {
    WarningLevel.RED: 7,
    WarningLevel.ORANGE: 14,
    WarningLevel.YELLOW: 30,
    WarningLevel.BLUE: None,
}


class Disposition(enum.Enum):
    """处置: what verification decides (domain.md, 'What a match leads to')."""

    INCLUDE = "include-in-assistance"  # 纳入救助
    REFER = "refer-to-special-assistance"  # 转介专项救助部门
    CASE_BY_CASE = "discuss-case-by-case"  # 一事一议
    TERMINATE = "terminate-assistance"  # 不再符合条件的停止救助
    RAISE_OR_TEMPORARY = "raise-level-or-temporary-assistance"  # 提高救助水平或临时救助
    CHARITY = "charity-help"  # 链接慈善帮扶
    CLEAR = "clear-warning"  # 预警消除


@dataclass(frozen=True)
class WarningRule:
    rule_id: str
    datasets: frozenset[str]  # two normalised dataset names (one if both sides are the same)
    level: WarningLevel
    disposition_hint: Disposition
    why: str


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[WarningRule, ...]
    source: str  # the file the rules came from, for messages

    def rule_for(self, left_dataset: str, right_dataset: str) -> WarningRule:
        wanted = frozenset({dataset_key(left_dataset), dataset_key(right_dataset)})
        for rule in self.rules:
            if rule.datasets == wanted:
                return rule
        raise InputError(
            f"no warning rule for {left_dataset} x {right_dataset} in rules {self.version}",
            path=self.source,
        )


def dataset_key(name: str) -> str:
    """The name a rule uses for a dataset or catalogue entry (version, case, `_`/`-` dropped)."""
    return name.split("@", 1)[0].strip().lower().replace("_", "-")


def default_rules() -> RuleSet:
    try:
        text = resources.files("governance").joinpath(DEFAULT_RULES).read_text(encoding="utf-8")
    except OSError:
        # The JSON file ships as package data; an install without it must say so plainly.
        raise GovernanceError(
            f"the built-in {DEFAULT_RULES} is missing from this installation; pass --rules"
        ) from None
    return parse_rules(text, f"<built-in {DEFAULT_RULES}>")


def load_rules(path: str | Path | None) -> RuleSet:
    """The rules in `path`, or the built-in default when `path` is None."""
    if path is None:
        return default_rules()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError("cannot read the rules file", path=str(path)) from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source: str) -> RuleSet:
    """Validate a rules file; the first problem is reported with the rule's position."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg}, line {exc.lineno})", path=source) from None
    if not isinstance(doc, dict) or doc.get("format") != RULES_FORMAT:
        raise InputError(f"not a rules file (format must be {RULES_FORMAT!r})", path=source)
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        raise InputError("missing rules version", path=source, field="version")
    if not isinstance(doc.get("rules"), list):
        raise InputError("missing rules list", path=source, field="rules")
    rules, seen_ids, seen_pairs = [], set(), {}
    for position, item in enumerate(doc["rules"], start=1):
        rule = _parse_rule(item, source, position)
        if rule.rule_id in seen_ids:
            raise InputError("duplicate rule id", path=source, row=position, field="id")
        if rule.datasets in seen_pairs:
            raise InputError(
                f"same datasets as rule {seen_pairs[rule.datasets]!r}",
                path=source,
                row=position,
                field="datasets",
            )
        seen_ids.add(rule.rule_id)
        seen_pairs[rule.datasets] = rule.rule_id
        rules.append(rule)
    return RuleSet(version, tuple(rules), source)


def _parse_rule(item: object, source: str, position: int) -> WarningRule:
    def bad(field: str, message: str) -> InputError:
        return InputError(message, path=source, row=position, field=field)

    if not isinstance(item, dict):
        raise bad("rules", "a rule must be an object")
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise bad("id", "missing rule id")
    datasets = item.get("datasets")
    if (
        not isinstance(datasets, list)
        or len(datasets) != 2
        or not all(isinstance(d, str) and d.strip() for d in datasets)
    ):
        raise bad("datasets", "expected two dataset names")
    try:
        level = WarningLevel(item.get("level"))
    except ValueError:
        raise bad("level", f"one of {', '.join(v.value for v in WarningLevel)}") from None
    try:
        hint = Disposition(item.get("disposition_hint"))
    except ValueError:
        raise bad("disposition_hint", f"one of {', '.join(d.value for d in Disposition)}") from None
    why = item.get("why", "")
    if not isinstance(why, str):
        raise bad("why", "expected text")
    return WarningRule(rule_id, frozenset(dataset_key(d) for d in datasets), level, hint, why)
