"""The road network and energy stations of Shenzhen.

``roads``: the 491-zone graph with travel times, cached all-pairs matrices, the Futian street
graph. ``stations``: equipment types and the existing public chargers. ``siting``: OR-Tools
location models and the Shenzhen station plan.
"""
from .errors import NetworkError
from .params import NetworkParams
from .roads import load_street_graph, load_zones, shortest_paths, travel_matrices, zone_graph
from .stations import equipment_names, existing_stations, load_equipment, new_station_table

__all__ = [
    "NetworkError",
    "NetworkParams",
    "load_zones",
    "zone_graph",
    "travel_matrices",
    "shortest_paths",
    "load_street_graph",
    "load_equipment",
    "equipment_names",
    "existing_stations",
    "new_station_table",
]
