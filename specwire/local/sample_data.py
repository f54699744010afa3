"""The examples' sample data: card transactions with a fraud label, generated, not downloaded.

`write_sample(path, rows=..., seed=...)` writes the same CSV on every machine and Python (a
seeded `random.Random`, values rounded): `amount`, `hour`, `distance_km`,
`merchant_category` (text), `card_present` (0/1), `txns_last_hour`, `account_age_days`, and
`label` (1: fraud). Fraud is likelier for large amounts, night hours, far-away card-not-present
purchases, bursts of transactions, new accounts and online or travel merchants, so a model can
learn it (AUC about 0.9); a few values are missing, as in real exports. No real person's
data: nothing to license.
"""

from __future__ import annotations

import csv
import io
import math
import random
from pathlib import Path

from specwire.files import atomic_write

ROWS = 2000
SEED = 19
LABEL = "label"
CATEGORIES = ("grocery", "fuel", "online", "travel", "restaurant", "electronics")
_RISK = {"grocery": -0.8, "fuel": -0.4, "online": 0.9, "travel": 0.7, "restaurant": -0.5, "electronics": 0.5}
COLUMNS = ("amount", "hour", "distance_km", "merchant_category", "card_present", "txns_last_hour",
           "account_age_days", LABEL)


def sample_rows(rows: int = ROWS, seed: int = SEED) -> list[dict[str, object]]:
    rng = random.Random(seed)
    records: list[dict[str, object]] = []
    for _ in range(rows):
        amount = round(math.exp(rng.gauss(3.6, 1.1)), 2)
        hour = rng.randrange(24)
        distance = round(rng.expovariate(1 / 25.0), 1)
        category = rng.choice(CATEGORIES)
        card_present = 1 if rng.random() < 0.6 else 0
        burst = min(int(rng.expovariate(1 / 1.5)), 20)
        age = rng.randrange(1, 3650)
        score = (-1.4 + 0.9 * math.log1p(amount / 100) + (1.3 if hour < 6 else 0.0) + 0.012 * distance
                 - 1.1 * card_present + 0.45 * burst - 0.0006 * age + _RISK[category])
        label = 1 if rng.random() < 1 / (1 + math.exp(-2.0 * score)) else 0
        record: dict[str, object] = {
            "amount": amount, "hour": hour, "distance_km": distance,
            "merchant_category": category, "card_present": card_present, "txns_last_hour": burst,
            "account_age_days": age, LABEL: label,
        }
        if rng.random() < 0.03:
            record["distance_km"] = ""
        if rng.random() < 0.02:
            record["merchant_category"] = ""
        records.append(record)
    return records


def sample_csv(rows: int = ROWS, seed: int = SEED, *, columns: tuple[str, ...] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(sample_rows(rows, seed))
    return buffer.getvalue()


def write_sample(path: str | Path, rows: int = ROWS, seed: int = SEED, *,
                 columns: tuple[str, ...] = COLUMNS) -> Path:
    """Write the sample CSV to `path` (atomically); returns the path."""
    target = Path(path)
    atomic_write(target, sample_csv(rows, seed, columns=columns))
    return target
