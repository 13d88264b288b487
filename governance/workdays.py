"""Chinese working days (工作日) from the official holiday calendar, via `chinesecalendar`.

The calendar knows the State Council's holidays and the weekends turned into working days
(调休). It covers only years already published; asking about a later year is refused with a
clear error rather than guessed from weekdays, because a guessed deadline could fall inside
a holiday nobody has announced yet.

Deadlines are counted in China's local date (UTC+8; China has no daylight saving time): the
issue day itself never counts, the deadline is the n-th working day after it and a warning is
due by the end of that day.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

from pprl.errors import GovernanceError

CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "China Standard Time")


def china_date(when: dt.datetime) -> dt.date:
    """The calendar date in China at the instant `when` (which must be timezone-aware)."""
    if when.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return when.astimezone(CHINA_TIME).date()


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise GovernanceError(
            f"the holiday calendar (chinesecalendar {_version()}) has no data for {day.year};"
            " upgrade chinesecalendar once that year's holidays are published"
        ) from None


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `start` (`start` itself does not count)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start
    while days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def _version() -> str:
    return getattr(chinese_calendar, "__version__", "installed")
