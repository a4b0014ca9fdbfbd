"""Communications between meters and the head-end system."""

from twin.comms.concentrators import Concentrators
from twin.comms.headend import QUALITY_CODES, HeadEnd, HeadEndStats, IntervalBatch, RegisterBatch
from twin.comms.supervision import MeterSupervision
from twin.comms.technology import TECHNOLOGIES, Channel, Technology

__all__ = [
    "QUALITY_CODES",
    "TECHNOLOGIES",
    "Channel",
    "Concentrators",
    "HeadEnd",
    "HeadEndStats",
    "IntervalBatch",
    "MeterSupervision",
    "RegisterBatch",
    "Technology",
]
