"""SplitProfile: the number of records and the label's mean of each CSV under input_data."""

import argparse
import csv
import json
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--label", required=True)
args = parser.parse_args()
source = Path("/opt/ml/processing/input/input_data")
rows = []
for path in sorted(source.glob("*.csv")):
    with path.open() as handle:
        rows += list(csv.DictReader(handle))
labels = [float(r[args.label]) for r in rows]
report = {"records": len(rows), "label_mean": sum(labels) / len(labels)}
Path("/opt/ml/processing/output/profile/profile.json").write_text(json.dumps(report))
print(f"profile.py: {report}")
