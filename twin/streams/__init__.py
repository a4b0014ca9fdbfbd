"""Table schemas, the streaming Parquet writer, atomic output folders and the run reader."""

from twin.streams.json_files import jsonable, read_json, write_json
from twin.streams.reader import MANIFEST, RunDirectory, is_finished_run, open_run
from twin.streams.run_clock import RunClock, epoch_us, interval_index
from twin.streams.schemas import SCHEMAS, TIMESTAMP, schema_for
from twin.streams.staging import (
    StagedFolder,
    remove_stale_partials,
    replace_file,
    scratch_folder,
    staged_folder,
)
from twin.streams.writer import RunWriter, TableWriter, table_files

__all__ = [
    "MANIFEST",
    "SCHEMAS",
    "TIMESTAMP",
    "RunClock",
    "RunDirectory",
    "RunWriter",
    "StagedFolder",
    "TableWriter",
    "epoch_us",
    "interval_index",
    "is_finished_run",
    "jsonable",
    "open_run",
    "read_json",
    "remove_stale_partials",
    "replace_file",
    "schema_for",
    "scratch_folder",
    "staged_folder",
    "table_files",
    "write_json",
]
