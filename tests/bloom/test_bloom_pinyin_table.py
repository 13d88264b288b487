"""The pinyin table shipped in the package is the one pypinyin's dictionary makes."""

from __future__ import annotations

import numpy as np

from bloom import pinyin_table


def test_shipped_table_equals_the_one_built_from_pypinyin(tmp_path) -> None:
    shipped = pinyin_table.load()
    built = pinyin_table.build()
    assert shipped.syllables == built.syllables
    assert shipped.syllable_ids == built.syllable_ids
    for name in ("readings", "surname", "default"):
        assert np.array_equal(getattr(shipped, name), getattr(built, name)), name
    # and write/load round-trip the table exactly
    path = tmp_path / "pinyin.npz"
    pinyin_table.write(built, path)
    again = pinyin_table.load(path)
    assert np.array_equal(again.readings, built.readings) and again.syllables == built.syllables


def test_table_loads_without_pypinyin_imported() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from bloom import names, pinyin_table; pinyin_table.table(); "
        "print('pypinyin' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
