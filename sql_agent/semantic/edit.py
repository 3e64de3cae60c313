"""Changes to a semantic model's YAML that a person asks for with a click: verify an answer (its
question and SQL become a verified query, recorded with verified_by and verified_at as Cortex
Analyst does) and remove a verified query. Rewriting the YAML drops its comments; the content stays."""

from __future__ import annotations

import re
import time

import yaml

from .draft import to_yaml


def add_verified_query(text: str, question: str, sql: str, verified_by: str, now: float | None = None):
    """(new YAML, name given to the query). A question verified before is replaced, not repeated:
    the person has just checked this SQL, which is newer than what was there."""
    data = yaml.safe_load(text) or {}
    earlier = [q for q in data.get("verified_queries") or [] if _same(q.get("question"), question)]
    queries = [q for q in data.get("verified_queries") or [] if not _same(q.get("question"), question)]
    taken = {q.get("name") for q in queries}
    base = re.sub(r"[^a-z0-9]+", "_", question.lower()).strip("_")[:48] or "verified_query"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    queries.append(
        {
            "name": name,
            "question": question.strip(),
            "sql": sql.strip() + "\n",
            "verified_by": verified_by,
            "verified_at": int(now if now is not None else time.time()),
        }
    )
    if any(q.get("use_as_onboarding_question") for q in earlier):
        queries[-1]["use_as_onboarding_question"] = True  # a corrected suggestion stays suggested
    data["verified_queries"] = queries
    return to_yaml(data), name


def remove_verified_query(text: str, name: str) -> str:
    data = yaml.safe_load(text) or {}
    data["verified_queries"] = [q for q in data.get("verified_queries") or [] if q.get("name") != name]
    if not data["verified_queries"]:
        del data["verified_queries"]
    return to_yaml(data)


def _same(a, b) -> bool:
    return isinstance(a, str) and a.strip().lower() == b.strip().lower()
