"""Demand-response events shaped as OpenADR 2.0b ``oadrDistributeEvent`` payloads.

The utility's server (VTN) distributes an event as an ``oadrEvent`` with an
``eiEvent`` of four parts: ``eventDescriptor`` (identity, status, market
context), ``eiActivePeriod`` (start, duration, notification), ``eiEventSignals``
(one signal: ``SIMPLE`` levels 0-3, or ``ELECTRICITY_PRICE`` with a price per
kWh) and ``eiTarget`` (who it is for: here a group, the transformer area or
``all``). The twin keeps the element names of the profile in camelCase JSON so
that a live mode can hand the same content to an OpenADR library (the
``openleadr`` package takes the same fields in snake_case).

References
----------
.. [1] OpenADR Alliance (2015), OpenADR 2.0b Profile Specification, revision 1.1,
   sections 8.1 (EiEvent service) and 8.2 (oadrDistributeEvent payload),
   Table 1 (signal names: SIMPLE, ELECTRICITY_PRICE).
.. [2] IETF RFC 5545, 3.3.6: durations (``PT3H``, ``P1D``).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

__all__ = ["iso_duration", "openadr_event"]


def iso_duration(seconds: int) -> str:
    """An RFC 5545 / ISO 8601 duration (``7200 -> 'PT2H'``, ``86400 -> 'P1D'``)."""
    s = int(seconds)
    days, s = divmod(s, 86_400)
    hours, s = divmod(s, 3_600)
    minutes, s = divmod(s, 60)
    out = "P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    clock += f"{s}S" if s else ""
    if clock:
        out += "T" + clock
    return out if out != "P" else "PT0S"


def openadr_event(
    *,
    event_id: str,
    programme: str,
    called_at: pd.Timestamp,
    start: pd.Timestamp,
    duration_s: int,
    notice_s: int,
    signal: str,
    level: int,
    price_per_kwh: float | None,
    currency: str | None,
    area: str,
) -> str:
    """The event as the JSON text of an OpenADR 2.0b ``oadrEvent`` (see the module).

    Parameters
    ----------
    event_id, programme : str
        Identity; the programme is the event's market context.
    called_at, start : pandas.Timestamp
        When the event was created and when it starts (UTC).
    duration_s, notice_s : int
        Length and notification period [s].
    signal : str
        ``SIMPLE`` or ``ELECTRICITY_PRICE``.
    level : int
        SIMPLE level 0-3.
    price_per_kwh : float or None
        The price of an ``ELECTRICITY_PRICE`` signal [currency/kWh].
    currency : str or None
        ISO 4217 code of the price, where known.
    area : str
        Target group: ``T<transformer id>`` or ``all``.
    """
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    payload: float = float(level) if signal == "SIMPLE" else float(price_per_kwh or 0.0)
    event_signal: dict[str, Any] = {
        "signalName": signal,
        "signalType": "level" if signal == "SIMPLE" else "price",
        "signalID": f"{event_id}-S1",
        "currentValue": 0.0,
        "intervals": [
            {"dtstart": start.strftime(stamp), "duration": iso_duration(duration_s),
             "uid": "0", "signalPayload": payload}
        ],
    }  # fmt: skip
    if signal == "ELECTRICITY_PRICE":
        event_signal["itemBase"] = {
            "itemDescription": "currencyPerKWh",
            "itemUnits": currency or "",
            "siScaleCode": "none",
        }
    event = {
        "eventDescriptor": {
            "eventID": event_id,
            "modificationNumber": 0,
            "priority": 1,
            "marketContext": f"http://gridtwin/programmes/{programme}",
            "createdDateTime": called_at.strftime(stamp),
            "eventStatus": "far",
            "testEvent": False,
        },
        "activePeriod": {
            "dtstart": start.strftime(stamp),
            "duration": iso_duration(duration_s),
            "notification": iso_duration(notice_s),
        },
        "eiEventSignals": {"eiEventSignal": [event_signal]},
        "eiTarget": {"groupID": [area]},
    }
    return json.dumps(event, separators=(",", ":"))
