"""A city: several SimBench MV/LV grids composed under one HV/MV substation.

A city spec names SimBench MV/LV codes and how many copies of each::

    city:1-MVLV-urban-all-0-sw*4+1-MVLV-semiurb-all-0-sw*3+1-MVLV-rural-all-0-sw*3

(``*N`` may be left out for one copy; a part may carry the ``simbench:``
prefix). Every SimBench MV/LV grid [1]_ ships with its own HV/MV substation:
a 110 kV busbar fed by an external grid and two parallel HV/MV transformers
of SimBench's own type for that grid (``63 MVA 110/10 kV YNd5`` for urban,
``40 MVA 110/20 kV YNd5`` for semi-urban and commercial, ``25 MVA 110/20 kV
YNd5`` for rural). The city keeps each grid's substation transformers and
joins their 110 kV busbars into one city busbar, the only slack bus:

1. each copy is a deep copy of the SimBench network (read once per code),
   its element names prefixed with ``<code>#<k>/`` (the k-th copy of that
   code, counted over the whole spec), so that every bus, line, load and
   transformer says which copy it came from;
2. the copies are concatenated with :func:`pandapower.toolbox.merge_nets`,
   which keeps every index unique (a later copy's elements are renumbered
   after the earlier ones');
3. the first copy's external-grid bus becomes the city busbar (renamed
   ``city/HV busbar``) and every other copy's external-grid bus is fused
   into it with :func:`pandapower.toolbox.fuse_buses`; the copies' external grids are
   removed and one external grid at SimBench's setpoint (the first copy's,
   1.025 pu) feeds the busbar;
   SimBench's study cases (``loadcases``, the same in every copy) are
   dropped: the profile year stands for them;
4. the profile tables of the copies are joined by column: SimBench draws
   every grid's profiles from one set, so a name that two grids share holds
   the same values (checked), and each element keeps its ``profile`` name, so
   :func:`twin.grid.profiles.read_profiles` lines the profiles up with the
   elements of every copy as for one grid.

The copies are electrically independent below the 110 kV busbar, so the
HV/MV transformers carry each grid's own load, as in SimBench; only the
110 kV busbar is shared.

References
----------
.. [1] S. Meinecke et al., "SimBench - A Benchmark Dataset of Electric Power
   Systems to Compare Innovative Solutions based on Power Flow Analysis",
   Energies 13(12), 3290, 2020. https://doi.org/10.3390/en13123290
"""

from __future__ import annotations

import copy
import difflib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd
from pandapower.auxiliary import pandapowerNet
from pandapower.toolbox import fuse_buses, merge_nets

from twin.grid.catalog import CITY_PREFIX, SIMBENCH_PREFIX, NetworkError, simbench_codes

__all__ = [
    "CITY_PREFIX",
    "MAX_CITY_GRIDS",
    "CityPart",
    "compose_city",
    "mvlv_codes",
    "parse_city",
]

MAX_CITY_GRIDS = 128
"""Most MV/LV grids one city composes (1.55 million dwellings of the urban
grid, room for a city of 1 million meters); a bound on set-up time and
memory, not a physical limit."""

CITY_BUSBAR_NAME = "city/HV busbar"
"""Name of the city's 110 kV busbar, the one slack bus."""

_PART = re.compile(r"^\s*(?P<code>[^*+\s]+)\s*(?:\*\s*(?P<count>[^*+\s]+))?\s*$")
_FORM = (
    "expected 'city:<code>*<count>+<code>*<count>...' with SimBench MV/LV codes "
    "(e.g. 'city:1-MVLV-urban-all-0-sw*4+1-MVLV-rural-all-0-sw*2'), counts >= 1 and "
    f"at most {MAX_CITY_GRIDS} grids in all"
)


@dataclass(frozen=True)
class CityPart:
    """One SimBench MV/LV grid of a city and its number of copies.

    Attributes
    ----------
    code : str
        SimBench code, e.g. ``"1-MVLV-urban-all-0-sw"``.
    count : int
        Copies of it, >= 1.
    """

    code: str
    count: int


def mvlv_codes() -> tuple[str, ...]:
    """SimBench codes of MV/LV grids (voltage level ``MVLV``), the ones a city may use."""
    return tuple(c for c in simbench_codes() if c.split("-")[1:2] == ["MVLV"])


def _bad(spec: str, what: str) -> NetworkError:
    return NetworkError(f"city network {spec!r}: {what}; {_FORM}")


def parse_city(spec: str) -> tuple[CityPart, ...]:
    """Read a city spec into its parts.

    Parameters
    ----------
    spec : str
        ``"city:<code>*<count>+..."``.

    Returns
    -------
    tuple of CityPart
        In the order given (the order of the copies in the network).

    Raises
    ------
    NetworkError
        An empty spec, an unknown or non-MV/LV code (the message suggests close
        codes), a count that is not an integer >= 1, or more than
        :data:`MAX_CITY_GRIDS` grids.
    """
    body = spec.strip()[len(CITY_PREFIX) :]
    if not body.strip():
        raise _bad(spec, "no grids named")
    allowed = mvlv_codes()
    parts = []
    for text in body.split("+"):
        match = _PART.match(text)
        if match is None:
            raise _bad(spec, f"part {text.strip()!r} is not '<code>' or '<code>*<count>'")
        code = match["code"].removeprefix(SIMBENCH_PREFIX)
        if code not in allowed:
            close = difflib.get_close_matches(code, allowed, n=3, cutoff=0.6)
            hint = f" (closest: {', '.join(repr(c) for c in close)})" if close else ""
            kind = "not an MV/LV grid" if code in simbench_codes() else "not a SimBench code"
            raise _bad(spec, f"{code!r} is {kind}{hint}")
        raw = match["count"] or "1"
        if not raw.isdigit() or int(raw) < 1:
            raise _bad(spec, f"count {raw!r} of {code!r} is not an integer >= 1")
        parts.append(CityPart(code, int(raw)))
    total = sum(p.count for p in parts)
    if total > MAX_CITY_GRIDS:
        raise _bad(spec, f"{total} grids in all")
    return tuple(parts)


def _prefix_names(net: pandapowerNet, label: str) -> None:
    """Prefix ``label/`` to the names of every element table (in place)."""
    for key, table in net.items():
        if (
            isinstance(table, pd.DataFrame)
            and not key.startswith(("_", "res_"))
            and "name" in table.columns
            and len(table)
        ):
            names = table["name"].astype(object)
            table["name"] = [
                f"{label}/{n}" if isinstance(n, str) else f"{label}/{key} {i}"
                for i, n in zip(table.index, names, strict=True)
            ]


def _join_profiles(
    joined: dict[str, pd.DataFrame], profiles: dict[str, pd.DataFrame], label: str
) -> None:
    """Add a copy's profile frames to ``joined`` by column; shared names must agree."""
    for key, frame in profiles.items():
        if not isinstance(frame, pd.DataFrame):
            continue
        have = joined.get(key)
        if have is None:
            joined[key] = frame.copy()
            continue
        if len(have) != len(frame) and len(frame) and len(have):
            raise NetworkError(
                f"the profiles '{key}' of {label} have {len(frame)} rows, the city's "
                f"{len(have)}; expected SimBench profiles of one year"
            )
        shared = [c for c in frame.columns if c in have.columns]
        for column in shared:
            if not np.array_equal(have[column].to_numpy(), frame[column].to_numpy()):
                raise NetworkError(
                    f"the profile '{column}' of {label} differs from the one of that name "
                    "already in the city; expected SimBench grids whose shared profiles agree"
                )
        new = [c for c in frame.columns if c not in have.columns]
        if new:
            joined[key] = pd.concat([have, frame[new]], axis=1)


def _drop_study_cases(net: pandapowerNet) -> None:
    """Empty the tables indexed by name, not by number (SimBench's ``loadcases``).

    Their rows are the same in every copy and the profile year stands for
    them; :func:`~pandapower.toolbox.merge_nets` cannot renumber them.
    """
    for key, table in list(net.items()):
        if (
            isinstance(table, pd.DataFrame)
            and not key.startswith("_")
            and len(table)
            and not pd.api.types.is_integer_dtype(table.index.dtype)
        ):
            net[key] = table.iloc[0:0]


def _slack_bus(net: pandapowerNet, label: str) -> int:
    on = net.ext_grid[net.ext_grid["in_service"].astype(bool)]
    if len(on) != 1:
        raise NetworkError(
            f"{label} has {len(on)} in-service external grids; expected one (its HV busbar)"
        )
    return int(on["bus"].iat[0])


def compose_city(
    parts: tuple[CityPart, ...], read: Callable[[str], pandapowerNet]
) -> pandapowerNet:
    """Compose the city's raw network (see the module docstring).

    Parameters
    ----------
    parts : tuple of CityPart
        From :func:`parse_city`.
    read : callable
        Reads the raw SimBench network of a code (with its ``profiles``).

    Returns
    -------
    pandapowerNet
        One network: the copies, their HV busbars fused into the city
        busbar with the only external grid, and ``net.profiles`` joined.
    """
    city: pandapowerNet | None = None
    slack: list[int] = []
    hv_kv: set[float] = set()
    vm_pu = 1.0
    profiles: dict[str, pd.DataFrame] = {}
    seen: dict[str, int] = {}
    for part in parts:
        base = read(part.code)
        base_profiles = base.pop("profiles", None) if "profiles" in base else None
        _drop_study_cases(base)
        for _ in range(part.count):
            seen[part.code] = seen.get(part.code, 0) + 1
            label = f"{part.code}#{seen[part.code]}"
            net = copy.deepcopy(base)
            _prefix_names(net, label)
            bus = _slack_bus(net, label)
            hv_kv.add(float(net.bus.at[bus, "vn_kv"]))
            if isinstance(base_profiles, dict):
                _join_profiles(profiles, base_profiles, label)
            if city is None:
                city, slack = net, [bus]
                vm_pu = float(net.ext_grid.loc[net.ext_grid["bus"] == bus, "vm_pu"].iat[0])
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                city, lookup = merge_nets(
                    city,
                    net,
                    validate=False,
                    merge_results=False,
                    return_net2_reindex_lookup=True,
                    net2_reindex_log_level=None,
                )
            slack.append(int(lookup.get("bus", {}).get(bus, bus)))
    if city is None:
        raise NetworkError(f"city given no grids; {_FORM}")
    if len(hv_kv) != 1:
        raise NetworkError(
            f"the city's grids have HV busbars at {sorted(hv_kv)} kV; expected one voltage"
        )
    busbar = slack[0]
    city.bus.at[busbar, "name"] = CITY_BUSBAR_NAME
    fuse_buses(city, busbar, slack[1:])
    city.ext_grid = city.ext_grid.iloc[0:0]
    pp.create_ext_grid(city, busbar, vm_pu=vm_pu, va_degree=0.0, name="city/HV grid")
    city["profiles"] = profiles
    city.name = "city"
    return city
