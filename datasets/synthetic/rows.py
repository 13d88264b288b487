"""Extract rows: identity values to corrupt, then rendered in a department's formats."""

from __future__ import annotations

import numpy as np

from pprl_synthetic.corruption import DATE_STYLES, Records
from pprl_synthetic.extracts import ExtractSpec, Field
from pprl_synthetic.formats import render_dates, render_phones, render_sex
from pprl_synthetic.population import Population, phone_text


def render_rows(
    spec: ExtractSpec,
    rec: Records,
    record_ids: np.ndarray,
    payload: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """An extract's columns, in the department's names and formats, ready for a writer."""
    out = {spec.record_id_column: record_ids}
    for fld, col in spec.columns:
        if fld is Field.NAME:
            out[col] = rec.name
        elif fld is Field.ID_NUMBER:
            out[col] = rec.id_number
        elif fld is Field.SEX:
            sex = render_sex(rec.sex, spec.sex_style)
            sex[rec.sex == 0] = None
            out[col] = sex
        elif fld is Field.BIRTH_DATE:
            missing = np.isnat(rec.birth_date)
            safe = np.where(missing, np.datetime64("2000-01-01"), rec.birth_date)
            text = render_dates(safe, spec.date_style)
            for k, style in enumerate(DATE_STYLES):
                m = rec.date_style == k
                if m.any():
                    text[m] = render_dates(safe[m], style)
            text[missing] = None
            out[col] = text
        elif fld is Field.ADDRESS:
            out[col] = rec.address
        elif fld is Field.PHONE:
            out[col] = render_phones(rec.phone, spec.phone_style)
    out.update(payload)
    return out


def records_of(pop: Population) -> Records:
    """Identity values of `pop`, as copies the corruption model may change."""
    return Records(
        name=pop.name.copy(),
        surname=pop.surname.copy(),
        given=pop.given.copy(),
        minority=pop.minority.copy(),
        id_number=pop.id_number.astype("U18").astype(object),
        sex=pop.sex.copy(),
        birth_date=pop.birth_date.copy(),
        date_style=np.full(len(pop), -1, dtype=np.int8),
        address=pop.address.copy(),
        phone=phone_text(pop.phone),
        region=pop.region.copy(),
    )
