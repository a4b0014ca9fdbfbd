"""The engine benchmark's peers: pandapower's time series and lightsim2grid's, on given injections.

Both take a pandapower network and per-interval injections (one row per
interval: ``net.load`` active and reactive power [MW], [Mvar], ``net.sgen``
active power [MW]) and return their timings split into set-up, warm-up, the
time-series loop and the final flush (results out), their settings as the
library reports them, and the bus voltage magnitudes [pu] per interval and
``net.bus`` row.

(b) :func:`run_pandapower_timeseries`: pandapower's documented time-series
    loop [1]_ (``DFData`` + ``ConstControl`` + ``OutputWriter`` +
    ``run_timeseries``) in its fastest documented configuration:
    ``runpp(lightsim2grid=True)`` [2]_ (lightsim2grid's C++ Newton-Raphson
    inside pandapower, checked against the installed
    ``pandapower.auxiliary._check_lightsim2grid_compatibility``), ``numba=True``
    with every numba kernel compiled before timing by a short warm-up time
    series on a copy of the network, ``init="results"`` and the ``recycle``
    options that ``run_timeseries`` derives itself when every controller is a
    recyclable ``ConstControl`` and the writer logs only results its batch
    read supports (``run_time_series.get_recycle_settings``: the admittance
    matrix is built once, only the bus P/Q are updated, each step starts from
    the previous step's voltages, and the voltages are read back and the
    branch results derived from them in one batch at the end), and
    ``check_controllers=False`` (no ``control_diagnostic``, which the source
    marks as "significant overhead if you run many timeseries of short
    duration"). The ``OutputWriter`` logs
    the grid quantities the twin records that its batch read provides (bus
    voltages, line and transformer loading, :data:`PP_LOG`) and dumps them as
    pickles (its default file type).

(c) :func:`run_lightsim2grid_timeseries`: lightsim2grid's own time-series
    solver ``TimeSeriesCPP`` [3]_ on a ``LSGrid`` converted with
    ``init_from_pandapower``: the injections are handed over as whole
    matrices, the loop runs in C++ with each step started from the previous
    step's voltages (the first from a DC power flow, as the twin's cold start)
    and single-slack Newton-Raphson with KLU, the algorithm the twin's solver
    uses. This is the floor: the power flows alone, with no per-interval
    Python.

References
----------
.. [1] pandapower documentation, "Time Series Simulation",
   https://pandapower.readthedocs.io/en/latest/timeseries.html, and
   ``pandapower/timeseries/run_time_series.py`` (pandapower 3.5).
.. [2] pandapower documentation, ``runpp`` keyword ``lightsim2grid`` ("whether to
   use the package lightsim2grid for power flow backend"),
   https://pandapower.readthedocs.io/en/latest/powerflow/ac.html
.. [3] lightsim2grid documentation, "Time Series",
   https://lightsim2grid.readthedocs.io/en/latest/time_series.html, and
   ``lightsim2grid.timeSerie.TimeSeriesCPP`` (lightsim2grid 1.2).
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from stages import Stages

__all__ = [
    "PP_LOG",
    "PP_RUN_OPTIONS",
    "PP_WARMUP_STEPS",
    "run_lightsim2grid_timeseries",
    "run_pandapower_timeseries",
]

PP_RUN_OPTIONS: dict[str, Any] = {"lightsim2grid": True, "numba": True, "init": "results"}
"""Keywords ``run_timeseries`` passes on to every ``runpp`` call (see the module docstring)."""

PP_LOG: tuple[tuple[str, str], ...] = (
    ("res_bus", "vm_pu"),
    ("res_line", "loading_percent"),
    ("res_trafo", "loading_percent"),
)
"""What the ``OutputWriter`` logs: the grid quantities the twin records by default (bus
voltages, line and transformer loading) that pandapower's batch read after a recycled time
series provides (``OutputWriter.get_batch_outputs``). Given as the writer's ``log_variables``
(pairs): anything else, or a variable added by ``log_variable``, turns the batch read off,
which cost about 20 ms more per interval on the 10,000-bus network in one measurement."""

PP_WARMUP_STEPS = 4
"""Intervals of the untimed-loop warm-up time series that compiles pandapower's numba kernels
(an assumption: enough to reach every kernel of the recycled loop and the batch read)."""

LS_MAX_ITER = 10
"""Newton-Raphson iterations per step of (c), as the twin's solver."""

LS_TOL = 1e-8
"""Mismatch tolerance of (c) [pu on ``net.sn_mva``], as the twin's solver."""


def _versions() -> dict[str, str]:
    import lightsim2grid
    import numba
    import pandapower

    return {
        "pandapower": pandapower.__version__,
        "lightsim2grid": lightsim2grid.__version__,
        "numba": numba.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def _controlled_net(
    net: Any, p: np.ndarray, q: np.ndarray, sgen: np.ndarray, folder: Path
) -> tuple[Any, Any]:
    """A private copy of ``net`` with the profiles as ``ConstControl`` and a voltage writer."""
    from pandapower.control import ConstControl
    from pandapower.timeseries import DFData, OutputWriter

    own = copy.deepcopy(net)
    loads, sgens = own.load.index, own.sgen.index
    for element, variable, index, values in (
        ("load", "p_mw", loads, p),
        ("load", "q_mvar", loads, q),
        ("sgen", "p_mw", sgens, sgen),
    ):
        if len(index):
            ConstControl(
                own,
                element,
                variable,
                index,
                profile_name=index,
                data_source=DFData(pd.DataFrame(values, columns=index, copy=False)),
            )
    writer = OutputWriter(
        own,
        range(p.shape[0]),
        output_path=str(folder),
        output_file_type=".p",
        log_variables=[tuple(pair) for pair in PP_LOG],
    )
    return own, writer


def run_pandapower_timeseries(
    net: Any, p: np.ndarray, q: np.ndarray, sgen: np.ndarray
) -> dict[str, Any]:
    """(b) pandapower ``run_timeseries`` on the profiles, timed stage by stage.

    Parameters
    ----------
    net : pandapowerNet
        The network (copied, not changed).
    p, q : numpy.ndarray
        ``net.load`` active and reactive power per interval and row [MW], [Mvar].
    sgen : numpy.ndarray
        ``net.sgen`` active power per interval and row [MW].

    Returns
    -------
    dict
        ``setup_s`` (network copy, controllers and writer, plus ``run_timeseries``'
        own initialisation), ``warmup_s`` (a :data:`PP_WARMUP_STEPS`-interval time
        series on another copy: numba compilation and first calls), ``loop_s``
        (the time-series loop without the final dump), ``flush_s`` (the
        ``OutputWriter`` dump: batch read of the voltages and pickles written),
        ``other_s``, ``total_s``; ``iterations_mean`` (Newton-Raphson
        iterations per step), ``options`` (``net._options`` after the run),
        ``versions`` and ``vm_pu`` (intervals x ``net.bus`` rows).
    """
    import pandapower.timeseries.run_time_series as rts
    from pandapower.timeseries import run_timeseries

    n = p.shape[0]
    stages = Stages()
    with tempfile.TemporaryDirectory() as folder:
        warm = min(PP_WARMUP_STEPS, n)
        with stages.time("warmup"):
            w_net, _ = _controlled_net(net, p[:warm], q[:warm], sgen[:warm], Path(folder) / "w")
            run_timeseries(
                w_net, range(warm), verbose=False, check_controllers=False, **PP_RUN_OPTIONS
            )
        del w_net
        with stages.time("prepare"):
            own, writer = _controlled_net(net, p, q, sgen, Path(folder) / "b")
        iterations: list[float] = []
        original_step = rts.run_time_step

        def step(net_: Any, *args: Any, **kwargs: Any) -> Any:
            result = original_step(net_, *args, **kwargs)
            ppc = net_["_ppc"]
            iterations.append(float(ppc["iterations"]) if ppc is not None else np.nan)
            return result

        targets: list[tuple[object, str, str]] = [
            (rts, "init_time_series", "init"),
            (rts, "run_loop", "run_loop"),
            (writer, "dump", "dump"),
        ]
        with stages.patched(targets):
            rts.run_time_step = step
            try:
                with stages.time("run_timeseries"):
                    run_timeseries(
                        own, range(n), verbose=False, check_controllers=False, **PP_RUN_OPTIONS
                    )
            finally:
                rts.run_time_step = original_step
        vm = np.asarray(writer.output["res_bus.vm_pu"], dtype=np.float64)
    options = {
        key: own._options.get(key)
        for key in (
            "algorithm",
            "lightsim2grid",
            "numba",
            "init_vm_pu",
            "init_va_degree",
            "recycle",
            "only_v_results",
            "max_iteration",
            "tolerance_mva",
            "calculate_voltage_angles",
            "voltage_depend_loads",
        )
    }
    options["sn_mva"] = float(own.sn_mva)
    setup = stages.get("prepare") + stages.get("init")
    loop = stages.get("run_loop") - stages.get("dump")
    flush = stages.get("dump")
    inside = stages.get("run_timeseries") - stages.get("init") - stages.get("run_loop")
    total = stages.get("prepare") + stages.get("warmup") + stages.get("run_timeseries")
    return {
        "method": "pandapower run_timeseries (DFData + ConstControl + OutputWriter)",
        "intervals": n,
        "setup_s": setup,
        "warmup_s": stages.get("warmup"),
        "loop_s": loop,
        "flush_s": flush,
        "other_s": inside,
        "total_s": total,
        "s_per_interval": loop / n,
        "stages_s": dict(stages.seconds),
        "unmeasured": stages.missing,
        "iterations_mean": float(np.nanmean(iterations)) if iterations else None,
        "iterations_max": float(np.nanmax(iterations)) if iterations else None,
        "run_options": dict(PP_RUN_OPTIONS, check_controllers=False, verbose=False),
        "logged": [".".join(pair) for pair in PP_LOG],
        "options": _jsonable(options),
        "versions": _versions(),
        "vm_pu": vm,
    }


def run_lightsim2grid_timeseries(
    net: Any, p: np.ndarray, q: np.ndarray, sgen: np.ndarray
) -> dict[str, Any]:
    """(c) lightsim2grid ``TimeSeriesCPP`` on the same injections: the power-flow floor.

    Parameters
    ----------
    net : pandapowerNet
        The network (read, not changed).
    p, q, sgen : numpy.ndarray
        As :func:`run_pandapower_timeseries`.

    Returns
    -------
    dict
        ``setup_s`` (conversion to a ``LSGrid``, the DC start, the batch object
        and its injections), ``warmup_s`` (a first ``compute`` over all
        intervals: the base case, the symbolic analysis of the Jacobian, and
        the steps), ``loop_s`` (a second ``compute``, the base case reused),
        ``flush_s`` (the voltages read out), ``total_s``; the algorithm,
        ``solver_time_s`` (lightsim2grid's own count of the second compute),
        iterations per step, ``versions`` and ``vm_pu``.
    """
    from lightsim2grid.algorithm import AlgorithmType
    from lightsim2grid.network import init_from_pandapower
    from lightsim2grid.timeSerie import TimeSeriesCPP

    n = p.shape[0]
    stages = Stages()
    with stages.time("setup"):
        model = init_from_pandapower(net)
        v0 = model.dc_pf(np.ones(len(net.bus), dtype=np.complex128), LS_MAX_ITER, LS_TOL)
        if len(v0) == 0:
            raise RuntimeError("lightsim2grid: the DC start diverged")
        series = TimeSeriesCPP(model)
        available = series.available_default_algorithms()
        algorithm = next(
            (a for a in (AlgorithmType.NRSing_KLU, AlgorithmType.NR_KLU) if a in available),
            AlgorithmType.NR_SparseLU,
        )
        series.change_algorithm(algorithm)
        series.modify_load_p(np.ascontiguousarray(p, dtype=np.float64))
        series.modify_load_q(np.ascontiguousarray(q, dtype=np.float64))
        if sgen.shape[1]:
            series.modify_sgen_p(np.ascontiguousarray(sgen, dtype=np.float64))
    with stages.time("warmup"):
        series.compute(v0, LS_MAX_ITER, LS_TOL)
    with stages.time("loop"):
        series.compute(v0, LS_MAX_ITER, LS_TOL)
    with stages.time("flush"):
        vm = np.abs(series.get_voltages())
    converged = int(series.nb_converged())
    iterations = np.asarray(series.get_row_nb_iter(), dtype=np.float64).ravel()
    loop = stages.get("loop")
    return {
        "method": "lightsim2grid TimeSeriesCPP (init_from_pandapower, modify_* + compute)",
        "intervals": n,
        "setup_s": stages.get("setup"),
        "warmup_s": stages.get("warmup"),
        "loop_s": loop,
        "flush_s": stages.get("flush"),
        "other_s": 0.0,
        "total_s": sum(stages.seconds.values()),
        "s_per_interval": loop / n,
        "solver_time_s": float(series.solver_time()),
        "converged": converged,
        "iterations_mean": float(iterations.mean()) if iterations.size else None,
        "iterations_max": float(iterations.max()) if iterations.size else None,
        "settings": {
            "algorithm": algorithm.name,
            "max_iter": LS_MAX_ITER,
            "tol": LS_TOL,
            "start": "DC power flow, then each step from the previous step's voltages",
        },
        "versions": _versions(),
        "vm_pu": vm,
    }


def _jsonable(value: Any) -> Any:
    """``value`` with numpy scalars and tuples turned into plain JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
