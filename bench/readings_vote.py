"""What the sampled readings could choose, without a model: from evaluation runs made with
--second-readings (python -m sql_agent eval ... --second-readings 2 --details X.json), the execution
accuracy of each way of letting the readings pick the answer shown, against the greedy answer alone.

    python bench/readings_vote.py FIRST_HALF.json [SECOND_HALF.json ...]

Ways, each alone:
- greedy: the answer as the agent gave it before (the readings only mark it confident or unsure);
- majority: rows that more readings found than found the answer's rows replace them (with two
  readings: both found the same other rows, and neither found the answer's);
- rescue: when no query of the answer ran, the rows most readings found (the first on a tie): what
  the agent now does (SqlAgent._take_reading);
- non-empty: an empty answer no reading agreed with gives way to the rows a reading found.
Choose the way on a first half; judge it on the second.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def chosen_right(record: dict, way: str) -> bool:
    """Whether the answer `way` shows for this item is right."""
    greedy = bool(record["correct_final"])
    alternatives = record.get("alternatives") or []
    if way == "greedy" or not alternatives:
        return greedy
    agreeing = record.get("agreement", [0, 0])[0]
    ran = record["valid_final"]
    best = max(alternatives, key=lambda a: a["readings"])  # the first on a tie
    if way == "majority" and ran and best["readings"] > agreeing + 1:  # the answer is one reading too
        return best["right"]
    if way == "rescue" and not ran:
        return best["right"]
    if way == "non-empty" and ran and record.get("empty") and not agreeing:
        found = [a for a in alternatives if a["rows"]]
        if found:
            return max(found, key=lambda a: a["readings"])["right"]
    return greedy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("details", nargs="+", help="details files written with --second-readings")
    args = parser.parse_args()
    for path in args.details:
        records = [r for r in json.loads(Path(path).read_text()) if "attempts" in r]
        print(f"{path} ({len(records)} items):")
        base = [chosen_right(r, "greedy") for r in records]
        for way in ("greedy", "majority", "rescue", "non-empty"):
            right = [chosen_right(r, way) for r in records]
            up = sum(1 for a, b in zip(base, right, strict=True) if b and not a)
            down = sum(1 for a, b in zip(base, right, strict=True) if a and not b)
            print(f"  {way:12} {sum(right) / len(records):.3f} ({sum(right)} right; +{up} -{down})")


if __name__ == "__main__":
    main()
