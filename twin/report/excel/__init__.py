"""Excel workbooks of the platform's reports: energy, alarms and finance (``twin export``)."""

from twin.report.excel.book import EXCEL_MAX_ROWS
from twin.report.excel.workbooks import REPORT_NAMES, ExportResult, export_workbooks

__all__ = ["EXCEL_MAX_ROWS", "REPORT_NAMES", "ExportResult", "export_workbooks"]
