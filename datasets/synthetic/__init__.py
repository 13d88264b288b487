"""Synthetic Chinese populations and department extracts with ground truth.

Lives in `datasets/synthetic/` and imports as `pprl_synthetic` (not `datasets`), so that this
project never shadows the `datasets` package from PyPI. No real person's data is used: names
are drawn from frequency tables, ID numbers are built to the standard from public region codes.

    from pprl_synthetic import generate_scenario
    generate_scenario("low-income-vs-deaths", size=100_000, seed=7, out_dir="data/demo")
"""

from pprl_synthetic.corruption import CorruptionRates
from pprl_synthetic.generate import generate_scenario
from pprl_synthetic.population import PopulationConfig
from pprl_synthetic.scenarios import DEFAULT_SCENARIO, SCENARIOS

__all__ = [
    "DEFAULT_SCENARIO",
    "SCENARIOS",
    "CorruptionRates",
    "PopulationConfig",
    "generate_scenario",
]
