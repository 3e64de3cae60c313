"""The semantic model (Cortex Analyst's YAML): parse and check it, draft it from a schema, edit its
verified queries, and keep it per owner and source."""

from .draft import draft_semantic_model, to_yaml
from .model import SemanticModel, parse_semantic_model, sample_semantic_model
from .store import SemanticStore, SourceModel, model_for_source

__all__ = [
    "SemanticModel",
    "SemanticStore",
    "SourceModel",
    "draft_semantic_model",
    "model_for_source",
    "parse_semantic_model",
    "sample_semantic_model",
    "to_yaml",
]
