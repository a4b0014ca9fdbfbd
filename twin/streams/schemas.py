"""Declared schemas of every table a run writes (see CONTRACT.md, "Run directory").

Timestamps are UTC, microseconds; interval data are stamped at the interval
end; energies are int64 Wh; column names carry their units.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = ["SCHEMAS", "TIMESTAMP", "bill_schema", "schema_for"]

TIMESTAMP = pa.timestamp("us", tz="UTC")
_ID = pa.dictionary(pa.int32(), pa.string())


def _obis(name: str, kind: pa.DataType, obis: str) -> pa.Field:
    return pa.field(name, kind, metadata={"obis": obis})


_REGISTERS = [
    _obis(name, pa.int64(), code)
    for name, code in (
        ("import_total_wh", "1-0:1.8.0"),
        *((f"import_t{i}_wh", f"1-0:1.8.{i}") for i in range(1, 5)),
        ("export_total_wh", "1-0:2.8.0"),
        *((f"export_t{i}_wh", f"1-0:2.8.{i}") for i in range(1, 5)),
    )
]
"""Register columns of the billing freezes, OBIS code in the field metadata."""

_CHARGES = ("energy_charge", "demand_charge", "standing_charge", "export_credit", "total")
"""Charges of a bill [currency units], each rounded to the currency's minor unit."""


def bill_schema(tariffs: int = 4) -> pa.Schema:
    """external/bill of a run whose meters have ``tariffs`` tariff registers (1 .. 4):
    one ``import_wh_tN`` column per register."""
    if not 1 <= tariffs <= 4:
        raise ValueError(f"tariffs given {tariffs}; expected 1 .. 4")
    return pa.schema(
        [
            ("account_id", pa.string()),
            ("meter_id", pa.string()),
            ("tariff", pa.string()),
            ("currency", pa.string()),
            ("period_start", TIMESTAMP),
            ("period_end", TIMESTAMP),
            _obis("import_wh", pa.int64(), "1-0:1.8.0"),
            *(_obis(f"import_wh_t{i}", pa.int64(), f"1-0:1.8.{i}") for i in range(1, tariffs + 1)),
            _obis("export_wh", pa.int64(), "1-0:2.8.0"),
            _obis("max_demand_w", pa.int64(), "1-0:1.6.0"),
            *((c, pa.float64()) for c in _CHARGES),
            ("computed_from", pa.string()),
            ("estimated", pa.bool_()),
        ]
    )


_PQ_V = ((0, 32), (1, 52), (2, 72))
"""OBIS value group C of the voltage of phases L1, L2, L3 (IEC 62056-6-1)."""
_PQ_I = ((0, 31), (1, 51), (2, 71))
"""OBIS value group C of the current of phases L1, L2, L3; value group D 24 of all
power-quality columns is "current average 3", the interval average (IEC 62056-6-1:2017,
value group D for electricity; 7 would be the instantaneous value)."""


SCHEMAS: dict[str, pa.Schema] = {
    "external/account": pa.schema(
        [
            ("account_id", pa.string()),
            ("premise_id", pa.string()),
            ("meter_id", pa.string()),
            ("customer_kind", pa.string()),
            ("tariff", pa.string()),
            ("payment", pa.string()),
            ("currency", pa.string()),
            ("opened_at", TIMESTAMP),
            ("closed_at", TIMESTAMP),
            ("opened_by", pa.string()),
            ("closed_by", pa.string()),
            ("utility", pa.string()),
        ]
    ),
    "external/bill": bill_schema(4),
    "external/prepaid_transaction": pa.schema(
        [
            ("transaction_id", pa.string()),
            ("account_id", pa.string()),
            ("meter_id", pa.string()),
            ("time", TIMESTAMP),
            ("kind", pa.string()),
            ("amount", pa.float64()),
            ("currency", pa.string()),
            ("utility", pa.string()),
        ]
    ),
    "external/credit_balance_daily": pa.schema(
        [
            ("account_id", pa.string()),
            ("meter_id", pa.string()),
            ("date", pa.date32()),
            ("balance", pa.float64()),
            ("consumed", pa.float64()),
            ("topped_up", pa.float64()),
            ("warnings", pa.int64()),
            ("currency", pa.string()),
            ("utility", pa.string()),
        ]
    ),
    "external/relay_command": pa.schema(
        [
            ("command_id", pa.string()),
            ("meter_id", pa.string()),
            ("account_id", pa.string()),
            ("reason", pa.string()),
            ("sent_at", TIMESTAMP),
            ("delivered_at", TIMESTAMP),
            ("executed_at", TIMESTAMP),
            ("attempts", pa.int64()),
            ("state", pa.string()),
            ("utility", pa.string()),
        ]
    ),
    "truth/supply_interruption": pa.schema(
        [
            ("premise_id", pa.string()),
            ("meter_id", pa.string()),
            ("start", TIMESTAMP),
            ("end", TIMESTAMP),
            ("cause", pa.string()),
            ("utility", pa.string()),
        ]
    ),
    "internal/meter_interval": pa.schema(
        [
            ("meter_id", _ID),
            ("interval_end", TIMESTAMP),
            ("import_wh", pa.int64()),
            ("export_wh", pa.int64()),
            ("quality", pa.dictionary(pa.int8(), pa.string())),
            ("received_at", TIMESTAMP),
            ("seq_no", pa.int64()),
            ("meter_time", TIMESTAMP),
        ]
    ),
    "internal/meter_phase_interval": pa.schema(
        [
            ("meter_id", _ID),
            ("interval_end", TIMESTAMP),
            _obis("import_l1_wh", pa.int64(), "1-0:21.8.0"),
            _obis("import_l2_wh", pa.int64(), "1-0:41.8.0"),
            _obis("import_l3_wh", pa.int64(), "1-0:61.8.0"),
            _obis("current_l1_a", pa.float32(), "1-0:31.7.0"),
            _obis("current_l2_a", pa.float32(), "1-0:51.7.0"),
            _obis("current_l3_a", pa.float32(), "1-0:71.7.0"),
            _obis("current_n_a", pa.float32(), "1-0:91.7.0"),
        ]
    ),
    "internal/meter_power_quality": pa.schema(
        [
            ("meter_id", _ID),
            ("interval_end", TIMESTAMP),
            *(_obis(f"voltage_l{j + 1}_v", pa.float32(), f"1-0:{c}.24.0") for j, c in _PQ_V),
            *(_obis(f"current_l{j + 1}_a", pa.float32(), f"1-0:{c}.24.0") for j, c in _PQ_I),
            _obis("power_factor", pa.float32(), "1-0:13.24.0"),
        ]
    ),
    "internal/area_meter_interval": pa.schema(
        [
            ("transformer_id", pa.int64()),
            ("meter_id", _ID),
            ("interval_end", TIMESTAMP),
            ("import_wh", pa.int64()),
            ("export_wh", pa.int64()),
            ("quality", pa.dictionary(pa.int8(), pa.string())),
            ("received_at", TIMESTAMP),
        ]
    ),
    "internal/area_meter_register_daily": pa.schema(
        [
            ("transformer_id", pa.int64()),
            ("meter_id", _ID),
            ("freeze_time", TIMESTAMP),
            *_REGISTERS,
            ("received_at", TIMESTAMP),
        ]
    ),
    "internal/meter_register_daily": pa.schema(
        [("meter_id", _ID), ("freeze_time", TIMESTAMP), *_REGISTERS, ("received_at", TIMESTAMP)]
    ),
    "internal/meter_register_monthly": pa.schema(
        [
            ("meter_id", _ID),
            ("freeze_time", TIMESTAMP),
            *_REGISTERS,
            _obis("max_demand_w", pa.float64(), "1-0:1.6.0"),
            _obis("max_demand_time", TIMESTAMP, "1-0:1.6.0"),
            ("received_at", TIMESTAMP),
        ]
    ),
    "internal/meter_event": pa.schema(
        [
            ("meter_id", _ID),
            ("seq_no", pa.int64()),
            ("event_time", TIMESTAMP),
            ("core", pa.string()),
            ("event_code", pa.int32()),
            ("event", pa.string()),
            ("obis", pa.string()),
            ("detail", pa.string()),
            ("received_at", TIMESTAMP),
        ]
    ),
    "internal/firmware_update": pa.schema(
        [
            ("meter_id", _ID),
            ("attempt_id", pa.int64()),
            ("core", pa.string()),
            ("from_version", pa.string()),
            ("to_version", pa.string()),
            ("result", pa.string()),
            ("started_at", TIMESTAMP),
            ("finished_at", TIMESTAMP),
        ]
    ),
    "internal/comm_stats": pa.schema(
        [
            ("concentrator_id", pa.int64()),
            ("day", pa.date32()),
            ("attempts", pa.int64()),
            ("successes", pa.int64()),
            ("success_rate", pa.float64()),
            ("latency_p50_s", pa.float64()),
            ("latency_p95_s", pa.float64()),
            ("latency_p99_s", pa.float64()),
            ("backlog", pa.int64()),
        ]
    ),
    "external/app_power": pa.schema(
        [("meter_id", _ID), ("time", TIMESTAMP), ("p_kw", pa.float32())]
    ),
    "external/app_daily": pa.schema(
        [
            ("meter_id", _ID),
            ("day", pa.date32()),
            ("energy_wh", pa.int64()),
            ("idle_hours", pa.float32()),
            ("peak_w", pa.float32()),
        ]
    ),
    "truth/meter": pa.schema(
        [
            ("meter_id", pa.string()),
            ("accuracy_class", pa.string()),
            ("error_percent", pa.float64()),
            ("clock_drift_ppm", pa.float64()),
            ("legal_firmware_id", pa.string()),
            ("final_import_wh", pa.int64()),
            ("final_export_wh", pa.int64()),
        ]
    ),
    "truth/meter_energy_daily": pa.schema(
        [
            ("meter_id", _ID),
            ("day", pa.date32()),
            ("true_import_wh", pa.float64()),
            ("true_export_wh", pa.float64()),
        ]
    ),
    "internal/transformer_interval": pa.schema(
        [
            ("transformer_id", pa.int64()),
            ("interval_end", TIMESTAMP),
            ("p_kw", pa.float64()),
            ("q_kvar", pa.float64()),
            ("loading_percent", pa.float64()),
        ]
    ),
    "internal/bus_voltage": pa.schema(
        [
            ("bus_id", pa.int64()),
            ("interval_end", TIMESTAMP),
            ("vm_pu", pa.float32()),
        ]
    ),
    "internal/line_interval": pa.schema(
        [
            ("line_id", pa.int64()),
            ("interval_end", TIMESTAMP),
            ("loading_percent", pa.float32()),
        ]
    ),
    "internal/bus_voltage_daily": pa.schema(
        [
            ("bus_id", pa.int64()),
            ("day", pa.date32()),
            ("vm_min_pu", pa.float32()),
            ("vm_min_time", TIMESTAMP),
            ("vm_max_pu", pa.float32()),
            ("vm_max_time", TIMESTAMP),
            ("vm_mean_pu", pa.float32()),
            ("intervals", pa.int32()),
        ]
    ),
    "internal/line_daily": pa.schema(
        [
            ("line_id", pa.int64()),
            ("day", pa.date32()),
            ("loading_max_percent", pa.float32()),
            ("loading_max_time", TIMESTAMP),
            ("loading_mean_percent", pa.float32()),
            ("intervals", pa.int32()),
        ]
    ),
    "internal/meter_point": pa.schema(
        [
            ("meter_id", pa.string()),
            ("bus_id", pa.int64()),
            ("transformer_id", pa.int64()),
            ("feeder_id", pa.int64()),
            ("premise_id", pa.string()),
            ("customer_kind", pa.string()),
            ("customer_class", pa.string()),
            ("phases", pa.int8()),
            ("ct_ratio", pa.int32()),
        ]
    ),
    "internal/network_bus": pa.schema(
        [
            ("bus_id", pa.int64()),
            ("name", pa.string()),
            ("vn_kv", pa.float64()),
            ("x", pa.float64()),
            ("y", pa.float64()),
            ("transformer_id", pa.int64()),
            ("feeder_id", pa.int64()),
            ("in_service", pa.bool_()),
        ]
    ),
    "internal/network_branch": pa.schema(
        [
            ("branch_id", pa.int64()),
            ("kind", pa.string()),
            ("from_bus_id", pa.int64()),
            ("to_bus_id", pa.int64()),
            ("max_i_ka", pa.float64()),
            ("sn_kva", pa.float64()),
            ("length_km", pa.float64()),
            ("in_service", pa.bool_()),
            ("r_ohm", pa.float64()),
            ("vn_kv", pa.float64()),
        ]
    ),
    "truth/occupancy": pa.schema(
        [
            ("premise_id", _ID),
            ("start", TIMESTAMP),
            ("end", TIMESTAMP),
            ("present", pa.bool_()),
        ]
    ),
    "truth/premise": pa.schema(
        [
            ("premise_id", pa.string()),
            ("meter_id", pa.string()),
            ("bus_id", pa.int64()),
            ("transformer_id", pa.int64()),
            ("feeder_id", pa.int64()),
            ("load_index", pa.int64()),
            ("customer_kind", pa.string()),
            ("customer_class", pa.string()),
            ("occupancy_kind", pa.string()),
            ("look_empty", pa.string()),
            ("vacant_behaviour", pa.string()),
            ("annual_kwh", pa.float64()),
            ("has_pv", pa.bool_()),
            ("has_storage", pa.bool_()),
            ("has_ev", pa.bool_()),
            ("pv_kwp", pa.float64()),
            ("storage_kwh", pa.float64()),
            ("ev_charger_kw", pa.float64()),
            ("heating_kind", pa.string()),
            ("has_frost_heater", pa.bool_()),
            ("has_ac", pa.bool_()),
            ("has_water_heater", pa.bool_()),
            ("heat_loss_w_per_k", pa.float64()),
            ("persons", pa.int64()),
        ]
    ),
    "external/ev_charger": pa.schema(
        [
            ("charger_id", pa.string()),
            ("is_public", pa.bool_()),
            ("meter_id", pa.string()),
            ("premise_id", pa.string()),
            ("bus_id", pa.int64()),
            ("power_kw", pa.float64()),
        ]
    ),
    "external/ev_session": pa.schema(
        [
            ("transaction_id", pa.int64()),
            ("charger_id", pa.string()),
            ("connector", pa.int64()),
            ("meter_id", pa.string()),
            ("premise_id", pa.string()),
            ("start_time", TIMESTAMP),
            ("stop_time", TIMESTAMP),
            ("meter_start_wh", pa.int64()),
            ("meter_stop_wh", pa.int64()),
            ("soc_start", pa.float64()),
            ("soc_end", pa.float64()),
            ("stop_reason", pa.string()),
            ("energy_requested_wh", pa.int64()),
            ("energy_not_delivered_wh", pa.int64()),
        ]
    ),
    "external/charger_status": pa.schema(
        [
            ("charger_id", pa.string()),
            ("time", TIMESTAMP),
            ("status", pa.string()),
            ("error_code", pa.string()),
        ]
    ),
    "external/der_telemetry": pa.schema(
        [
            ("meter_id", _ID),
            ("time", TIMESTAMP),
            ("pv_p_kw", pa.float32()),
            ("storage_p_kw", pa.float32()),
            ("storage_soc_kwh", pa.float32()),
        ]
    ),
    "truth/vacancy": pa.schema(
        [
            ("premise_id", pa.string()),
            ("start", TIMESTAMP),
            ("end", TIMESTAMP),
            ("kind", pa.string()),
        ]
    ),
    "truth/theft": pa.schema(
        [
            ("premise_id", pa.string()),
            ("meter_id", pa.string()),
            ("bus_id", pa.int64()),
            ("transformer_id", pa.int64()),
            ("kind", pa.string()),
            ("start", TIMESTAMP),
            ("end", TIMESTAMP),
            ("true_wh", pa.float64()),
            ("metered_wh", pa.float64()),
        ]
    ),
    "truth/area_power_flow": pa.schema(
        [
            ("transformer_id", pa.int64()),
            ("interval_end", TIMESTAMP),
            ("load_p_kw", pa.float64()),
            ("generation_p_kw", pa.float64()),
            ("line_loss_kw", pa.float64()),
            ("trafo_loss_kw", pa.float64()),
            ("lv_p_kw", pa.float64()),
        ]
    ),
    "internal/water_interval": pa.schema(
        [
            ("meter_id", _ID),
            ("premise_id", _ID),
            ("interval_end", TIMESTAMP),
            ("volume_l", pa.int64()),
            ("quality", pa.dictionary(pa.int8(), pa.string())),
            ("received_at", TIMESTAMP),
        ]
    ),
    "internal/gas_interval": pa.schema(
        [
            ("meter_id", _ID),
            ("premise_id", _ID),
            ("interval_end", TIMESTAMP),
            ("volume_m3", pa.float64()),
            ("quality", pa.dictionary(pa.int8(), pa.string())),
            ("received_at", TIMESTAMP),
        ]
    ),
    "truth/water_leak": pa.schema(
        [
            ("meter_id", pa.string()),
            ("premise_id", pa.string()),
            ("start", TIMESTAMP),
            ("end", TIMESTAMP),
            ("flow_l_per_h", pa.float64()),
        ]
    ),
    "internal/lighting_circuit": pa.schema(
        [
            ("circuit_id", pa.string()),
            ("meter_id", pa.string()),
            ("bus_id", pa.int64()),
            ("feeder_id", pa.int64()),
            ("transformer_id", pa.int64()),
            ("lamps", pa.int64()),
            ("lamp", pa.string()),
            ("rated_w", pa.float64()),
            ("lamp_system_w", pa.float64()),
            ("purpose", pa.string()),
            ("building_id", pa.string()),
        ]
    ),
    "internal/lighting_circuit_interval": pa.schema(
        [
            ("circuit_id", pa.string()),
            ("meter_id", pa.string()),
            ("interval_end", TIMESTAMP),
            ("power_w", pa.float64()),
            ("energy_wh", pa.int64()),
            ("on", pa.bool_()),
            ("dimming_level", pa.float64()),
            ("baseline_wh", pa.float64()),
        ]
    ),
    "external/lighting_command": pa.schema(
        [
            ("command_id", pa.string()),
            ("circuit_id", pa.string()),
            ("action", pa.string()),
            ("level", pa.float64()),
            ("sent_at", TIMESTAMP),
            ("delivered_at", TIMESTAMP),
            ("executed_at", TIMESTAMP),
            ("attempts", pa.int64()),
            ("state", pa.string()),
        ]
    ),
    "truth/lamp_failure": pa.schema(
        [
            ("circuit_id", pa.string()),
            ("lamps", pa.int64()),
            ("kind", pa.string()),
            ("start", TIMESTAMP),
            ("end", TIMESTAMP),
        ]
    ),
    "external/alarm": pa.schema(
        [
            ("alarm_id", pa.string()),
            ("source", pa.string()),
            ("device_id", pa.string()),
            ("premise_id", pa.string()),
            ("kind", pa.string()),
            ("severity", pa.string()),
            ("raised_at", TIMESTAMP),
            ("acknowledged_at", TIMESTAMP),
            ("cleared_at", TIMESTAMP),
            ("value", pa.float64()),
            ("threshold", pa.float64()),
            ("unit", pa.string()),
            ("work_order_id", pa.string()),
        ]
    ),
    "external/safety_alarm": pa.schema(
        [
            ("alarm_id", pa.string()),
            ("device_id", pa.string()),
            ("premise_id", pa.string()),
            ("kind", pa.string()),
            ("severity", pa.string()),
            ("raised_time", TIMESTAMP),
            ("acknowledged_time", TIMESTAMP),
            ("cleared_time", TIMESTAMP),
            ("value", pa.float64()),
            ("threshold", pa.float64()),
            ("unit", pa.string()),
            ("work_order_id", pa.string()),
        ]
    ),
    "truth/alarm_cause": pa.schema(
        [
            ("alarm_id", pa.string()),
            ("cause", pa.string()),
            ("cause_id", pa.string()),
        ]
    ),
    "internal/safety_sensor": pa.schema(
        [
            ("sensor_id", pa.string()),
            ("premise_id", pa.string()),
            ("meter_id", pa.string()),
            ("building_id", pa.string()),
            ("kind", pa.string()),
            ("path", pa.string()),
            ("reporting_interval_s", pa.int64()),
            ("threshold", pa.float64()),
            ("delay_s", pa.float64()),
            ("unit", pa.string()),
            ("rated_current_a", pa.float64()),
        ]
    ),
    "internal/safety_reading": pa.schema(
        [
            ("sensor_id", _ID),
            ("reading_end", TIMESTAMP),
            ("value", pa.float32()),
            ("received_at", TIMESTAMP),
        ]
    ),
    "truth/safety_hazard": pa.schema(
        [
            ("hazard_id", pa.string()),
            ("premise_id", pa.string()),
            ("sensor_id", pa.string()),
            ("kind", pa.string()),
            ("onset", TIMESTAMP),
            ("end", TIMESTAMP),
            ("end_reason", pa.string()),
            ("would_fail_at", TIMESTAMP),
            ("failure_id", pa.string()),
        ]
    ),
    "truth/safety_failure": pa.schema(
        [
            ("failure_id", pa.string()),
            ("hazard_id", pa.string()),
            ("premise_id", pa.string()),
            ("kind", pa.string()),
            ("time", TIMESTAMP),
            ("value", pa.float64()),
            ("unit", pa.string()),
        ]
    ),
    "external/work_order": pa.schema(
        [
            ("work_order_id", pa.string()),
            ("alarm_id", pa.string()),
            ("premise_id", pa.string()),
            ("device_id", pa.string()),
            ("created_at", TIMESTAMP),
            ("dispatched_at", TIMESTAMP),
            ("arrived_at", TIMESTAMP),
            ("completed_at", TIMESTAMP),
            ("state", pa.string()),
            ("outcome", pa.string()),
            ("crew", pa.int64()),
        ]
    ),
    "external/dr_event": pa.schema(
        [
            ("event_id", pa.string()),
            ("programme", pa.string()),
            ("kind", pa.string()),
            ("area", pa.string()),
            ("called_at", TIMESTAMP),
            ("start", TIMESTAMP),
            ("end", TIMESTAMP),
            ("target_kw", pa.float64()),
            ("signal", pa.string()),
            ("level", pa.int64()),
            ("price_per_kwh", pa.float64()),
            ("openadr", pa.string()),
        ]
    ),
    "external/dr_dispatch": pa.schema(
        [
            ("event_id", pa.string()),
            ("programme", pa.string()),
            ("premise_id", pa.string()),
            ("meter_id", pa.string()),
            ("sent", TIMESTAMP),
            ("delivered", TIMESTAMP),
            ("acted", TIMESTAMP),
            ("opted_out", pa.bool_()),
        ]
    ),
    "truth/dr_enrollment": pa.schema(
        [
            ("premise_id", pa.string()),
            ("meter_id", pa.string()),
            ("programme", pa.string()),
            ("enrolled", pa.bool_()),
            ("ignores", pa.bool_()),
            ("devices", pa.string()),
        ]
    ),
    "truth/dr_counterfactual": pa.schema(
        [
            ("premise_id", pa.string()),
            ("meter_id", pa.string()),
            ("interval_end", TIMESTAMP),
            ("p_kw", pa.float64()),
            ("p_kw_actual", pa.float64()),
            ("indoor_c", pa.float32()),
            ("indoor_c_actual", pa.float32()),
            ("tank_c", pa.float32()),
            ("tank_c_actual", pa.float32()),
        ]
    ),
    "truth/power_flow": pa.schema(
        [
            ("interval_end", TIMESTAMP),
            ("converged", pa.bool_()),
            ("solve_ms", pa.float32()),
            ("load_p_kw", pa.float64()),
            ("vm_min_pu", pa.float32()),
            ("vm_max_pu", pa.float32()),
        ]
    ),
}


def schema_for(table: str) -> pa.Schema:
    """Schema of a table such as ``internal/meter_interval`` (external/bill: with all four
    tariff registers; a run writes :func:`bill_schema` of its own register count)."""
    try:
        return SCHEMAS[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}; expected one of {sorted(SCHEMAS)}") from None
