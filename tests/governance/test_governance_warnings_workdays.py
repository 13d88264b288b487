"""Deadlines in Chinese working days: holidays and adjusted working weekends count right."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.warning_rules import WarningLevel
from governance.workdays import add_working_days, china_date, is_working_day
from pprl.errors import GovernanceError

D = dt.date


def test_red_deadline_skips_the_national_day_week():
    # Issued Wed 30 Sep 2026: 1-7 Oct are holidays, Sat 10 Oct is an adjusted working day.
    # Working days after issue: 8, 9, 10 (Sat), 12, 13, 14, 15 Oct.
    assert add_working_days(D(2026, 9, 30), WarningLevel.RED.working_days) == D(2026, 10, 15)
    # Counting Monday to Friday only would have given 9 Oct.
    assert not is_working_day(D(2026, 10, 5))  # a Monday in the holiday
    assert is_working_day(D(2026, 10, 10))  # a Saturday worked in exchange


def test_orange_and_yellow_deadlines_across_the_holiday():
    assert add_working_days(D(2026, 9, 30), WarningLevel.ORANGE.working_days) == D(2026, 10, 26)
    # 30 working days from 1 Sep 2026 cross Mid-autumn (25 Sep, a Friday), the adjusted
    # working Sunday 20 Sep, National Day and the adjusted Saturday 10 Oct.
    got = add_working_days(D(2026, 9, 1), WarningLevel.YELLOW.working_days)
    assert got == D(2026, 10, 19)
    assert len(chinese_calendar.get_workdays(D(2026, 9, 2), got)) == 30


def test_an_adjusted_working_sunday_is_day_one():
    # Issued Fri 18 Sep 2026: Sun 20 Sep is a working day (adjusted for National Day).
    assert add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)
    assert add_working_days(D(2026, 9, 18), 2) == D(2026, 9, 21)


def test_issued_on_a_holiday_counts_from_the_next_working_day():
    assert add_working_days(D(2026, 10, 3), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 3), 7) == D(2026, 10, 15)


def test_blue_has_no_deadline():
    assert WarningLevel.BLUE.working_days is None
    assert [lvl.working_days for lvl in WarningLevel] == [7, 14, 30, None]


def test_china_date_is_utc_plus_eight():
    assert china_date(dt.datetime(2026, 9, 30, 15, 59, tzinfo=dt.timezone.utc)) == D(2026, 9, 30)
    assert china_date(dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.timezone.utc)) == D(2026, 10, 1)
    with pytest.raises(ValueError):
        china_date(dt.datetime(2026, 9, 30, 16, 0))


def test_unpublished_year_is_refused_not_guessed():
    last = max(chinese_calendar.constants.holidays).year
    with pytest.raises(GovernanceError) as raised:
        add_working_days(D(last, 12, 20), 30)
    assert f"no data for {last + 1}" in str(raised.value)
    assert "\n" not in str(raised.value)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 10, 31)),
    days=st.sampled_from([1, 7, 14, 30]),
)
def test_matches_the_calendar_count_of_working_days(start, days):
    """Reference: the library's own list of working days between the two dates."""
    deadline = add_working_days(start, days)
    assert chinese_calendar.is_workday(deadline)
    assert len(chinese_calendar.get_workdays(start + dt.timedelta(days=1), deadline)) == days
