"""Warning rules: the built-in file, lookups in either order, and bad files refused clearly."""

from __future__ import annotations

import json

import pytest

from governance.warning_rules import (
    RULES_FORMAT,
    Disposition,
    WarningLevel,
    dataset_key,
    default_rules,
    load_rules,
    parse_rules,
)
from pprl.errors import InputError


def test_built_in_rules_cover_the_demo_and_say_why():
    rules = default_rules()
    assert rules.version == "2026.1"
    assert all(rule.why for rule in rules.rules)
    expected = {
        ("mz_low_income", "gaj_deaths"): (WarningLevel.RED, Disposition.TERMINATE),
        ("mz_low_income", "gaj_vehicles"): (WarningLevel.ORANGE, Disposition.TERMINATE),
        ("mz_low_income", "scjg_business_registrations"): (
            WarningLevel.YELLOW,
            Disposition.CASE_BY_CASE,
        ),
        ("mz_low_income", "yb_high_medical_expenses"): (
            WarningLevel.ORANGE,
            Disposition.RAISE_OR_TEMPORARY,
        ),
        ("mz_low_income", "rs_unemployment"): (WarningLevel.BLUE, Disposition.REFER),
    }
    for (left, right), (level, hint) in expected.items():
        rule = rules.rule_for(left, right)
        assert (rule.level, rule.disposition_hint) == (level, hint)
        assert rules.rule_for(right, left) == rule  # either order


def test_dataset_names_are_compared_loosely():
    assert dataset_key("GAJ_Deaths@3") == "gaj-deaths"
    rules = default_rules()
    assert rules.rule_for("gaj-deaths@1", "MZ_LOW_INCOME").rule_id == "low-income-x-deaths"


def test_no_rule_is_one_clear_line():
    with pytest.raises(InputError) as raised:
        default_rules().rule_for("mz-low-income", "somewhere-else")
    message = str(raised.value)
    assert "no warning rule for mz-low-income x somewhere-else" in message
    assert "\n" not in message


def _doc(**rule):
    base = {
        "id": "r1",
        "datasets": ["a", "b"],
        "level": "red",
        "disposition_hint": "clear-warning",
    }
    base.update(rule)
    return json.dumps({"format": RULES_FORMAT, "version": "t1", "rules": [base]})


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"level": "purple"}, "level"),
        ({"disposition_hint": "ignore"}, "disposition_hint"),
        ({"datasets": ["a"]}, "datasets"),
        ({"id": ""}, "id"),
    ],
)
def test_bad_rule_names_file_rule_and_field(tmp_path, rule, field):
    path = tmp_path / "rules.json"
    path.write_text(_doc(**rule), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_rules(path)
    assert raised.value.path == str(path)
    assert raised.value.row == 1
    assert raised.value.field == field


def test_duplicates_and_wrong_format_refused(tmp_path):
    doc = json.loads(_doc())
    doc["rules"].append({**doc["rules"][0], "id": "r2", "datasets": ["b", "a"]})
    with pytest.raises(InputError, match="same datasets as rule 'r1'"):
        parse_rules(json.dumps(doc), "x.json")
    with pytest.raises(InputError, match="not a rules file"):
        parse_rules(json.dumps({"format": "other", "rules": []}), "x.json")
    with pytest.raises(InputError, match="not JSON"):
        parse_rules("{", "x.json")
    with pytest.raises(InputError, match="cannot read"):
        load_rules(tmp_path / "missing.json")


def test_dispositions_are_the_ones_the_policy_lists():
    assert {d.value for d in Disposition} == {
        "include-in-assistance",
        "refer-to-special-assistance",
        "discuss-case-by-case",
        "terminate-assistance",
        "raise-level-or-temporary-assistance",
        "charity-help",
        "clear-warning",
    }
