"""Any backend's embed() plugs into rag through BackendEmbedder (here the embedded backend's real one)."""

from __future__ import annotations

import pytest

from backends import create_backend, load_settings
from rag.embedders import BackendEmbedder, embedder_for
from rag.errors import EmbedderMismatch
from rag.ingest import ingest_file
from rag.retrieval import search
from rag.store import Store
from tests.conftest import TINY_MODEL


def test_backend_embeddings_index_and_search(tmp_path, embedder):
    backend_embedder = BackendEmbedder(
        create_backend("local", load_settings(TINY_MODEL)), "local:all-MiniLM-L6-v2"
    )
    assert backend_embedder.dim == 384  # from the backend's capabilities
    with Store(tmp_path / "index.duckdb") as store:
        result = ingest_file(
            store, backend_embedder, "kettle.txt", b"Descale the kettle with vinegar every month."
        )
        assert result.status == "added"
        assert store.embedding_model == ("local:all-MiniLM-L6-v2", 384)
        hits = search(store, backend_embedder, "how often should the kettle be cleaned", k=1).hits
        assert hits[0].file == "kettle.txt" and hits[0].vector_score > 0.3
        with pytest.raises(EmbedderMismatch, match="local:all-MiniLM-L6-v2"):
            search(store, embedder, "how to remove limescale")  # the same vectors, but not the recorded model


def test_embedder_for_names_the_model_it_will_record():
    assert embedder_for("local").model_id == "all-MiniLM-L6-v2-int8"
    settings = load_settings(
        {"FLOE_OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "FLOE_OPENAI_EMBEDDING_MODEL": "nomic"}
    )
    remote = embedder_for("openai_compatible", settings)
    assert isinstance(remote, BackendEmbedder) and remote.model_id == "openai_compatible:nomic"
