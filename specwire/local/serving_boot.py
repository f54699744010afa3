"""A batch transform job on this machine: the serving container and the job in one child process.

    python serving_boot.py JOB.json

JOB.json: {"model_dir", "code_dir", "program", "inputs": [[file, output file], ...],
"content_type", "accept", "split_type", "batch_strategy", "max_payload_mb", "assemble_with"}.

As SageMaker's framework serving containers do, the program (SAGEMAKER_PROGRAM) is imported
from the code folder and `model_fn(model_dir)` loads the model once; then, as a transform job
does, each input file is split into records (`SplitType` Line, or the whole file), records are
sent in requests of at most `MaxPayloadInMB` (MultiRecord) or one by one (SingleRecord), and each
request goes through `input_fn`, `predict_fn` and `output_fn`. The responses of a file are
assembled (`AssembleWith` Line: one per line) into `<file>.out`.

Standard library only (the handlers import what they need); started as a file, not as specwire.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

HANDLERS = ("model_fn", "input_fn", "predict_fn", "output_fn")


def load_handlers(code_dir: str, program: str) -> Any:
    sys.path[0] = code_dir  # not this file's folder: its neighbours are specwire's modules
    path = os.path.join(code_dir, program)
    spec = importlib.util.spec_from_file_location(os.path.splitext(program)[0], path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {program} from the model's code")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    missing = [name for name in HANDLERS if not callable(getattr(module, name, None))]
    if missing:
        raise SystemExit(f"{program} lacks {', '.join(missing)}: the container's default handlers are not "
                         "emulated by a local run; define all four in the inference script")
    return module


def records(data: bytes, split_type: str) -> list[bytes]:
    if split_type == "Line":
        return [line + b"\n" for line in data.splitlines() if line.strip()]
    if split_type in ("None", "", None):
        return [data] if data else []
    raise SystemExit(f"SplitType {split_type!r} is not supported by a local run (Line or None are)")


def requests(items: list[bytes], strategy: str, max_bytes: int) -> Iterator[bytes]:
    if strategy != "MultiRecord":
        yield from items
        return
    batch: list[bytes] = []
    size = 0
    for item in items:
        if batch and size + len(item) > max_bytes:
            yield b"".join(batch)
            batch, size = [], 0
        batch.append(item)
        size += len(item)
    if batch:
        yield b"".join(batch)


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as handle:
        job = json.load(handle)
    handlers = load_handlers(job["code_dir"], job["program"])
    model = handlers.model_fn(job["model_dir"])
    max_bytes = int(float(job.get("max_payload_mb") or 6) * 1024 * 1024)
    joiner = "\n" if job.get("assemble_with") == "Line" else ""
    total = 0
    for source, target in job["inputs"]:
        with open(source, "rb") as handle:
            items = records(handle.read(), job.get("split_type") or "None")
        responses = []
        for body in requests(items, job.get("batch_strategy") or "MultiRecord", max_bytes):
            data = handlers.input_fn(body, job.get("content_type"))
            prediction = handlers.predict_fn(data, model)
            response = handlers.output_fn(prediction, job.get("accept"))
            text = response.decode("utf-8") if isinstance(response, (bytes, bytearray)) else str(response)
            if text:
                responses.append(text.rstrip("\n") if joiner else text)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target + ".partial", "w", encoding="utf-8") as out:
            out.write(joiner.join(responses) + (joiner if responses and joiner else ""))
        os.replace(target + ".partial", target)
        total += len(items)
        print(f"transformed {os.path.basename(source)}: {len(items)} records -> {os.path.basename(target)}")
    print(f"transform done: {total} records")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
