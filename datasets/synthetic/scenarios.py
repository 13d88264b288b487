"""Scenarios: lists of department extracts; the first is the reference the others overlap."""

from __future__ import annotations

from dataclasses import dataclass, field

from pprl_synthetic.corruption import CorruptionRates
from pprl_synthetic.extracts import (
    BUSINESS,
    CHILDREN,
    DEATHS,
    DEPORTED,
    DISABLED,
    DISASTER,
    DRUG_REHAB,
    GUARDIANSHIP,
    HOUSEHOLD_REGISTER,
    LOW_INCOME,
    MEDICAL,
    MISSING,
    PAYROLL,
    PRISONERS,
    PROVIDENT_FUND,
    UNEMPLOYMENT,
    UNIVERSITY,
    VEHICLES,
    ExtractSpec,
)
from pprl_synthetic.population import Status


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    extracts: tuple[ExtractSpec, ...] = field(default_factory=tuple)
    corruption: CorruptionRates = field(default_factory=CorruptionRates)


def _scenario(name: str, description: str, *extracts: ExtractSpec) -> Scenario:
    return Scenario(name, description, tuple(extracts))


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        _scenario("low-income-vs-deaths", "Low-income list against public-security deaths and "
                  "motor vehicles: find deceased recipients and recipients owning cars.",
                  LOW_INCOME, DEATHS, VEHICLES),
        _scenario("low-income-vs-household-registration", "Low-income list against household "
                  "registration: verify identities and household composition.",
                  LOW_INCOME, HOUSEHOLD_REGISTER),
        _scenario("low-income-vs-business", "Low-income list against business registrations.",
                  LOW_INCOME, BUSINESS),
        _scenario("low-income-vs-provident-fund", "Low-income list against housing provident "
                  "fund deposits.", LOW_INCOME, PROVIDENT_FUND),
        _scenario("low-income-vs-public-payroll", "Low-income list against people paid from "
                  "public funds.", LOW_INCOME, PAYROLL),
        _scenario("low-income-vs-unemployment", "Low-income list against unemployment "
                  "registrations (people whose situation worsened).", LOW_INCOME, UNEMPLOYMENT),
        _scenario("low-income-vs-medical-expenses", "Low-income list against patients with high "
                  "medical expenses (missed people).", LOW_INCOME, MEDICAL),
        _scenario("low-income-vs-disaster-victims", "Low-income list against disaster victims.",
                  LOW_INCOME, DISASTER),
        _scenario("low-income-vs-disabled", "Low-income list against disabled persons' records.",
                  LOW_INCOME, DISABLED),
        _scenario("low-income-vs-university", "Low-income list against university admissions "
                  "(student aid).", LOW_INCOME, UNIVERSITY),
        _scenario("low-income-all-departments", "Low-income list against every department "
                  "extract at once.", LOW_INCOME, HOUSEHOLD_REGISTER, DEATHS, VEHICLES, BUSINESS,
                  PROVIDENT_FUND, PAYROLL, UNEMPLOYMENT, MEDICAL, DISASTER, DISABLED, UNIVERSITY),
        _scenario("orphans", "Registered minors against their parents' deaths, imprisonment, "
                  "drug rehabilitation, disappearance, severe disability, serious illness, "
                  "revoked guardianship and deportation (orphans and de-facto unattended "
                  "children); truth/persons.csv gives the parents and statuses.",
                  CHILDREN,
                  DEATHS.with_selection(rate=0.98, overlap=0.0, statuses=(Status.DEAD,)),
                  PRISONERS, DRUG_REHAB, MISSING, GUARDIANSHIP, DEPORTED,
                  DISABLED.with_selection(rate=0.95, overlap=0.0,
                                          statuses=(Status.SEVERELY_DISABLED,)),
                  MEDICAL.with_selection(rate=0.9, overlap=0.0,
                                         statuses=(Status.SERIOUSLY_ILL,))),
        Scenario("low-income-dedup", "The low-income list alone, with 5 % of people entered "
                 "twice: deduplication of the database itself.",
                 (LOW_INCOME,), CorruptionRates(duplicate=0.05)),
    )
}  # fmt: skip

DEFAULT_SCENARIO = "low-income-vs-deaths"
