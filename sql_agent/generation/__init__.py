"""Writing SQL: the agent loop that links the schema, prompts the model, checks, runs and repairs."""

from .agent import AgentAnswer, Attempt, SqlAgent, failed_answer

__all__ = ["AgentAnswer", "Attempt", "SqlAgent", "failed_answer"]
