"""The shared helpers of the contracts layer (`pprl`): one place for each repeated job."""

from __future__ import annotations

import io
import sys

import pytest

from pprl import passphrase
from pprl.errors import InputError


def test_passphrase_variables_have_their_documented_names():
    assert passphrase.SECRET_ENV == "PPRL_PASSPHRASE"
    assert passphrase.CA_ENV == "PPRL_CA_PASSPHRASE"
    assert passphrase.KEY_ENV == "PPRL_KEY_PASSPHRASE"
    assert passphrase.MATCHER_KEY_ENV == "PPRL_MATCHER_KEY_PASSPHRASE"
    documented = {
        "PPRL_PASSPHRASE",
        "PPRL_CA_PASSPHRASE",
        "PPRL_KEY_PASSPHRASE",
        "PPRL_MATCHER_KEY_PASSPHRASE",
    }
    assert documented == passphrase.PASSPHRASE_VARIABLES


def test_passphrase_comes_from_its_variable(monkeypatch):
    monkeypatch.setenv(passphrase.CA_ENV, "ca words")
    assert passphrase.read_passphrase(passphrase.CA_ENV, "the CA key") == b"ca words"


class _FakeBar:
    def __init__(self, **kwargs):
        self.total, self.n, self.kwargs = kwargs["total"], 0, kwargs
        self.updates, self.closed = [], False

    def reset(self, total=None):
        self.total, self.n = total, 0

    def update(self, n):
        self.updates.append(n)
        self.n += n

    def close(self):
        self.closed = True


def _bar(monkeypatch, *args, **kwargs):
    import tqdm

    from pprl.progress import ProgressBar

    monkeypatch.setattr(tqdm, "tqdm", _FakeBar)
    return ProgressBar(*args, **kwargs)


def test_progress_counts_increments_and_restarts_on_a_new_total(monkeypatch):
    with _bar(monkeypatch, "pair") as bar:
        bar(10, 100)
        bar(5, 100)
        assert (bar.bar.n, bar.bar.total) == (15, 100)
        bar(7, 50)  # a second comparison with its own total
        assert (bar.bar.n, bar.bar.total) == (7, 50)
        bar(3)  # no total (a CSV of unknown length): the bar keeps counting
        assert (bar.bar.n, bar.bar.total) == (10, 50)
    assert bar.bar.closed


def test_cumulative_progress_takes_the_running_total(monkeypatch):
    bar = _bar(monkeypatch, "B", cumulative=True)
    bar(100, 1000)
    bar(400, 1000)
    assert bar.bar.updates == [100, 300] and bar.bar.n == 400


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal_and_without_quiet(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert _bar(monkeypatch, "rec").bar.kwargs["disable"]
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert _bar(monkeypatch, "rec", quiet=True).bar.kwargs["disable"]
    assert not _bar(monkeypatch, "rec").bar.kwargs["disable"]
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a library caller asks for a bar anyway
    assert not _bar(monkeypatch, "rec", only_on_terminal=False).bar.kwargs["disable"]


def test_progress_draws_a_real_tqdm_bar_on_stderr(monkeypatch):
    from pprl.progress import ProgressBar

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with ProgressBar("B", unit_scale=True, cumulative=True) as bar:
        bar(512, 2048)
        bar(2048, 2048)
    assert bar.bar.n == 2048 and "2.05k/2.05k" in terminal.getvalue()


def test_column_map_reads_field_equals_column_pairs():
    from pprl.tables import parse_column_map

    pairs = ("name=XM", " id_number = ZJHM ", "note=a=b", "name=XM")
    assert parse_column_map(pairs) == {"name": "XM", "id_number": "ZJHM", "note": "a=b"}
    assert parse_column_map(()) == {}


@pytest.mark.parametrize(
    "pair, message",
    [
        ("name", "--column expects field=column, got 'name'"),
        ("=XM", "--column expects field=column, got '=XM'"),
        ("name=", "--column expects field=column, got 'name='"),
        (" = ", "--column expects field=column, got ' = '"),
    ],
)
def test_column_map_refuses_a_pair_without_both_names(pair, message):
    from pprl.tables import parse_column_map

    with pytest.raises(InputError) as info:
        parse_column_map(["cause=SW", pair], "--column")
    assert str(info.value) == message


def test_column_map_refuses_a_field_mapped_to_two_columns():
    from pprl.tables import parse_column_map

    with pytest.raises(InputError, match="--map maps field 'name' twice \\('XM' and 'NAME'\\)"):
        parse_column_map(["name=XM", "name=NAME"])


def _gbk_extract(path):
    path.write_bytes("编号,姓名,电话\n001,张伟,013800\n002,,\n".encode("gbk"))
    return path


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_table_reader_reads_a_gbk_csv_as_text(tmp_path, encoding):
    from pprl.tables import open_table, read_table

    path = _gbk_extract(tmp_path / "gbk.csv")
    table = read_table(path, encoding=encoding)
    expected = {"编号": ["001", "002"], "姓名": ["张伟", ""], "电话": ["013800", ""]}
    assert table.to_pydict() == expected  # text throughout: leading zeros kept, empty is ""
    assert read_table(path, encoding=encoding, columns=["姓名"]).column_names == ["姓名"]
    streamed = open_table(path, encoding, chunk_rows=1)
    assert streamed.columns == ["编号", "姓名", "电话"] and streamed.total_rows is None
    chunks = list(streamed.chunks)
    assert [c.num_rows for c in chunks] == [1, 1] and chunks[0].equals(table.slice(0, 1))


def test_table_reader_names_the_encoding_to_try(tmp_path):
    from pprl.tables import open_table, read_table

    path = _gbk_extract(tmp_path / "gbk.csv")
    for read in (lambda: read_table(path), lambda: list(open_table(path).chunks)):
        with pytest.raises(InputError) as info:
            read()
        # the header line is the first that is not UTF-8
        assert str(info.value) == f"{path}: line 1 is not utf-8 text (try --encoding gbk)"


def test_table_reader_reads_parquet_with_its_types(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pprl.tables import open_table, read_table

    table = pa.table({"record_token": ["a", "b", "c"], "source_row": [0, 1, 2]})
    for name in ("map.parquet", "map.pq"):
        pq.write_table(table, tmp_path / name)
        assert read_table(tmp_path / name).equals(table)
        assert read_table(tmp_path / name, columns=["source_row"]).column_names == ["source_row"]
        streamed = open_table(tmp_path / name, chunk_rows=2)
        assert streamed.total_rows == 3
        assert [c.num_rows for c in streamed.chunks] == [2, 1]


def test_table_reader_reports_what_is_wrong_with_the_file(tmp_path):
    from pprl.tables import open_table, read_table

    (tmp_path / "bom.csv").write_bytes("\ufeffname,phone\nZhang,0138\n".encode())
    assert read_table(tmp_path / "bom.csv").column_names == ["name", "phone"]
    with pytest.raises(InputError, match="bom.csv, field 'token_a': missing column"):
        read_table(tmp_path / "bom.csv", columns=["name", "token_a"])
    with pytest.raises(InputError, match="absent.csv: no such file"):
        open_table(tmp_path / "absent.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "broken.csv").write_bytes("name,id\n张伟,110105,x\n".encode())
    with pytest.raises(InputError) as info:
        read_table(tmp_path / "broken.csv")
    message = f"{tmp_path / 'broken.csv'}: unreadable input: CSV parse error: Expected 2 columns"
    assert str(info.value) == message + ", got 3"  # the row itself is not quoted
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="junk.parquet: unreadable input"):
        read_table(tmp_path / "junk.parquet")


def _boom_after(rows, n):
    for i, row in enumerate(rows):
        if i == n:
            raise RuntimeError("disk pulled")
        yield row


def test_output_writers_write_json_and_csv(tmp_path):
    import pyarrow as pa

    from pprl.files import write_csv_atomic, write_json_atomic, write_table_csv_atomic

    write_json_atomic(tmp_path / "s.json", {"名": "张伟", "n": 1})
    assert (tmp_path / "s.json").read_text("utf-8") == '{\n  "名": "张伟",\n  "n": 1\n}\n'
    write_json_atomic(tmp_path / "c.json", {"clks": ["AA=="]}, indent=None)
    assert (tmp_path / "c.json").read_text("utf-8") == '{"clks": ["AA=="]}\n'
    write_csv_atomic(tmp_path / "r.csv", ["row", "reason"], [[1, "a,b"], [2, None]])
    assert (tmp_path / "r.csv").read_bytes() == b'row,reason\r\n1,"a,b"\r\n2,\r\n'
    table = pa.table({"token_a": ["x", "y,z"], "score": [0.5, 1.0]})
    write_table_csv_atomic(tmp_path / "p.csv", table)
    assert (tmp_path / "p.csv").read_text() == 'token_a,score\n"x",0.5\n"y,z",1\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json", "p.csv", "r.csv", "s.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from pprl.files import write_csv_atomic, write_json_atomic

    out = tmp_path / "pairs.csv"
    write_csv_atomic(out, ["a"], [["old"]])
    before = out.read_bytes()
    with pytest.raises(RuntimeError, match="disk pulled"):
        write_csv_atomic(out, ["a"], _boom_after([["new"]] * 10_000, 5_000))
    assert out.read_bytes() == before  # never a half-written file
    with pytest.raises(TypeError):
        write_json_atomic(tmp_path / "new.json", {"not json": object()})
    assert [p.name for p in tmp_path.iterdir()] == ["pairs.csv"]


def test_a_failure_to_write_is_an_input_error_naming_the_file(tmp_path):
    from pprl.files import write_json_atomic, write_table_csv_atomic

    missing = tmp_path / "no-such-dir" / "summary.json"
    with pytest.raises(InputError, match=r"summary.json: cannot write \(No such file"):
        write_json_atomic(missing, {})
    import pyarrow as pa

    with pytest.raises(InputError, match="pairs.csv: cannot write"):
        write_table_csv_atomic(tmp_path / "no-such-dir" / "pairs.csv", pa.table({"a": [1]}))
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_forces_the_file_to_disk_before_the_rename(tmp_path, monkeypatch):
    import os

    from pprl import files

    calls = []
    monkeypatch.setattr(files.os, "fsync", lambda fd: calls.append("fsync"))
    real_replace = os.replace
    monkeypatch.setattr(
        files.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))
    )
    with files.atomic_path(tmp_path / "x.bin") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".x.bin.")
        tmp.write_bytes(b"data")
    assert calls == ["fsync", "replace"] and (tmp_path / "x.bin").read_bytes() == b"data"
    calls.clear()
    files.write_atomic(tmp_path / "y.bin", b"fast", durable=False)
    assert calls == ["replace"]
