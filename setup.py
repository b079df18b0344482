from setuptools import find_packages, setup

setup(
    name="shenzhen-fleetsim",
    version="0.1.0",
    description="Shenzhen transport electrification planner: fleet stock, SimPy fleet "
    "simulation, OR-Tools station siting and a Dash dashboard",
    python_requires=">=3.10",
    packages=find_packages(include=["fleetsim*", "demand*", "network*", "dashboard*"])
    + ["shenzhen_data"],
    package_dir={"shenzhen_data": "data"},
    package_data={
        "shenzhen_data": ["*.md", "facts/*.csv", "params/*.csv", "shenzhen/*", "shenzhen/*/*"],
        "fleetsim": ["scenarios/*.yaml", "i18n_data/*.csv"],
        "dashboard": ["assets/*"],
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
            "hypothesis>=6.100,<7",
            "dash[testing]>=2.16,<5",
            "selenium>=4.2,<5",
            "pyogrio>=0.7",
        ],
    },
    entry_points={"console_scripts": ["fleetsim=fleetsim.cli:main"]},
)
