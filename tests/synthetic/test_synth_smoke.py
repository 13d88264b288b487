import csv
import json

from pprl_synthetic import SCENARIOS, generate_scenario


def test_default_scenario_writes_the_contract_files(tmp_path):
    result = generate_scenario("low-income-vs-deaths", 3000, 1, tmp_path)
    on_disk = json.loads((tmp_path / "scenario.json").read_text(encoding="utf-8"))
    assert on_disk == result
    names = [e["name"] for e in result["extracts"]]
    assert names == ["mz_low_income", "gaj_deaths", "gaj_vehicles"]
    for e in result["extracts"]:
        columns = json.loads((tmp_path / e["columns_file"]).read_text(encoding="utf-8"))
        with open(tmp_path / e["file"], encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == e["rows"] > 0
        assert set(columns.values()) <= set(rows[0])
        with open(tmp_path / e["truth_file"], encoding="utf-8", newline="") as f:
            truth = list(csv.DictReader(f))
        assert [t["record_id"] for t in truth] == [r[columns["record_id"]] for r in rows]


def test_every_scenario_runs(tmp_path):
    for name in SCENARIOS:
        result = generate_scenario(name, 800, 2, tmp_path / name)
        assert all((tmp_path / name / e["file"]).exists() for e in result["extracts"])


def test_a_chunk_that_lists_nobody_is_written_as_empty(tmp_path, monkeypatch):
    """Tiny populations, and a last chunk of one person, may put nobody in an extract."""
    import pyarrow.parquet as pq

    import pprl_synthetic.generate as generate

    for fmt in ("csv", "parquet"):
        result = generate_scenario("low-income-vs-deaths", 1, 1, tmp_path / fmt, fmt=fmt)
        for e in result["extracts"]:
            assert (tmp_path / fmt / e["file"]).exists()
        persons = tmp_path / fmt / "truth" / "persons.csv"
        assert persons.read_text(encoding="utf-8").startswith("person_id,")
    assert sum(e["rows"] for e in result["extracts"]) == 0
    monkeypatch.setattr(generate, "CHUNK_PERSONS", 300)
    whole = generate_scenario("low-income-vs-deaths", 301, 4, tmp_path / "chunks", fmt="parquet")
    for e in whole["extracts"]:
        assert pq.read_table(tmp_path / "chunks" / e["file"]).num_rows == e["rows"]
    assert sum(e["rows"] for e in whole["extracts"]) > 0
