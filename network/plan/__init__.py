"""The Shenzhen station plan: one mixed-integer model per phase year over every station family,
under a capital budget and per-zone grid headroom, sized by Erlang C, with its validator and its
parameters (``data/params/siting.csv``).

It is built on the library of classic models in :mod:`szplan.network.siting` and sits above it:
the library never imports the plan. Importing this package loads no solver; each name is
imported on first use.
"""
from __future__ import annotations

from szplan.data.lazy import lazy_names

_LAZY = {
    "ServiceArea": ".params",
    "SitingParams": ".params",
    "PhasePlan": ".phase",
    "plan_phase": ".phase",
    "validate_plan": ".phase",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_names(__name__, _LAZY)
