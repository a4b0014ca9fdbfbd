"""Networks by name: the built-in catalogue and the resolution of a network spec.

A network spec is what a scenario writes under ``grid.network``:

- ``"cigre_lv"``: the CIGRE European low-voltage benchmark network as
  pandapower builds it [1]_;
- ``"simbench:<code>"``: a SimBench network with its 2016 profiles [2]_, e.g.
  ``"simbench:1-LV-semiurb4--0-sw"``;
- ``"city:<code>*<count>+..."``: several SimBench MV/LV grids under one
  HV/MV substation (:mod:`twin.grid.city`), e.g.
  ``"city:1-MVLV-urban-all-0-sw*4+1-MVLV-rural-all-0-sw*2"``;
- a path to a pandapower JSON file; a relative path is looked up in the
  scenario file's folder first, then in the current directory.

This module only finds and reads networks (raw, as their source ships them).
:mod:`twin.grid.network` prepares them for solving.

References
----------
.. [1] K. Strunz et al., "Benchmark Systems for Network Integration of
   Renewable and Distributed Energy Resources", CIGRE Task Force C6.04.02,
   Technical Brochure 575, 2014.
.. [2] S. Meinecke et al., "SimBench - A Benchmark Dataset of Electric Power
   Systems to Compare Innovative Solutions based on Power Flow Analysis",
   Energies 13(12), 3290, 2020. https://doi.org/10.3390/en13123290
"""

from __future__ import annotations

import difflib
import functools
import pathlib
import warnings
from dataclasses import dataclass
from typing import Literal

import pandapower as pp
import pandapower.networks as pn
from pandapower.auxiliary import pandapowerNet

from twin.errors import TwinError

__all__ = [
    "NetworkError",
    "NetworkSource",
    "list_networks",
    "read_network",
    "simbench_codes",
]

SIMBENCH_PREFIX = "simbench:"
CITY_PREFIX = "city:"
BUILTIN_NAMES: tuple[str, ...] = ("cigre_lv",)

# The codes the project relies on; list_networks() offers these even if the
# installed simbench could not enumerate its codes.
CORE_SIMBENCH_CODES: tuple[str, ...] = (
    "1-LV-rural1--0-sw",
    "1-LV-semiurb4--0-sw",
    "1-LV-urban6--0-sw",
    "1-MVLV-rural-all-0-sw",
    "1-MVLV-semiurb-all-0-sw",
    "1-MVLV-urban-all-0-sw",
)

_HINT = "see `twin networks`"


class NetworkError(TwinError, ValueError):
    """A network spec that names no network, or a file that holds none.

    The message names the offending value and what is allowed.
    """


@dataclass(frozen=True)
class NetworkSource:
    """Where a raw network came from.

    Attributes
    ----------
    name : str
        Display name: the built-in name, ``"simbench:<code>"``, the city spec as
        given, or the file stem.
    kind : {"builtin", "simbench", "city", "file"}
        Which loader read it.
    path : pathlib.Path or None
        Resolved file path for ``kind == "file"``.
    """

    name: str
    kind: Literal["builtin", "simbench", "city", "file"]
    path: pathlib.Path | None = None


@functools.cache
def simbench_codes() -> tuple[str, ...]:
    """All SimBench codes the installed simbench offers, core codes first if missing."""
    import simbench

    try:
        codes = list(simbench.collect_all_simbench_codes())
    except Exception:  # pragma: no cover - depends on the simbench install
        codes = []
    extra = [c for c in CORE_SIMBENCH_CODES if c not in codes]
    return tuple(extra + codes)


def list_networks() -> list[str]:
    """Names of the built-in networks.

    Returns
    -------
    list of str
        ``"cigre_lv"`` followed by ``"simbench:<code>"`` for every code that
        ``simbench.collect_all_simbench_codes()`` offers (246 with simbench 1.6).
    """
    return list(BUILTIN_NAMES) + [SIMBENCH_PREFIX + code for code in simbench_codes()]


def _unknown_name(spec: str) -> NetworkError:
    names = list_networks()
    close = difflib.get_close_matches(spec, names, n=3, cutoff=0.6)
    if not close and not spec.startswith(SIMBENCH_PREFIX):
        close = difflib.get_close_matches(SIMBENCH_PREFIX + spec, names, n=3, cutoff=0.6)
    hint = f"; closest names: {', '.join(repr(c) for c in close)}" if close else ""
    return NetworkError(
        f"unknown network {spec!r}; expected 'cigre_lv', 'simbench:<code>' "
        f"(e.g. 'simbench:1-LV-semiurb4--0-sw'), 'city:<MV/LV code>*<count>+...' or a "
        "path to a pandapower JSON file"
        f"{hint}; {_HINT}"
    )


def _looks_like_path(spec: str) -> bool:
    return spec.lower().endswith(".json") or "/" in spec or "\\" in spec


def _candidates(spec: str, base_dir: pathlib.Path | None) -> list[pathlib.Path]:
    path = pathlib.Path(spec).expanduser()
    if path.is_absolute():
        return [path]
    found = [base_dir / path] if base_dir is not None else []
    found.append(pathlib.Path.cwd() / path)
    return found


def _read_json(path: pathlib.Path, spec: str) -> pandapowerNet:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = pp.from_json(str(path))
    except Exception as exc:  # pandapower's reader raises many kinds; report them all
        raise NetworkError(
            f"network file {spec!r} ({path}) is not a readable pandapower JSON "
            f"network: {type(exc).__name__}: {exc}; expected a file written by "
            "pandapower.to_json"
        ) from None
    if not isinstance(net, pandapowerNet) or "bus" not in net or len(net.bus) == 0:
        raise NetworkError(
            f"network file {spec!r} ({path}) holds no pandapower network with buses; "
            "expected a file written by pandapower.to_json"
        )
    if len(net.ext_grid) == 0 and not ("gen" in net and net.gen.get("slack", False).any()):
        raise NetworkError(
            f"network file {spec!r} ({path}) has no slack (no ext_grid and no slack "
            "gen); expected a network fed from an external grid"
        )
    return net


def _read_simbench(code: str) -> pandapowerNet:
    import simbench

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simbench.get_simbench_net(code)


def read_network(
    spec: str, *, base_dir: pathlib.Path | None = None
) -> tuple[pandapowerNet, NetworkSource]:
    """Read the raw network a spec names.

    Parameters
    ----------
    spec : str
        ``"cigre_lv"``, ``"simbench:<code>"``, ``"city:<code>*<count>+..."`` or a
        path to a pandapower JSON file.
    base_dir : pathlib.Path, optional
        Folder of the scenario file; relative paths are looked up there first,
        then in the current directory.

    Returns
    -------
    net : pandapowerNet
        A fresh copy that the caller may change.
    source : NetworkSource
        Where it came from.

    Raises
    ------
    NetworkError
        Unknown name (the message suggests close names), missing file, or a
        file that is not a pandapower network.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise NetworkError(f"network given {spec!r}; expected a network name or a path ({_HINT})")
    spec = spec.strip()
    if spec == "cigre_lv":
        return pn.create_cigre_network_lv(), NetworkSource(spec, "builtin")
    if spec.startswith(CITY_PREFIX):
        from twin.grid.city import compose_city, parse_city  # the city builds on this module

        return compose_city(parse_city(spec), _read_simbench), NetworkSource(spec, "city")
    if spec.startswith(SIMBENCH_PREFIX):
        code = spec[len(SIMBENCH_PREFIX) :]
        if code not in simbench_codes():
            raise _unknown_name(spec)
        return _read_simbench(code), NetworkSource(spec, "simbench")
    candidates = _candidates(spec, base_dir)
    existing = [c for c in candidates if c.is_file()]
    if existing:
        path = existing[0].resolve()
        return _read_json(path, spec), NetworkSource(path.stem, "file", path)
    if _looks_like_path(spec):
        looked = ", ".join(str(c) for c in candidates)
        raise NetworkError(
            f"network file {spec!r} not found (looked at {looked}); expected an "
            f"existing pandapower JSON file, 'cigre_lv' or 'simbench:<code>' ({_HINT})"
        )
    raise _unknown_name(spec)
