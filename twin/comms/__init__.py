"""Communications between meters and the head-end system."""

from twin.comms.headend import QUALITY_CODES, HeadEnd, HeadEndStats, IntervalBatch, RegisterBatch

__all__ = ["QUALITY_CODES", "HeadEnd", "HeadEndStats", "IntervalBatch", "RegisterBatch"]
