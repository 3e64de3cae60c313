"""What a reload of a saved analysis costs: reading N turns (each with a full 200-row preview) back
from the conversation store, the work the Ask your data page does on every rerun, and the file size.

    python bench/analysis_reload.py --turns 50 --runs 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conversations import ConversationStore  # noqa: E402
from sql_agent.analyses.store import AnalysisStore  # noqa: E402
from sql_agent.execution.sources import SAMPLE, open_source  # noqa: E402
from sql_agent.generation.agent import SqlAgent  # noqa: E402

SQL = (
    "SELECT o.order_id, o.order_date, o.channel, o.status, sum(i.quantity * i.unit_price) AS amount "
    "FROM orders o JOIN order_items i USING (order_id) GROUP BY ALL ORDER BY o.order_id"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    source = open_source(SAMPLE)
    answer = SqlAgent(source).run_sql(SQL, "Every order with its amount")
    source.close()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "conversations.sqlite"
        analyses = AnalysisStore(ConversationStore(path))
        aid = analyses.create("local")
        started = time.perf_counter()
        for _ in range(args.turns):
            analyses.add_turn("local", aid, answer, "Sample retail database")
        save_ms = (time.perf_counter() - started) / args.turns * 1000
        reopened = AnalysisStore(ConversationStore(path))
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            turns = reopened.turns("local", aid)
            times.append(time.perf_counter() - t0)
        rows = len(turns[0].answer.result.rows)
        print(f"turns: {args.turns}, rows kept per turn: {rows}, columns: {len(answer.result.columns)}")
        print(f"save one turn: {save_ms:.2f} ms")
        print(f"read the whole analysis back: median {statistics.median(times) * 1000:.1f} ms, "
              f"max {max(times) * 1000:.1f} ms over {args.runs} runs")  # fmt: skip
        size = sum(f.stat().st_size for f in Path(tmp).iterdir())  # the file and its write-ahead log
        print(f"store on disk: {size / 2**20:.2f} MB ({size / args.turns / 1024:.0f} KB per turn)")


if __name__ == "__main__":
    main()
