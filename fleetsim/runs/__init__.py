"""Runs: the scenario, one run and one station plan of a scenario, and the results
folder (schemas, atomic writing, reading, export).

May import ``szplan.fleetsim.sim``, ``szplan.demand``, ``szplan.network``, ``szplan.data`` and
``szplan.fleetsim.errors``; never the dashboard, the sweeps or the CLI. This ``__init__`` stays
empty so that the dashboard can read results without loading the model.
"""

__all__: list[str] = []
