"""Parameters of a rooftop-PV fleet: every one with its default and its check.

The scenario's ``pv`` section makes a :class:`PvParams`
(:meth:`twin.scenario.models.PvSection.params`) and takes its defaults from
here; :meth:`~twin.devices.pv.PvFleet.create` takes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from twin.devices.checks import one_of, raise_problems
from twin.devices.pv.kernel import PVWATTS_LOSSES_PERCENT
from twin.devices.weather import WEATHER_SOURCES

__all__ = ["PvParams"]


@dataclass(frozen=True)
class PvParams:
    """What every system of a :class:`~twin.devices.pv.PvFleet` is drawn from and obeys.

    Attributes
    ----------
    weather : str
        Bundled typical weather year, one of
        :data:`~twin.devices.weather.WEATHER_SOURCES`; the systems sit at its
        station. Default ``dwd_try2010_04``: DWD test reference year 2010,
        region 4 (Potsdam) [1]_, which suits the German SimBench grids.
    kwp_median : float
        Median DC nameplate [kWp], > 0; lognormal, clipped to 1..30 kWp.
    kwp_sigma : float
        Log-sd of the nameplate [-], >= 0.
    tilt_mean_deg, tilt_sd_deg : float
        Normal tilt [deg], clipped to 0..60 deg: mean 0..90, sd >= 0.
    azimuth_mean_deg, azimuth_sd_deg : float
        Normal azimuth [deg], clockwise from north (180 = south), clipped to
        60..300 deg: mean 0..360, sd >= 0.
    dc_ac_ratio : float
        DC nameplate over inverter AC rating [-], > 0.
    losses_percent : float
        PVWatts system losses [%], 0..100 (pvlib's PVWatts defaults) [2]_.
    gamma_pdc_per_c : float
        Power temperature coefficient of the modules [1/degC], -0.01..0.
    albedo : float
        Ground reflectance [-], 0..1.
    tilt_bin_deg, azimuth_bin_deg : float
        Orientation class width [deg], > 0: systems are computed at the
        centre of their class.
    volt_watt_pu : tuple of float
        ``(V1, V2)`` of the volt-watt curve [pu], ``V1 < V2``: full power up
        to V1, none at V2 (IEEE 1547-2018 Category B) [3]_.
    trip_pu : float
        Over-voltage trip on the ``trip_window_s`` mean voltage [pu], > 1
        (OV1 of IEEE 1547-2018; the 10-min mean of EN 50549-1) [3]_ [4]_.
    trip_window_s : int
        Averaging window of the over-voltage trip [s], >= 1.
    reconnect_pu : float
        Reconnect once the voltage is at or below this [pu], 1 .. ``trip_pu`` ...
    reconnect_delay_s : int
        ... for this long [s], >= 0 (enter service after 300 s) [3]_.

    Raises
    ------
    ValueError
        At construction, naming every field out of range, its value and what
        is allowed.

    References
    ----------
    .. [1] Deutscher Wetterdienst / BBSR (2011), "Aktualisierte und erweiterte
       Testreferenzjahre (TRY) von Deutschland", via demandlib 0.2.
    .. [2] Dobos, A. P. (2014), "PVWatts Version 5 Manual", NREL/TP-6A20-62641.
    .. [3] IEEE Std 1547-2018, 5.4.2 and Table 10 (volt-watt), 6.4 (OV1 trip
       1.10 pu), 4.10 (enter service at or below 1.05 pu after 300 s).
    .. [4] EN 50549-1:2019, 4.7.4 and 4.9; VDE-AR-N 4105:2018 (10-min mean
       over-voltage 1.10 Un).
    """

    weather: str = "dwd_try2010_04"
    kwp_median: float = 5.0
    kwp_sigma: float = 0.35
    tilt_mean_deg: float = 30.0
    tilt_sd_deg: float = 10.0
    azimuth_mean_deg: float = 180.0
    azimuth_sd_deg: float = 45.0
    dc_ac_ratio: float = 1.2
    losses_percent: float = PVWATTS_LOSSES_PERCENT
    gamma_pdc_per_c: float = -0.0037
    albedo: float = 0.2
    tilt_bin_deg: float = 5.0
    azimuth_bin_deg: float = 15.0
    volt_watt_pu: tuple[float, float] = (1.06, 1.10)
    trip_pu: float = 1.10
    trip_window_s: int = 600
    reconnect_pu: float = 1.05
    reconnect_delay_s: int = 300

    def __post_init__(self) -> None:
        object.__setattr__(self, "volt_watt_pu", tuple(self.volt_watt_pu))
        curve = self.volt_watt_pu
        raise_problems(
            "PvParams",
            [
                (
                    self.weather in WEATHER_SOURCES,
                    f"weather given an invalid value {self.weather!r}; "
                    f"expected one of {one_of(WEATHER_SOURCES)}",
                ),
                (self.kwp_median > 0, f"kwp_median given {self.kwp_median!r}; expected > 0"),
                (self.kwp_sigma >= 0, f"kwp_sigma given {self.kwp_sigma!r}; expected >= 0"),
                (
                    0 <= self.tilt_mean_deg <= 90,
                    f"tilt_mean_deg given {self.tilt_mean_deg!r}; expected 0..90",
                ),
                (self.tilt_sd_deg >= 0, f"tilt_sd_deg given {self.tilt_sd_deg!r}; expected >= 0"),
                (
                    0 <= self.azimuth_mean_deg <= 360,
                    f"azimuth_mean_deg given {self.azimuth_mean_deg!r}; expected 0..360",
                ),
                (
                    self.azimuth_sd_deg >= 0,
                    f"azimuth_sd_deg given {self.azimuth_sd_deg!r}; expected >= 0",
                ),
                (self.dc_ac_ratio > 0, f"dc_ac_ratio given {self.dc_ac_ratio!r}; expected > 0"),
                (
                    0 <= self.losses_percent <= 100,
                    f"losses_percent given {self.losses_percent!r}; expected 0..100",
                ),
                (
                    -0.01 <= self.gamma_pdc_per_c <= 0,
                    f"gamma_pdc_per_c given {self.gamma_pdc_per_c!r}; expected -0.01..0",
                ),
                (0 <= self.albedo <= 1, f"albedo given {self.albedo!r}; expected 0..1"),
                (
                    self.tilt_bin_deg > 0 and self.azimuth_bin_deg > 0,
                    f"tilt_bin_deg/azimuth_bin_deg given {self.tilt_bin_deg!r}/"
                    f"{self.azimuth_bin_deg!r}; expected > 0",
                ),
                (
                    len(curve) == 2 and curve[0] < curve[1],
                    f"volt_watt_pu given {curve!r}; expected (V1, V2) with V1 < V2",
                ),
                (self.trip_pu > 1, f"trip_pu given {self.trip_pu!r}; expected > 1"),
                (
                    self.trip_window_s >= 1,
                    f"trip_window_s given {self.trip_window_s!r}; expected >= 1",
                ),
                (
                    1 <= self.reconnect_pu <= self.trip_pu,
                    f"reconnect_pu given {self.reconnect_pu!r}; expected 1 .. trip_pu "
                    f"({self.trip_pu!r})",
                ),
                (
                    self.reconnect_delay_s >= 0,
                    f"reconnect_delay_s given {self.reconnect_delay_s!r}; expected >= 0",
                ),
            ],
        )
