"""The road network and energy stations of Shenzhen.

``roads``: the 491-zone graph with travel times, cached all-pairs matrices, the Futian street
graph. ``stations``: equipment types and the existing public chargers. ``growth``: the public
network of any year 2022-2035 grown to the city's reported totals. ``siting``: OR-Tools
location models and the Shenzhen station plan.

Importing the package loads nothing heavy; each name is imported on first use.
"""
from szplan.data.lazy import lazy_names

_LAZY = {
    "NetworkError": ".errors",
    "NetworkParams": ".params",
    "load_zones": ".roads",
    "zone_graph": ".roads",
    "travel_matrices": ".roads",
    "shortest_paths": ".roads",
    "load_street_graph": ".roads",
    "load_equipment": ".stations",
    "equipment_names": ".stations",
    "existing_stations": ".stations",
    "new_station_table": ".stations",
    "stations_of_year": ".growth",
    "growth_path": ".growth",
    "assumed_sites": ".growth",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_names(__name__, _LAZY)
