"""Regenerate the pandapower JSON models shipped in models/.

Run from the repository root::

    .venv/bin/python models/make_models.py

``cigre_lv_residential.json`` is the residential feeder of the CIGRE European
LV benchmark network (K. Strunz et al., CIGRE TB 575, 2014) as pandapower
builds it (``pandapower.networks.create_cigre_network_lv``): the 20 kV slack
bus, the closed bus-bus switch S1, bus R0, the 0.5 MVA 20/0.4 kV transformer
R0-R1, the 18 LV buses R1..R18 with their 17 cable sections, and the six
residential loads R1, R11, R15, R16, R17, R18 (0.384 MW in all). The industrial
and commercial feeders are left out. Nothing else is changed.
"""

from __future__ import annotations

import pathlib

import pandapower as pp
import pandapower.networks as pn
import pandapower.toolbox as tb

HERE = pathlib.Path(__file__).resolve().parent


def make_cigre_lv_residential() -> pp.pandapowerNet:
    """CIGRE LV residential feeder with its 20 kV supply."""
    net = pn.create_cigre_network_lv()
    keep = net.bus.index[net.bus["name"].str.fullmatch(r"Bus (0|R\d+)")]
    sub = tb.select_subnet(net, keep, include_switch_buses=False, include_results=False)
    sub.name = "CIGRE LV residential feeder"
    return sub


def main() -> None:
    """Write every model into models/."""
    path = HERE / "cigre_lv_residential.json"
    net = make_cigre_lv_residential()
    pp.runpp(net, numba=False)  # sanity: it solves
    pp.to_json(net, str(path))
    print(f"wrote {path} ({len(net.bus)} buses, {len(net.load)} loads, {len(net.line)} lines)")


if __name__ == "__main__":
    main()
