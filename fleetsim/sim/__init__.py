"""The simulated day: agents drawn from the stock, the SimPy engine, charging,
station queues, the energy infrastructure of a run and the tables it yields.

May import ``szplan.demand``, ``szplan.network``, ``szplan.data``, ``szplan.fleetsim.errors``
and, for its input, ``szplan.fleetsim.runs.scenario``; never the dashboard, the sweeps or the CLI.
"""

__all__: list[str] = []
