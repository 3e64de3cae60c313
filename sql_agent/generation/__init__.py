"""Writing SQL: the agent loop that links the schema, prompts the model, checks, runs and repairs."""

from .agent import SqlAgent
from .agent_answer import AgentAnswer, Alternative, Attempt, failed_answer

__all__ = ["AgentAnswer", "Alternative", "Attempt", "SqlAgent", "failed_answer"]
