"""Generate a scenario: the population in chunks, each extract selected, corrupted, written.

Determinism: chunk `c` draws its population from `SeedSequence([seed, c, 0])` and extract `k`
its selection and errors from `SeedSequence([seed, c, k + 1])`; the chunk size is fixed
(`CHUNK_PERSONS`). The same seed therefore gives the same bytes on every machine with the
same numpy and pyarrow versions, and memory is bounded by one chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pprl.errors import InputError
from pprl.files import write_json_atomic
from pprl.progress import ProgressBar
from pprl_synthetic.corruption import CorruptionRates, corrupt
from pprl_synthetic.extracts import ExtractSpec, Selection
from pprl_synthetic.mixing import uniform_from_ids
from pprl_synthetic.population import Population, PopulationConfig, generate_households
from pprl_synthetic.rows import records_of, render_rows
from pprl_synthetic.scenarios import SCENARIOS
from pprl_synthetic.writers import OutputFormat, TableWriter

CHUNK_PERSONS = 100_000
MAX_SEED = 2**32 - 1
FORMAT_VERSION = 1


def chunk_rng(seed: int, chunk: int, stream: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, chunk, stream])))


def person_ids(ids: np.ndarray) -> np.ndarray:
    if ids.size == 0:  # a chunk may list nobody (np.char.zfill cannot size an empty array)
        return np.empty(0, dtype=object)
    return np.char.add("P", np.char.zfill(ids.astype(str), 10)).astype(object)


def select(
    spec: Selection,
    pop: Population,
    on_reference: np.ndarray | None,
    rng: np.random.Generator,
    salt: int,
) -> np.ndarray:
    """Indices of the people in an extract (see `Selection`)."""
    eligible = (pop.age >= spec.min_age) & (pop.age <= spec.max_age)
    if spec.statuses:
        eligible &= np.isin(pop.status, [int(s) for s in spec.statuses])
    if on_reference is None:
        p = np.full(len(pop), spec.rate)
    else:
        p = np.where(on_reference, spec.overlap, spec.rate)
    if spec.mortality and eligible.any():
        hazard = np.exp(np.log(2.0) / 8.0 * (pop.age.astype(np.float64) - 80.0))
        p = np.minimum(p * hazard / hazard[eligible].mean(), 1.0)
    u = uniform_from_ids(pop.household_id, salt) if spec.households else rng.random(len(pop))
    return np.flatnonzero(eligible & (u < p))


@dataclass
class _ExtractOutput:
    spec: ExtractSpec
    data: TableWriter
    truth: TableWriter
    applied: dict[str, int]


PERSON_COLUMNS = ["person_id", "household_id", "role", "sex", "father_id", "mother_id", "status"]


def generate_scenario(
    name: str,
    size: int,
    seed: int,
    out_dir: str | Path,
    fmt: str = "csv",
    *,
    rates: CorruptionRates | None = None,
    population: PopulationConfig | None = None,
    progress: bool = False,
) -> dict:
    """Write scenario `name` for a population of `size` people; return scenario.json's content.

    `rates` replaces the scenario's corruption rates (default: `CorruptionRates()`).
    """
    if name not in SCENARIOS:
        raise InputError(f"unknown scenario {name!r}; see `pprl synth --list`", field="scenario")
    if size < 1:
        raise InputError(f"size must be at least 1, got {size}", field="size")
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed must be between 0 and {MAX_SEED}, got {seed}", field="seed")
    try:
        out_format = OutputFormat(fmt)
    except ValueError:
        raise InputError(f"format must be csv or parquet, got {fmt!r}", field="format") from None
    scenario = SCENARIOS[name]
    rates = rates or scenario.corruption
    cfg = population or PopulationConfig()
    out = Path(out_dir)
    try:
        (out / "truth").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output directory: {exc.strerror}", path=str(out)) from None
    ext = out_format.value

    outputs = []
    for spec in scenario.extracts:
        columns = [spec.record_id_column] + [c for _, c in spec.columns]
        columns += _payload_columns(spec, cfg)
        outputs.append(
            _ExtractOutput(
                spec,
                TableWriter(out / f"{spec.name}.{ext}", columns, out_format),
                TableWriter(
                    out / "truth" / f"{spec.name}.csv", ["record_id", "person_id"], OutputFormat.CSV
                ),
                {},
            )
        )
        write_json_atomic(out / f"{spec.name}.columns.json", spec.column_map())
    persons = TableWriter(out / "truth" / "persons.csv", PERSON_COLUMNS, OutputFormat.CSV)
    ref_date = np.datetime64(cfg.reference_date, "D")

    bar = ProgressBar(
        "person", desc=name, total=size, unit_scale=True, quiet=not progress, only_on_terminal=False
    )
    try:
        for chunk, start in enumerate(range(0, size, CHUNK_PERSONS)):
            n = min(CHUNK_PERSONS, size - start)
            pop = generate_households(
                chunk_rng(seed, chunk, 0),
                cfg,
                n,
                start,
                chunk * CHUNK_PERSONS,
                chunk=chunk,
                id_salt=seed,
            )
            ref_mask = None
            listed = np.zeros(n, dtype=bool)
            for k, o in enumerate(outputs):
                rng = chunk_rng(seed, chunk, k + 1)
                idx = select(o.spec.selection, pop, ref_mask, rng, salt=seed * 64 + k)
                if k == 0:
                    ref_mask = np.zeros(n, dtype=bool)
                    ref_mask[idx] = True
                listed[idx] = True
                _write_extract(o, pop, idx, rng, rates, ref_date)
            _write_persons(persons, pop.take(np.flatnonzero(listed)))
            bar(n)
    finally:
        bar.close()
        for o in outputs:
            o.data.close()
            o.truth.close()
        persons.close()

    description = {
        "scenario": name,
        "description": scenario.description,
        "format_version": FORMAT_VERSION,
        "size": size,
        "seed": seed,
        "format": ext,
        "reference_date": cfg.reference_date,
        "region_weights": dict(cfg.region_weights),
        "reference_extract": scenario.extracts[0].name,
        "corruption_rates": rates.as_dict(),
        "persons_file": "truth/persons.csv",
        "extracts": [
            {
                "name": o.spec.name,
                "department": o.spec.department,
                "title": o.spec.title,
                "description": o.spec.description,
                "rows": o.data.rows,
                "file": o.data.path.name,
                "columns_file": f"{o.spec.name}.columns.json",
                "truth_file": f"truth/{o.spec.name}.csv",
                "columns": o.spec.column_map(),
                "formats": {
                    "birth_date": o.spec.date_style.value,
                    "sex": o.spec.sex_style.value,
                    "phone": o.spec.phone_style.value,
                },
                "selection": {
                    "rate": o.spec.selection.rate,
                    "overlap_with_reference": o.spec.selection.overlap,
                },
                "corruption_applied": dict(sorted(o.applied.items())),
            }
            for o in outputs
        ],
    }
    write_json_atomic(out / "scenario.json", description)
    return description


def _write_extract(
    o: _ExtractOutput,
    pop: Population,
    idx: np.ndarray,
    rng: np.random.Generator,
    rates: CorruptionRates,
    ref_date: np.datetime64,
) -> None:
    if len(idx) == 0:
        return
    dup = idx[rng.random(len(idx)) < rates.duplicate]
    rows = rng.permutation(np.concatenate((idx, dup)))
    sub = pop.take(rows)
    rec = records_of(sub)
    applied = corrupt(rng, rec, rates, o.spec.date_style)
    for kind, mask in applied.items():
        o.applied[kind] = o.applied.get(kind, 0) + int(mask.sum())
    o.applied["duplicate"] = o.applied.get("duplicate", 0) + len(dup)
    first = o.data.rows
    numbers = np.char.zfill(np.arange(first + 1, first + 1 + len(rows)).astype(str), 10)
    record_ids = np.char.add(o.spec.record_id_prefix, numbers).astype(object)
    payload = o.spec.payload(rng, sub, ref_date)
    o.data.write(render_rows(o.spec, rec, record_ids, payload))
    o.truth.write({"record_id": record_ids, "person_id": person_ids(sub.person_id)})


def _write_persons(w: TableWriter, pop: Population) -> None:
    def ids(a: np.ndarray) -> np.ndarray:
        out = person_ids(np.maximum(a, 0))
        out[a < 0] = None
        return out

    w.write(
        {
            "person_id": person_ids(pop.person_id),
            "household_id": np.char.add("H", pop.household_id.astype(str)).astype(object),
            "role": np.array(["head", "spouse", "child", "parent_of_head"], dtype=object)[pop.role],
            "sex": pop.sex.astype(str).astype(object),
            "father_id": ids(pop.father),
            "mother_id": ids(pop.mother),
            "status": pop.status.astype(str).astype(object),
        }
    )


def _payload_columns(spec: ExtractSpec, cfg: PopulationConfig) -> list[str]:
    """Payload column names, in order, from a one-person sample."""
    one = generate_households(np.random.default_rng(0), cfg, 1, 0, 0)
    return list(spec.payload(np.random.default_rng(0), one, np.datetime64(cfg.reference_date)))
