"""`make mutate [TOPIC=em]`: mutate each snippet's mathematics, run its claim tests on
each mutant, print the survivors, write tests/mutation-scores.json, and print one
JSON object last.

Usage: python -m scripts.mutate [--topic NAME] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .campaign import Topic, forkserver, run_topic
from .report import topic_report, write_scores

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topic", help="one topic (a snippets/ folder); all by default")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants run at once")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / ".cache" / "mutate")
    parser.add_argument(
        "--limit", type=int, help="only the first N mutants of each topic (a trial)"
    )
    args = parser.parse_args()
    topics = [t for t in Topic.all(ROOT) if args.topic in {None, t.name}]
    if not topics:
        known = ", ".join(t.name for t in Topic.all(ROOT))
        print(f"make mutate: no topic '{args.topic}' (known: {known})", file=sys.stderr)
        return 2
    context = forkserver()
    results = []
    for topic in topics:
        done = [0]

        def say(name: str, outcome: dict, topic=topic, done=done) -> None:
            if name == "baseline":
                return
            done[0] += 1
            if outcome["status"] == "survived":
                print(
                    f"{topic.name}: survived {name} ({outcome['seconds']:.1f} s)", file=sys.stderr
                )
            elif done[0] % 25 == 0:
                print(f"{topic.name}: {done[0]} mutants run", file=sys.stderr)

        result = run_topic(ROOT, topic, context, args.jobs, args.cache_dir, say, args.limit)
        results.append(result)
        report = topic_report(ROOT, result)
        print(
            f"{topic.name}: score {report['score']}, {report['mutants']} mutants, "
            f"{report['survived']} survived, {result.wall_seconds} s",
            file=sys.stderr,
        )
    if args.limit is None:  # a trial's numbers are not the topic's score
        write_scores(ROOT, results)
    print(json.dumps({r.topic.name: topic_report(ROOT, r) for r in results}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
