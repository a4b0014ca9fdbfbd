"""The legal event log of the metrology cores: never rewritten, chained and MACed.

Codes follow the DLMS UA / IDIS package 2 event tables where one exists; the
codes marked (gridtwin) have no IDIS equivalent. The DL/T 698.45 object of
the same event (China) is given for reference.

==== ================================ ============ ==========
code event                            log (OBIS)   DL/T 698
==== ================================ ============ ==========
1    power down                       0-0:99.98.0  3011
2    power up                         0-0:99.98.0  3011
4    clock set (detail: old offset)   0-0:99.98.0  3016
230  firmware change refused (gridtwin) 0-0:99.98.0 -
40   meter cover opened               0-0:99.98.1  301B
62   remote disconnection             0-0:99.98.2  301F
63   remote connection                0-0:99.98.2  3020
76   voltage sag start                0-0:99.98.4  3000
77   voltage sag end (gridtwin)       0-0:99.98.4  3000
79   voltage swell start              0-0:99.98.4  3001
80   voltage swell end (gridtwin)     0-0:99.98.4  3001
==== ================================ ============ ==========

Each event record is chained per meter and authenticated like the load
profile (:mod:`twin.meters.sealing`): ``MAC = HMAC-SHA256(K_m, fleet index || seq
|| time || code || detail || previous MAC)``. Events are few, so each is
MACed as it is logged.

References
----------
DLMS UA 1000-1 (Blue Book) and IDIS package 2, event codes and logs
0-0:99.98.x. DL/T 698.45-2017, event objects 30xx.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.meters.sealing import ZERO_MAC

__all__ = ["EVENT_CODES", "EventLog", "EventRows", "event_mac"]

POWER_DOWN, POWER_UP, CLOCK_SET, FIRMWARE_REFUSED = 1, 2, 4, 230
COVER_OPENED, REMOTE_DISCONNECT, REMOTE_CONNECT = 40, 62, 63
SAG_START, SAG_END, SWELL_START, SWELL_END = 76, 77, 79, 80

EVENT_CODES: dict[int, tuple[str, str]] = {
    POWER_DOWN: ("power_down", "0-0:99.98.0"),
    POWER_UP: ("power_up", "0-0:99.98.0"),
    CLOCK_SET: ("clock_set", "0-0:99.98.0"),
    FIRMWARE_REFUSED: ("firmware_change_refused", "0-0:99.98.0"),
    COVER_OPENED: ("meter_cover_opened", "0-0:99.98.1"),
    REMOTE_DISCONNECT: ("remote_disconnection", "0-0:99.98.2"),
    REMOTE_CONNECT: ("remote_connection", "0-0:99.98.2"),
    SAG_START: ("voltage_sag_start", "0-0:99.98.4"),
    SAG_END: ("voltage_sag_end", "0-0:99.98.4"),
    SWELL_START: ("voltage_swell_start", "0-0:99.98.4"),
    SWELL_END: ("voltage_swell_end", "0-0:99.98.4"),
}
"""Event code -> (name, OBIS of its log)."""


def event_mac(
    key: bytes, meter: int, seq: int, time_s: int, code: int, detail: str, previous: bytes
) -> bytes:
    """MAC of one event record."""
    head = np.array([meter, seq, time_s, code], dtype=np.int64).tobytes()
    return hmac.digest(key, head + detail.encode("utf-8") + previous, "sha256")


@dataclass(frozen=True)
class EventRows:
    """Event records (parallel arrays), as logged or as received."""

    meter: np.ndarray
    seq_no: np.ndarray
    time_s: np.ndarray
    code: np.ndarray
    detail: list[str]
    mac: list[bytes]

    @property
    def count(self) -> int:
        """Number of records."""
        return int(self.meter.shape[0])


class EventLog:
    """Legal event logs of ``n`` meters (append-only).

    Parameters
    ----------
    keys : sequence of bytes
        Per-meter keys.
    meter_index : numpy.ndarray, optional
        Fleet index of each meter, as authenticated in its records (its position in
        the whole fleet when this is a shard); default ``0 .. n-1``.
    """

    def __init__(self, keys: Sequence[bytes], meter_index: np.ndarray | None = None):
        self._keys = keys
        n = len(keys)
        self._index = (
            np.arange(n, dtype=np.int64)
            if meter_index is None
            else np.asarray(meter_index, dtype=np.int64)
        )
        if self._index.shape != (n,):
            raise ValueError(f"given {self._index.size} meter indices; expected {n}")
        self._next_seq = np.zeros(n, dtype=np.int64)
        self._last_mac: list[bytes] = [ZERO_MAC] * n
        self._rows: list[tuple[int, int, int, int, str, bytes]] = []
        self._undelivered: list[int] = []
        self.counts: dict[str, int] = {}

    def log(self, meters: np.ndarray, time_s: np.ndarray, code: int, detail: str = "") -> None:
        """Append one event per meter.

        Parameters
        ----------
        meters : numpy.ndarray
            Meter positions (rows of this log).
        time_s : numpy.ndarray
            Event time by each meter's own clock [s since run start].
        code : int
            Event code (:data:`EVENT_CODES`).
        detail : str
            Free text (e.g. the old clock offset).
        """
        if code not in EVENT_CODES:
            raise ValueError(f"given event code {code}; expected one of {sorted(EVENT_CODES)}")
        stamps = np.broadcast_to(np.rint(np.asarray(time_s, dtype=np.float64)), meters.shape)
        name = EVENT_CODES[code][0]
        self.counts[name] = self.counts.get(name, 0) + int(meters.size)
        for m, t in zip(meters.tolist(), stamps.astype(np.int64).tolist(), strict=True):
            seq = int(self._next_seq[m])
            index = int(self._index[m])
            mac = event_mac(self._keys[m], index, seq, t, code, detail, self._last_mac[m])
            self._last_mac[m] = mac
            self._next_seq[m] = seq + 1
            self._undelivered.append(len(self._rows))
            self._rows.append((m, seq, t, code, detail, mac))

    @property
    def pending(self) -> int:
        """Records not yet handed to the management core for delivery."""
        return len(self._undelivered)

    def take(self, meters: np.ndarray) -> EventRows:
        """Hand over the undelivered records of ``meters`` (an index array), in order."""
        wanted = np.zeros(self._next_seq.shape[0], dtype=bool)
        wanted[meters] = True
        out: list[int] = []
        keep: list[int] = []
        for i in self._undelivered:
            (out if wanted[self._rows[i][0]] else keep).append(i)
        self._undelivered = keep
        rows = [self._rows[i] for i in out]
        # delivered rows are not needed by the core any more: free them
        for i in out:
            self._rows[i] = (-1, -1, 0, 0, "", b"")
        if not rows:
            self._compact()
        return EventRows(
            meter=np.array([r[0] for r in rows], dtype=np.int64),
            seq_no=np.array([r[1] for r in rows], dtype=np.int64),
            time_s=np.array([r[2] for r in rows], dtype=np.int64),
            code=np.array([r[3] for r in rows], dtype=np.int64),
            detail=[r[4] for r in rows],
            mac=[r[5] for r in rows],
        )

    def _compact(self) -> None:
        if not self._undelivered and self._rows:
            self._rows.clear()
