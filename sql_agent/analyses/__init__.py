"""Saved analyses: every question's attempts, SQL, result preview and answer, per owner, and exports."""

from .export import latest_result_csv, to_markdown
from .store import AnalysisStore, SavedTurn, follow_up_context

__all__ = ["AnalysisStore", "SavedTurn", "follow_up_context", "latest_result_csv", "to_markdown"]
