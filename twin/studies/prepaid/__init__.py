"""Prepaid study: self-disconnection, disconnection lengths, who is hit, money; a sweep's
policy trade-off.

``run_prepaid_study(RUN_DIR)`` writes ``RUN_DIR/studies/prepaid/``; over a sweep
directory ``twin study prepaid SWEEP_DIR`` adds the trade-off table
(:func:`write_prepaid_tradeoff`).
"""

from twin.studies.prepaid.accounts import account_table, breakdown, self_disconnection
from twin.studies.prepaid.data import PrepaidTables, load_prepaid_tables
from twin.studies.prepaid.lengths import PUBLISHED, kaplan_meier, length_summary
from twin.studies.prepaid.money import money_daily, money_identity, money_summary
from twin.studies.prepaid.study import (
    STUDY_NAME,
    PrepaidSummary,
    prepaid_summary,
    run_prepaid_study,
)
from twin.studies.prepaid.tradeoff import tradeoff_table, write_prepaid_tradeoff

__all__ = [
    "PUBLISHED",
    "STUDY_NAME",
    "PrepaidSummary",
    "PrepaidTables",
    "account_table",
    "breakdown",
    "kaplan_meier",
    "length_summary",
    "load_prepaid_tables",
    "money_daily",
    "money_identity",
    "money_summary",
    "prepaid_summary",
    "run_prepaid_study",
    "self_disconnection",
    "tradeoff_table",
    "write_prepaid_tradeoff",
]
