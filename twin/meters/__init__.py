"""IR46 dual-core smart meters: legal metrology core, SPI link, management core."""

from twin.meters.accuracy import MPE_PERCENT, draw_accuracy
from twin.meters.events import EVENT_CODES, EventLog, EventRows
from twin.meters.legal_clock import LegalClocks
from twin.meters.management import ManagementCores, Transmission
from twin.meters.metrology import (
    FREEZE_COLUMNS,
    MAX_TARIFFS,
    MetrologyCores,
    MetrologySlavePort,
    split_import_export_wh,
)
from twin.meters.records import BlockRead, IntervalRecords, SealedBlock
from twin.meters.sealing import derive_keys
from twin.meters.spi import SpiLink, SpiStats

__all__ = [
    "EVENT_CODES",
    "FREEZE_COLUMNS",
    "MAX_TARIFFS",
    "MPE_PERCENT",
    "BlockRead",
    "EventLog",
    "EventRows",
    "IntervalRecords",
    "LegalClocks",
    "ManagementCores",
    "MetrologyCores",
    "MetrologySlavePort",
    "SealedBlock",
    "SpiLink",
    "SpiStats",
    "Transmission",
    "derive_keys",
    "draw_accuracy",
    "split_import_export_wh",
]
