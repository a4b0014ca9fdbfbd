"""AC power flow each interval: lightsim2grid where it can, pandapower otherwise.

Both solvers take the prepared network of a :class:`~twin.grid.network.GridModel`
and per-interval injections (loads positive, generation positive) and return a
:class:`PowerFlowResult` with pandapower's quantities and conventions:
``vm_pu`` per bus, transformer HV-side ``p_mw``/``q_mvar``, current-based
``loading_percent`` for transformers (max of both sides, rated at ``sn_mva``)
and lines (``max_i_ka``), both divided by ``df * parallel`` [1]_, the active
losses ``pl_mw`` of lines and transformers (the sum of the power into both
ends), and the active power each transformer delivers out of its LV side.

lightsim2grid [2]_ keeps one C++ model and warm-starts Newton-Raphson (KLU)
from the previous voltages: 0.015 ms a step on a 44-bus LV grid, ~4 ms on
1-MVLV-urban-all (10k buses), against 26-64 ms for a ``pandapower.runpp`` call.
A flat start fails on SimBench MV/LV grids (150 deg transformer shifts), so a
cold start begins from a DC power flow; a step that diverges is retried once
from DC before it is reported as not converged, and the next step starts cold.

References
----------
.. [1] pandapower documentation, "Transformer" and "Line" result tables,
   https://pandapower.readthedocs.io/en/latest/elements.html
.. [2] B. Donnot, "LightSim2grid: a c++ backend targeting the Grid2Op
   platform", https://github.com/Grid2op/lightsim2grid, 2020.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Literal, Protocol, get_args, runtime_checkable

import numpy as np
import pandapower as pp
from pandapower.auxiliary import pandapowerNet
from pandapower.powerflow import LoadflowNotConverged

from twin.errors import TwinError
from twin.grid.network import GridModel

__all__ = [
    "LightSim2gridSolver",
    "PandapowerSolver",
    "PowerFlowResult",
    "PowerFlowSolver",
    "SolverError",
    "SolverKind",
    "create_solver",
    "solver_for_net",
]

SolverKind = Literal["auto", "lightsim2grid", "pandapower"]

VERIFY_TOLERANCE_PU = 1e-5
"""Largest base-case voltage difference [pu] accepted between lightsim2grid and
pandapower when :func:`create_solver` verifies the conversion."""


class SolverError(TwinError, ValueError):
    """The requested solver cannot solve this network."""


@dataclass(frozen=True, eq=False)
class PowerFlowResult:
    """Result of one power flow.

    Attributes
    ----------
    converged : bool
        Whether Newton-Raphson converged. If not, every array is NaN.
    vm_pu : numpy.ndarray
        Voltage magnitude per ``net.bus`` row [pu]; NaN at out-of-service buses.
    trafo_p_mw, trafo_q_mvar : numpy.ndarray
        Power into each ``net.trafo`` row at its HV side [MW], [Mvar].
    trafo_loading_percent : numpy.ndarray
        Current-based loading per ``net.trafo`` row [%].
    line_loading_percent : numpy.ndarray
        Current-based loading per ``net.line`` row [%].
    line_pl_mw : numpy.ndarray
        Active losses per ``net.line`` row [MW]: the power into the line at
        its from end plus that at its to end (pandapower's ``res_line.pl_mw``).
    trafo_pl_mw : numpy.ndarray
        Active losses per ``net.trafo`` row [MW]: the power into the HV side
        plus that into the LV side (pandapower's ``res_trafo.pl_mw``), copper
        and iron losses together.
    trafo_p_lv_mw : numpy.ndarray
        Active power per ``net.trafo`` row delivered out of its LV side into
        the LV network [MW], positive when the transformer supplies the LV
        side: minus pandapower's ``res_trafo.p_lv_mw``, and
        ``trafo_p_mw - trafo_pl_mw``.
    message : str
        Why the power flow did not converge; empty when it did.

    Out-of-service transformers and lines report 0.
    """

    converged: bool
    vm_pu: np.ndarray
    trafo_p_mw: np.ndarray
    trafo_q_mvar: np.ndarray
    trafo_loading_percent: np.ndarray
    line_loading_percent: np.ndarray
    line_pl_mw: np.ndarray
    trafo_pl_mw: np.ndarray
    trafo_p_lv_mw: np.ndarray
    message: str = ""


@runtime_checkable
class PowerFlowSolver(Protocol):
    """What the engine calls each interval."""

    name: str

    def solve(
        self, load_p_mw: np.ndarray, load_q_mvar: np.ndarray, sgen_p_mw: np.ndarray
    ) -> PowerFlowResult:
        """Solve with these injections (loads [MW]/[Mvar] positive, sgen [MW] positive)."""
        ...


class _Layout:
    """Sizes, in-service masks and ratings shared by both solvers."""

    def __init__(self, net: pandapowerNet) -> None:
        self.n_bus = len(net.bus)
        self.n_load = len(net.load)
        self.n_sgen = len(net.sgen)
        self.n_trafo = len(net.trafo)
        self.n_line = len(net.line)
        self.bus_on = net.bus["in_service"].to_numpy(dtype=bool)
        trafo, line = net.trafo, net.line
        self.trafo_on = trafo["in_service"].to_numpy(dtype=bool)
        self.line_on = line["in_service"].to_numpy(dtype=bool)
        self.vn_hv_kv = trafo["vn_hv_kv"].to_numpy(dtype=np.float64)
        self.vn_lv_kv = trafo["vn_lv_kv"].to_numpy(dtype=np.float64)
        self.trafo_rating_mva = (
            trafo["sn_mva"].to_numpy(dtype=np.float64)
            * trafo["df"].to_numpy(dtype=np.float64)
            * trafo["parallel"].to_numpy(dtype=np.float64)
        )
        self.line_rating_ka = (
            line["max_i_ka"].to_numpy(dtype=np.float64)
            * line["df"].to_numpy(dtype=np.float64)
            * line["parallel"].to_numpy(dtype=np.float64)
        )

    def check(self, load_p_mw: np.ndarray, load_q_mvar: np.ndarray, sgen_p_mw: np.ndarray) -> None:
        for label, values, n in (
            ("load_p_mw", load_p_mw, self.n_load),
            ("load_q_mvar", load_q_mvar, self.n_load),
            ("sgen_p_mw", sgen_p_mw, self.n_sgen),
        ):
            if np.shape(values) != (n,):
                raise ValueError(
                    f"{label} given shape {np.shape(values)}; expected ({n},), one value per row"
                )
            if not np.isfinite(values).all():
                raise ValueError(f"{label} holds NaN or infinite values; expected finite powers")

    def failed(self, message: str) -> PowerFlowResult:
        return PowerFlowResult(
            converged=False,
            vm_pu=np.full(self.n_bus, np.nan),
            trafo_p_mw=np.full(self.n_trafo, np.nan),
            trafo_q_mvar=np.full(self.n_trafo, np.nan),
            trafo_loading_percent=np.full(self.n_trafo, np.nan),
            line_loading_percent=np.full(self.n_line, np.nan),
            line_pl_mw=np.full(self.n_line, np.nan),
            trafo_pl_mw=np.full(self.n_trafo, np.nan),
            trafo_p_lv_mw=np.full(self.n_trafo, np.nan),
            message=message,
        )

    def result(
        self,
        vm_pu: np.ndarray,
        trafo_p_mw: np.ndarray,
        trafo_q_mvar: np.ndarray,
        trafo_loading_percent: np.ndarray,
        line_loading_percent: np.ndarray,
        *,
        line_pl_mw: np.ndarray,
        trafo_pl_mw: np.ndarray,
        trafo_p_lv_mw: np.ndarray,
    ) -> PowerFlowResult:
        vm = np.where(self.bus_on, vm_pu, np.nan)
        trafo_on, line_on = self.trafo_on, self.line_on
        return PowerFlowResult(
            converged=True,
            vm_pu=vm,
            trafo_p_mw=np.where(trafo_on, trafo_p_mw, 0.0),
            trafo_q_mvar=np.where(trafo_on, trafo_q_mvar, 0.0),
            trafo_loading_percent=np.where(trafo_on, trafo_loading_percent, 0.0),
            line_loading_percent=np.where(line_on, line_loading_percent, 0.0),
            line_pl_mw=np.where(line_on, line_pl_mw, 0.0),
            trafo_pl_mw=np.where(trafo_on, trafo_pl_mw, 0.0),
            trafo_p_lv_mw=np.where(trafo_on, trafo_p_lv_mw, 0.0),
        )


class LightSim2gridSolver:
    """Warm-started lightsim2grid Newton-Raphson on a fixed network.

    Parameters
    ----------
    grid : GridModel
        The prepared network (not changed).
    max_iter : int, optional
        Newton-Raphson iterations per attempt.
    tol : float, optional
        Mismatch tolerance [pu on ``net.sn_mva``].

    Raises
    ------
    SolverError
        lightsim2grid is not installed or cannot convert the network.

    Notes
    -----
    lightsim2grid (1.2) ignores a change of a load's or sgen's power of at
    most 1e-7 MW (0.1 W) and keeps the previous value, so a step may solve
    injections that far from those given, per element.
    """

    name = "lightsim2grid"

    def __init__(self, grid: GridModel, *, max_iter: int = 10, tol: float = 1e-8) -> None:
        try:
            from lightsim2grid.network import init_from_pandapower
        except ImportError as exc:
            raise SolverError(
                f"solver 'lightsim2grid' is not available ({exc}); expected 'pandapower' or 'auto'"
            ) from None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # NaN limits, "no slack gen": noise
                self._model = init_from_pandapower(grid.net)
        except Exception as exc:  # the converter raises RuntimeError, KeyError, ...
            raise SolverError(
                f"solver 'lightsim2grid' cannot convert network {grid.name!r}: "
                f"{type(exc).__name__}: {exc}; expected solver 'pandapower' or 'auto'"
            ) from None
        self._layout = _Layout(grid.net)
        self._max_iter = int(max_iter)
        self._tol = float(tol)
        self._all_loads = np.ones(self._layout.n_load, dtype=bool)
        self._all_sgens = np.ones(self._layout.n_sgen, dtype=bool)
        self._v: np.ndarray | None = None
        if len(grid.net.ext_grid) == 1 and len(grid.net.gen) == 0:
            self._single_slack()

    def reset(self) -> None:
        """Forget the warm start: the next solve starts cold, as on a fresh solver."""
        self._v = None

    def _single_slack(self) -> None:
        """Use the single-slack Newton-Raphson: a third less time per call on small grids."""
        try:
            from lightsim2grid.solver import AlgorithmType

            self._model.change_solver(AlgorithmType.NRSing_KLU)
        except (ImportError, AttributeError, RuntimeError):  # older lightsim2grid, no KLU
            pass

    def _cold_start(self) -> np.ndarray:
        flat = np.ones(self._layout.n_bus, dtype=np.complex128)
        v0 = self._model.dc_pf(flat, self._max_iter, self._tol)
        return v0 if len(v0) else flat

    def step(
        self, load_p_mw: np.ndarray, load_q_mvar: np.ndarray, sgen_p_mw: np.ndarray
    ) -> np.ndarray | None:
        """Newton-Raphson for one set of injections, unchecked; the bus voltages or None.

        Warm-starts from the previous voltages, retries once from a DC start,
        and returns the complex voltages per bus [pu] (None when it diverged;
        the next step then starts cold). Results stay in :attr:`model`.
        """
        model = self._model
        model.update_loads_p(self._all_loads, load_p_mw)
        model.update_loads_q(self._all_loads, load_q_mvar)
        if self._layout.n_sgen:
            model.update_sgens_p(self._all_sgens, sgen_p_mw)
        v = np.empty(0, dtype=np.complex128)
        if self._v is not None:
            v = model.ac_pf(self._v, self._max_iter, self._tol)
        if len(v) == 0:
            v = model.ac_pf(self._cold_start(), 2 * self._max_iter, self._tol)
        if len(v) == 0:
            self._v = None
            return None
        self._v = v
        return v

    @property
    def model(self) -> object:
        """The lightsim2grid model (results of the last :meth:`step`)."""
        return self._model

    def solve(
        self, load_p_mw: np.ndarray, load_q_mvar: np.ndarray, sgen_p_mw: np.ndarray
    ) -> PowerFlowResult:
        """Solve one interval.

        Parameters
        ----------
        load_p_mw, load_q_mvar : numpy.ndarray
            Power of every ``net.load`` row [MW], [Mvar], consumption positive.
        sgen_p_mw : numpy.ndarray
            Active power of every ``net.sgen`` row [MW], generation positive.

        Returns
        -------
        PowerFlowResult
        """
        layout, model = self._layout, self._model
        layout.check(load_p_mw, load_q_mvar, sgen_p_mw)
        v = self.step(
            np.asarray(load_p_mw, dtype=np.float64),
            np.asarray(load_q_mvar, dtype=np.float64),
            np.asarray(sgen_p_mw, dtype=np.float64),
        )
        if v is None:
            return layout.failed(f"lightsim2grid: {model.get_solver().get_error()}")
        p_hv, q_hv, _, i_hv_ka = model.get_trafo_res1()
        p_lv, _, _, i_lv_ka = model.get_trafo_res2()  # into the LV side, as in pandapower
        p_from, _, _, i_from_ka = model.get_line_res1()
        p_to, _, _, i_to_ka = model.get_line_res2()
        with np.errstate(divide="ignore", invalid="ignore"):
            trafo_loading = (
                np.maximum(i_hv_ka * layout.vn_hv_kv, i_lv_ka * layout.vn_lv_kv)
                * np.sqrt(3.0)
                / layout.trafo_rating_mva
                * 100.0
            )
            line_loading = np.maximum(i_from_ka, i_to_ka) / layout.line_rating_ka * 100.0
        return layout.result(
            np.abs(v),
            p_hv,
            q_hv,
            trafo_loading,
            line_loading,
            line_pl_mw=p_from + p_to,
            trafo_pl_mw=p_hv + p_lv,
            trafo_p_lv_mw=-p_lv,
        )


class PandapowerSolver:
    """``pandapower.runpp`` on a private copy of the network, warm-started.

    Parameters
    ----------
    grid : GridModel
        The prepared network (copied, not changed).
    fallback_reason : str, optional
        Why lightsim2grid was not used, when chosen by ``kind="auto"``.
    """

    name = "pandapower"

    def __init__(self, grid: GridModel, *, fallback_reason: str | None = None) -> None:
        self._net = copy.deepcopy(grid.net)
        self._layout = _Layout(self._net)
        self._warm = False
        self.fallback_reason = fallback_reason

    def solve(
        self, load_p_mw: np.ndarray, load_q_mvar: np.ndarray, sgen_p_mw: np.ndarray
    ) -> PowerFlowResult:
        """Solve one interval (see :meth:`LightSim2gridSolver.solve`)."""
        layout, net = self._layout, self._net
        layout.check(load_p_mw, load_q_mvar, sgen_p_mw)
        net.load["p_mw"] = np.asarray(load_p_mw, dtype=np.float64)
        net.load["q_mvar"] = np.asarray(load_q_mvar, dtype=np.float64)
        if layout.n_sgen:
            net.sgen["p_mw"] = np.asarray(sgen_p_mw, dtype=np.float64)
        try:
            pp.runpp(
                net,
                numba=False,
                init="results" if self._warm else "auto",
                calculate_voltage_angles=True,
            )
        except LoadflowNotConverged as exc:
            self._warm = False
            return layout.failed(f"pandapower: {exc}")
        self._warm = True
        res_trafo, res_line = net.res_trafo, net.res_line
        return layout.result(
            net.res_bus["vm_pu"].to_numpy(dtype=np.float64),
            res_trafo["p_hv_mw"].to_numpy(dtype=np.float64),
            res_trafo["q_hv_mvar"].to_numpy(dtype=np.float64),
            res_trafo["loading_percent"].to_numpy(dtype=np.float64),
            res_line["loading_percent"].to_numpy(dtype=np.float64),
            line_pl_mw=res_line["pl_mw"].to_numpy(dtype=np.float64),
            trafo_pl_mw=res_trafo["pl_mw"].to_numpy(dtype=np.float64),
            trafo_p_lv_mw=-res_trafo["p_lv_mw"].to_numpy(dtype=np.float64),
        )


def _nominal(grid: GridModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    net = grid.net
    return (
        net.load["p_mw"].to_numpy(dtype=np.float64),
        net.load["q_mvar"].to_numpy(dtype=np.float64),
        net.sgen["p_mw"].to_numpy(dtype=np.float64),
    )


def _verify(solver: LightSim2gridSolver, grid: GridModel) -> str | None:
    """Compare the base case with pandapower; the reason to distrust lightsim2grid, or None."""
    injections = _nominal(grid)
    ours = solver.solve(*injections)
    reference = PandapowerSolver(grid).solve(*injections)
    if reference.converged and not ours.converged:
        return (
            f"lightsim2grid does not converge on network {grid.name!r} at the base case "
            f"({ours.message}), pandapower does"
        )
    if not (ours.converged and reference.converged):
        return None  # nothing to compare; the run will report non-convergence itself
    diff = float(np.nanmax(np.abs(ours.vm_pu - reference.vm_pu), initial=0.0))
    if diff > VERIFY_TOLERANCE_PU:
        return (
            f"lightsim2grid and pandapower disagree on network {grid.name!r} by "
            f"{diff:.2g} pu at the base case"
        )
    return None


def create_solver(
    grid: GridModel, kind: SolverKind = "auto", *, verify: bool = True
) -> PowerFlowSolver:
    """Make the power-flow solver for a network.

    Parameters
    ----------
    grid : GridModel
        The prepared network.
    kind : {"auto", "lightsim2grid", "pandapower"}
        ``"auto"``: lightsim2grid, or pandapower where lightsim2grid is missing,
        cannot convert the network, or (with ``verify``) fails to converge or
        disagrees with pandapower by more than 1e-5 pu at the base case. The
        last happens on SimBench HV/EHV networks (voltage-controlled gens,
        several slacks); the MV/LV and LV networks agree to ~1e-8 pu.
    verify : bool, optional
        Check lightsim2grid against one ``pandapower.runpp`` at the nominal
        injections (one extra runpp, 20-650 ms) before trusting it.

    Returns
    -------
    PowerFlowSolver
        ``solver.name`` says which one was chosen.

    Raises
    ------
    ValueError
        ``kind`` is not one of the allowed values.
    SolverError
        ``kind="lightsim2grid"`` but lightsim2grid cannot solve this network.
    """
    allowed = get_args(SolverKind)
    if kind not in allowed:
        raise ValueError(
            f"grid.solver given an invalid value {kind!r}; expected one of {set(allowed)}"
        )
    if kind == "pandapower":
        return PandapowerSolver(grid)
    try:
        solver = LightSim2gridSolver(grid)
        reason = _verify(solver, grid) if verify else None
        solver.reset()
    except SolverError as exc:
        if kind == "lightsim2grid":
            raise
        return PandapowerSolver(grid, fallback_reason=str(exc))
    if reason is None:
        return solver
    if kind == "lightsim2grid":
        raise SolverError(f"solver 'lightsim2grid' unusable: {reason}; expected 'pandapower'")
    return PandapowerSolver(grid, fallback_reason=reason)


def solver_for_net(
    net: pandapowerNet, name: str, kind: SolverKind = "auto", *, verify: bool = True
) -> PowerFlowSolver:
    """:func:`create_solver` for a bare network that hosts no premises (a part of a grid).

    lightsim2grid's conversion notes (NaN tap data and the like) are silenced.
    """
    n = len(net.load)
    grid = GridModel(
        name=name,
        net=net,
        residential=np.zeros(n, dtype=bool),
        dwellings=np.zeros(n, dtype=np.int64),
        load_bus=net.load["bus"].to_numpy(dtype=np.int64),
        load_transformer=np.full(n, -1, dtype=np.int64),
        load_feeder=np.full(n, -1, dtype=np.int64),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return create_solver(grid, kind, verify=verify)
