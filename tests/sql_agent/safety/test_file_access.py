"""Which DuckDB file a typed path may open: inside the allowed folder only, `..` and symlinks resolved."""

from __future__ import annotations

import pytest

from sql_agent.safety.file_access import FILES_OFF, FileRefused, allowed_duckdb_file


@pytest.fixture
def folders(tmp_path):
    """An allowed folder with one database, and a private folder beside it."""
    allowed, private = tmp_path / "allowed", tmp_path / "private"
    allowed.mkdir()
    private.mkdir()
    (allowed / "sales.duckdb").write_bytes(b"db")
    (private / "conversations.sqlite").write_bytes(b"secret")
    return allowed, private


def test_a_file_inside_the_folder_opens_by_name_or_full_path(folders):
    allowed, _ = folders
    assert allowed_duckdb_file("sales.duckdb", allowed, local_run=False) == allowed / "sales.duckdb"
    assert allowed_duckdb_file(f"  {allowed}/sales.duckdb ", allowed, False) == allowed / "sales.duckdb"


@pytest.mark.parametrize(
    "typed",
    ["../private/conversations.sqlite", "sub/../../private/conversations.sqlite", "/etc/passwd", "~/x"],
)
def test_paths_that_leave_the_folder_are_refused(folders, typed):
    allowed, _ = folders
    with pytest.raises(FileRefused, match="only databases in the folder this app allows"):
        allowed_duckdb_file(typed, allowed, local_run=False)


def test_a_refusal_does_not_reveal_whether_a_file_exists_outside(folders):
    allowed, private = folders
    messages = []
    for name in ("conversations.sqlite", "missing.sqlite"):
        with pytest.raises(FileRefused) as err:
            allowed_duckdb_file(f"../private/{name}", allowed, False)
        messages.append(str(err.value).replace(name, "NAME"))
    assert messages[0] == messages[1] and str(private) not in messages[0]


def test_a_symlink_inside_the_folder_pointing_outside_is_refused(folders):
    allowed, private = folders
    (allowed / "innocent.duckdb").symlink_to(private / "conversations.sqlite")
    (allowed / "door").symlink_to(private, target_is_directory=True)
    for typed in ("innocent.duckdb", "door/conversations.sqlite"):
        with pytest.raises(FileRefused, match="only databases in the folder"):
            allowed_duckdb_file(typed, allowed, local_run=False)


def test_the_folder_applies_even_on_a_local_run(folders):
    allowed, private = folders
    with pytest.raises(FileRefused):
        allowed_duckdb_file(str(private / "conversations.sqlite"), allowed, local_run=True)


def test_without_a_folder_a_local_run_opens_any_path_and_a_deployment_none(folders):
    _, private = folders
    secret = private / "conversations.sqlite"
    assert allowed_duckdb_file(str(secret), None, local_run=True) == secret
    with pytest.raises(FileRefused) as err:
        allowed_duckdb_file(str(secret), None, local_run=False)
    assert str(err.value) == FILES_OFF


def test_missing_and_empty_paths_get_a_clear_message(folders):
    allowed, _ = folders
    with pytest.raises(FileRefused, match="nope.duckdb: no such file"):
        allowed_duckdb_file("nope.duckdb", allowed, local_run=False)
    with pytest.raises(FileRefused, match="Type the path"):
        allowed_duckdb_file("  ", allowed, local_run=False)
    with pytest.raises(FileRefused, match="no such file"):
        allowed_duckdb_file(".", allowed, local_run=False)  # the folder itself is not a database
