"""What a result says: a plain-language summary, follow-up questions and a chart, without a model."""

from .chart import choose_chart
from .summary import follow_ups, format_value, summarise

__all__ = ["choose_chart", "follow_ups", "format_value", "summarise"]
