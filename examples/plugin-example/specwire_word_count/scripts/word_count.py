"""Counts words in /opt/ml/processing/input/input_data, writes /opt/ml/processing/output/word_counts."""

import argparse
import collections
import json
import pathlib

parser = argparse.ArgumentParser()
parser.add_argument("--min-count", type=int, default=1)
args, _ = parser.parse_known_args()  # specwire may also pass --job-type
counts: collections.Counter[str] = collections.Counter()
for path in pathlib.Path("/opt/ml/processing/input/input_data").rglob("*"):
    if path.is_file():
        counts.update(path.read_text(errors="ignore").split())
out = pathlib.Path("/opt/ml/processing/output/word_counts")
out.mkdir(parents=True, exist_ok=True)
kept = {word: n for word, n in counts.items() if n >= args.min_count}
(out / "counts.json").write_text(json.dumps(kept, sort_keys=True))
