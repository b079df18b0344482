"""The road network and energy stations of Shenzhen.

``roads``: the 491-zone graph with travel times, cached all-pairs matrices, the Futian street
graph. ``stations``: equipment types and the existing public chargers. ``growth``: the public
network of any year 2022-2035 grown to the city's reported totals. ``siting``: OR-Tools
location models and the Shenzhen station plan.
"""
from .errors import NetworkError
from .growth import assumed_sites, growth_path, stations_of_year
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
    "stations_of_year",
    "growth_path",
    "assumed_sites",
]
