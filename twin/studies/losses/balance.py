"""The energy balance of every LV area over a window of intervals.

Per area and interval [1]_:

- supply = the area check meter's import + the export of the area's meters
  (generation meters, customers with PV);
- sales = the import of the area's meters + the area check meter's export;
- measured loss = supply - sales;
- technical line loss from the backward sweep of the metered net powers on
  the feeder tree (:mod:`twin.studies.losses.technical`);
- the transformer's copper loss (``I² R`` of the power the area meter
  measures) and iron loss, reported apart: the check meter is on the LV side.

References
----------
.. [1] State Grid transformer-area line-loss management (per area and day:
   loss = check-meter energy - billed customer energy; rate = loss / check-
   meter energy), as gathered in DOMAIN.md, "Losses and theft".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from twin.studies.losses.feeders import FeederModel
from twin.studies.losses.readings import ABSENT, ESTIMATED, MISSING, VALID, MeterRegister, Readings
from twin.studies.losses.technical import branch_flows_w

__all__ = ["AreaBalance", "WindowBalance"]


@dataclass(frozen=True)
class WindowBalance:
    """Area x interval results of one window (energies [Wh]).

    Attributes
    ----------
    supply_wh, sales_wh : numpy.ndarray
        Supply and sales as the module docstring defines them.
    line_loss_wh : numpy.ndarray
        Technical loss of the LV lines (NaN for an area without a tree).
    trafo_copper_wh, trafo_iron_wh : numpy.ndarray
        The transformer's load and no-load losses (NaN unknown).
    area_valid : numpy.ndarray
        bool: the area meter's reading is ``ok`` or ``backfilled``.
    customers_missing : numpy.ndarray
        Meters of the area without a reading (``missing`` or absent).
    customers_estimated : numpy.ndarray
        Meters of the area with an ``estimated`` reading.
    """

    supply_wh: NDArray[np.float64]
    sales_wh: NDArray[np.float64]
    line_loss_wh: NDArray[np.float64]
    trafo_copper_wh: NDArray[np.float64]
    trafo_iron_wh: NDArray[np.float64]
    area_valid: NDArray[np.bool_]
    customers_missing: NDArray[np.int64]
    customers_estimated: NDArray[np.int64]


class AreaBalance:
    """Sums the readings of a window into area balances and technical losses.

    Parameters
    ----------
    register : MeterRegister
        The meters and their areas.
    feeders : FeederModel
        The areas' feeder trees and loss coefficients.
    interval_s : int
        Interval length [s].
    """

    def __init__(self, register: MeterRegister, feeders: FeederModel, interval_s: int):
        n_areas = len(feeders.area_ids)
        inside = np.flatnonzero(register.area_index >= 0)
        ones = np.ones(len(inside))
        self.by_area = sp.csr_array(
            (ones, (register.area_index[inside], inside)), shape=(n_areas, len(register))
        )
        node = feeders.locate(register.area_index, register.bus_id)
        placed = np.flatnonzero(node >= 0)
        n_nodes = len(feeders.node_bus_id)
        self.by_node = sp.csr_array(
            (np.ones(len(placed)), (node[placed], placed)), shape=(n_nodes, len(register))
        )
        branches = len(feeders.branch_area)
        self.branch_to_area = sp.csr_array(
            (np.ones(branches), (feeders.branch_area, np.arange(branches))),
            shape=(n_areas, branches),
        )
        self.feeders = feeders
        self.hours = interval_s / 3600.0
        self.meters_per_area = np.asarray(self.by_area.sum(axis=1)).astype(np.int64)

    def window(self, meters: Readings, areas: Readings) -> WindowBalance:
        """Balance of every area in every interval of a window.

        Parameters
        ----------
        meters : Readings
            The register's meters (rows in register order).
        areas : Readings
            The area check meters (rows in area order).
        """
        cust_import = self.by_area @ meters.import_wh
        cust_export = self.by_area @ meters.export_wh
        missing = (meters.state == MISSING) | (meters.state == ABSENT)
        net_w = (meters.import_wh - meters.export_wh) / self.hours
        line_w = self._line_loss_w(net_w)
        area_valid = areas.state == VALID
        area_net_w = (areas.import_wh - areas.export_wh) / self.hours
        metered_net_w = (cust_import - cust_export) / self.hours
        trafo_p_w = np.where(area_valid, area_net_w, metered_net_w)
        copper_w = self.feeders.trafo_coef_per_w[:, None] * trafo_p_w**2
        iron_w = np.broadcast_to(self.feeders.trafo_iron_w[:, None], copper_w.shape)
        return WindowBalance(
            supply_wh=areas.import_wh + cust_export,
            sales_wh=cust_import + areas.export_wh,
            line_loss_wh=line_w * self.hours,
            trafo_copper_wh=copper_w * self.hours,
            trafo_iron_wh=iron_w * self.hours,
            area_valid=area_valid,
            customers_missing=self._count(missing),
            customers_estimated=self._count(meters.state == ESTIMATED),
        )

    def _count(self, mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        return np.rint(self.by_area @ mask.astype(np.float64)).astype(np.int64)

    def _line_loss_w(self, net_w: NDArray[np.float64]) -> NDArray[np.float64]:
        """LV line loss of every area [W]: backward sweep, then ``P² R / (V² pf²)``."""
        n_areas = len(self.feeders.area_ids)
        result = np.zeros((n_areas, net_w.shape[1]))
        if len(self.feeders.branch_area):
            node_p_w = self.by_node @ net_w
            flows = branch_flows_w(self.feeders.downstream, node_p_w)
            branch_w = self.feeders.branch_coef_per_w[:, None] * flows**2
            result = np.asarray(self.branch_to_area @ branch_w)
        result[~self.feeders.has_lines] = np.nan
        return result
