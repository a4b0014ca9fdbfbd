"""IR46 dual-core smart meters: legal metrology core, SPI link, management core."""

from twin.meters.management import ManagementCores, PollResult
from twin.meters.metrology import (
    DailyFreeze,
    IntervalRecords,
    MetrologyCores,
    MetrologySlavePort,
    split_import_export_wh,
)
from twin.meters.spi import SpiLink, SpiStats

__all__ = [
    "DailyFreeze",
    "IntervalRecords",
    "ManagementCores",
    "MetrologyCores",
    "MetrologySlavePort",
    "PollResult",
    "SpiLink",
    "SpiStats",
    "split_import_export_wh",
]
