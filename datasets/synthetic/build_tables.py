"""Rebuild the derived character tables in `data/` (run by maintainers, not at generation time).

`homophones.json` maps each character the generator can write in a name to other name
characters with the same toned pinyin (pypinyin's most common reading); `traditional.json`
maps characters to their traditional form (OpenCC s2t) where that differs. The tables are
committed so that generation does not depend on the installed pypinyin/OpenCC versions, which
keeps output byte-identical across machines.

    python -m pprl_synthetic.build_tables
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def name_characters() -> list[str]:
    """Every character that can appear in a generated Han name, in first-seen order."""
    chars: dict[str, None] = {}
    for line in (DATA / "surnames.csv").read_text(encoding="utf-8").splitlines()[1:]:
        for ch in line.split(",")[1]:
            chars[ch] = None
    pools = json.loads((DATA / "given_names.json").read_text(encoding="utf-8"))
    for era in pools["eras"]:
        for sex in ("male", "female"):
            for part in ("single", "first", "second"):
                for ch in era[sex][part]:
                    chars[ch] = None
    return list(chars)


def build_homophones(chars: list[str]) -> dict[str, list[str]]:
    from pypinyin import Style, pinyin

    by_reading: dict[str, list[str]] = {}
    reading_of: dict[str, str] = {}
    for ch in chars:
        reading = pinyin(ch, style=Style.TONE3, heteronym=False)[0][0]
        reading_of[ch] = reading
        by_reading.setdefault(reading, []).append(ch)
    # Common characters outside the name pools that clerks write for the same sound.
    extra = (
        "章彰樟漳璋鄣獐嶂幛仗杖账帐丈胀障涨掌长张伟玮炜苇纬尉卫慰维唯惟薇微巍为违围李理里"
        "礼莉黎丽俐利立力历厉励例栗王汪望旺往忘亡网刘流留柳琉浏瘤陈晨辰臣尘沉忱谌杨阳扬洋"
        "羊佯疡赵照兆召罩昭诏黄皇煌凰璜簧磺蝗周舟州洲粥吴无吾梧巫武午伍舞五悟务雾物"
    )
    for ch in extra:
        reading = pinyin(ch, style=Style.TONE3, heteronym=False)[0][0]
        if reading in by_reading and ch not in by_reading[reading]:
            by_reading[reading].append(ch)
    table = {}
    for ch in chars:
        others = [c for c in by_reading[reading_of[ch]] if c != ch]
        if others:
            table[ch] = others
    return table


def build_traditional(chars: list[str]) -> dict[str, str]:
    import opencc

    converter = opencc.OpenCC("s2t")
    table = {}
    for ch in chars:
        trad = converter.convert(ch)
        if trad != ch and len(trad) == 1:
            table[ch] = trad
    return table


def main() -> None:
    chars = name_characters()
    for name, table in (
        ("homophones.json", build_homophones(chars)),
        ("traditional.json", build_traditional(chars)),
    ):
        text = json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True)
        (DATA / name).write_text(text + "\n", encoding="utf-8")
        print(f"{name}: {len(table)} characters")


if __name__ == "__main__":
    main()
