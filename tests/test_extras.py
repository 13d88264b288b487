"""Optional parts (pip extras): without them the engine says which extra to install."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from click.testing import CliRunner

from pprl.errors import InputError, MissingExtraError
from pprl.extras import require_extra
from pprl_app.cli import main


def _without(monkeypatch, *modules: str) -> None:
    """Make `import module` fail as if it were not installed."""
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_a_missing_module_names_its_extra(monkeypatch):
    _without(monkeypatch, "matplotlib")
    with pytest.raises(MissingExtraError) as caught:
        require_extra("matplotlib", "plots")
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2
    assert str(caught.value) == "matplotlib is not installed: pip install 'pprl-engine[plots]'"
    assert (caught.value.module, caught.value.extra) == ("matplotlib", "plots")


def test_an_installed_module_whose_own_dependency_is_missing_says_what_failed(
    tmp_path, monkeypatch
):
    (tmp_path / "half_installed_extra.py").write_text("import not_a_module_anywhere_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(MissingExtraError, match="not_a_module_anywhere_xyz.*pprl-engine\\[all\\]"):
        require_extra("half_installed_extra", "all")


def test_the_histogram_without_matplotlib_names_the_plots_extra(monkeypatch, tmp_path):
    from linkage.plot import score_histogram

    _without(monkeypatch, "matplotlib", "matplotlib.pyplot")
    with pytest.raises(MissingExtraError, match=r"pip install 'pprl-engine\[plots\]'"):
        score_histogram(np.array([0.9]), 0.8, tmp_path / "hist.png")
    assert not (tmp_path / "hist.png").exists()


def test_the_dask_executor_without_dask_names_the_cluster_extra(monkeypatch):
    from linkage.dask_executor import DaskExecutor

    _without(monkeypatch, "dask.distributed")
    with pytest.raises(MissingExtraError, match=r"pip install 'pprl-engine\[cluster\]'"):
        DaskExecutor(client=None).run(None, None, None)


def test_match_plot_without_matplotlib_is_refused_before_matching(monkeypatch, tmp_path):
    _without(monkeypatch, "matplotlib", "matplotlib.pyplot")
    # The input files do not exist: the missing extra is reported first, before any work.
    args = ["match", "a.parquet", "b.parquet", "--out", str(tmp_path / "pairs.csv")]
    result = CliRunner().invoke(main, [*args, "--plot", str(tmp_path / "hist.png")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: matplotlib is not installed: pip install 'pprl-engine[plots]'"
    ]
