from setuptools import find_packages, setup

# The repository's folders install under one namespace, ``szplan`` (PEP 420: it has no
# ``__init__.py`` of its own), so that no other distribution and no file in a user's working
# folder can shadow or overwrite them: folder -> szplan.<name>.
FOLDERS = {"fleetsim": "fleetsim", "network": "network", "demand": "demand", "dashboard": "dashboard", "data": "data"}


def _packages() -> list[str]:
    found = []
    for name, folder in FOLDERS.items():
        found += [f"szplan.{name}"] + [f"szplan.{name}.{sub}" for sub in find_packages(where=folder)]
    return found


setup(
    name="shenzhen-fleetsim",
    version="0.1.0",
    description="Shenzhen transport electrification planner: fleet stock, SimPy fleet "
    "simulation, OR-Tools station siting and a Dash dashboard",
    python_requires=">=3.10",
    packages=_packages(),
    package_dir={f"szplan.{name}": folder for name, folder in FOLDERS.items()},
    package_data={
        "szplan.data": ["*.md", "messages.csv", "facts/*.csv", "params/*.csv", "shenzhen/*", "shenzhen/*/*"],
        "szplan.fleetsim": ["scenarios/*.yaml"],
        "szplan.dashboard": ["assets/*"],
    },
    install_requires=[
        "simpy>=4.1,<5",
        "networkx>=3.2,<4",
        "ortools>=9.10,<10",
        "numpy>=1.26,<3",
        "pandas>=2.1,<4",
        "pyarrow>=15,<30",
        "pydantic>=2.6,<3",
        "pyyaml>=6,<7",
        "shapely>=2.0,<3",
        "tqdm>=4.66,<5",
        "dash>=2.16,<5",
        "plotly>=5.20,<7",
        "diskcache>=5.6,<6",
        "multiprocess>=0.70.15",
        "psutil>=5.9",
        "dask[distributed]>=2024.1",
        "openpyxl>=3.1,<4",
    ],
    extras_require={
        "test": [
            "pytest>=8,<10",
            "pytest-xdist>=3.5,<4",
            "hypothesis>=6.100,<7",
            "dash[testing]>=2.16,<5",
            "selenium>=4.2,<5",
            "pyogrio>=0.7",
        ],
    },
    entry_points={"console_scripts": ["fleetsim=szplan.fleetsim.cli:main"]},
)
