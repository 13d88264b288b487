"""A target and a reference from the synthetic generator, for the attack tests and benchmark.

The target is a department extract (household registration: name, ID number, sex, date of
birth, address) generated with one seed and encoded with a fresh linkage secret; the public
reference is the same extract of another population drawn with another seed from the same
generator (other people, same distributions). The department side keeps the extract and
`X.map.parquet`, which the harness reads only to score the attacks afterwards.

In the application layer: it joins the generator (`pprl_synthetic`) and the encoder with the
attacks, which live in `bloom.attacks` and must not import the generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from bloom.attacks.plain import Truth, load_truth, read_plain
from bloom.schema import Schema, load_schema

EXTRACT = "gaj_household_register"
SCENARIO = "low-income-vs-household-registration"
EXTRACT_SHARE = 0.54  # household-register rows per person of the population (measured)


@dataclass(frozen=True)
class Scenario:
    encoded: Path  # what the matcher holds
    map_path: Path  # department side
    extract: Path  # department side
    columns: Path
    reference: pa.Table  # the attacker's public plaintext reference (schema field names)
    schema: Schema

    def truth(self, tokens: list[str] | None = None) -> Truth:
        return load_truth(self.extract, self.map_path, self.schema, self.columns, tokens=tokens)


def _generate(records: int, seed: int, out: Path, rates) -> tuple[Path, Path]:
    from pprl_synthetic import generate_scenario  # the generator, only where data is made

    size = max(int(records / EXTRACT_SHARE) + 20, 50)
    generate_scenario(SCENARIO, size, seed, out, rates=rates)
    return out / f"{EXTRACT}.csv", out / f"{EXTRACT}.columns.json"


def make_scenario(
    out_dir: str | Path,
    records: int,
    reference_records: int | None = None,
    *,
    schema: Schema | str | Path = "cn-identity",
    seed: int = 1,
    reference_seed: int = 2,
    secret=None,
    clean: bool = False,
) -> Scenario:
    """About `records` encoded records and `reference_records` reference records (default:
    as many). `clean` generates without data-entry errors."""
    from bloom.files import encode_file
    from bloom.secret import LinkageSecret

    if seed == reference_seed:
        raise ValueError("the reference must be another sample: use another seed")
    schema = load_schema(schema)
    out = Path(out_dir)
    rates = None
    if clean:
        from pprl_synthetic import CorruptionRates

        rates = CorruptionRates.none()
    extract, columns = _generate(records, seed, out / "department", rates)
    ref_extract, ref_columns = _generate(
        reference_records or records, reference_seed, out / "reference", rates
    )
    secret = secret or LinkageSecret.generate()
    encoded = out / "matcher" / "target.parquet"
    encoded.parent.mkdir(parents=True, exist_ok=True)
    import json

    mapping = json.loads(Path(columns).read_text(encoding="utf-8"))
    wanted = {f.name for f in schema.fields} | {"record_id"}
    mapping = {k: v for k, v in mapping.items() if k in wanted}
    # The scenario's own outputs, made again on every run: replaced without asking.
    summary = encode_file(extract, encoded, schema, secret, columns=mapping, force=True)
    # The map stays with the department: move it next to the extract.
    map_path = out / "department" / "target.map.parquet"
    Path(summary.map_path).replace(map_path)
    Path(summary.rejects_path).replace(out / "department" / "target.rejects.csv")
    reference = read_plain(ref_extract, ref_columns)
    return Scenario(encoded, map_path, extract, columns, reference, schema)
