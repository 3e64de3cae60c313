"""Resident memory of a process and of the processes it started (query workers), read from /proc."""

from __future__ import annotations

from pathlib import Path


def _status(pid: int) -> dict[str, float]:
    """VmRSS, RssAnon, RssFile and VmHWM of one process, in GB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024 / 1024
    return fields


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def tree_rss_gb(pid: int) -> float:
    """VmRSS of `pid` and all its descendants."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += _status(p).get("VmRSS", 0.0)
        except OSError:
            continue
        todo += _children(p)
    return total


def describe(pid: int) -> str:
    own = _status(pid)
    text = "  ".join(f"{k} {v:.2f} GB" for k, v in own.items())
    with_children = tree_rss_gb(pid)
    if with_children > own.get("VmRSS", 0.0) + 0.005:
        text += f"  (with child processes {with_children:.2f} GB)"
    return text
