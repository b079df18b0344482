"""Sweeps: many scenarios x seeds on Dask (spec, cluster, summary tables).

May import ``szplan.fleetsim.runs`` and ``szplan.fleetsim.errors``; never the dashboard or the CLI.
"""

__all__: list[str] = []
