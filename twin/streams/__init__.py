"""Table schemas, the streaming Parquet writer and the run reader."""

from twin.streams.reader import RunDirectory, open_run
from twin.streams.schemas import SCHEMAS, TIMESTAMP, schema_for
from twin.streams.writer import RunWriter, TableWriter

__all__ = [
    "SCHEMAS",
    "TIMESTAMP",
    "RunDirectory",
    "RunWriter",
    "TableWriter",
    "open_run",
    "schema_for",
]
