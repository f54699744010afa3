"""The one place names, data types and words are normalised (engine/terms.py re-exports it).

Normalising is data cleaning, not a decision: `ModelArtifacts`, `model-artifacts` and
`model_artifacts` are one data type. It is Unicode-aware: text is NFKC-normalised and case-folded,
and the letters, marks and digits of every script are kept (`音频` and `图像` stay two types);
everything else separates words. Two spellings that normalise alike but differ in more than case
and separators (`C++` and `C#` both become `c`) are refused by the registry (`collision_key`), so
distinct types never collide silently.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

#: Characters that only separate words: two spellings differing in these (and case) are one name.
_SEPARATORS = frozenset(" \t\n\r\f\v_-.")


def _kept(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


@lru_cache(maxsize=65536)
def norm_name(text: str) -> str:
    """`ModelArtifacts`, `model-artifacts` and `model_artifacts` all become `model_artifacts`."""
    text = unicodedata.normalize("NFKC", text).strip()
    out: list[str] = []
    for i, ch in enumerate(text):
        if not _kept(ch):
            out.append("_")
            continue
        if ch.isupper() and i > 0:
            prev, nxt = text[i - 1], text[i + 1] if i + 1 < len(text) else ""
            # `dataType` -> data_type, `S3Uri` -> s3_uri, `XMLFile` -> xml_file
            if prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower()):
                out.append("_")
        out.append(ch)
    folded = unicodedata.normalize("NFKC", "".join(out).casefold())
    return "_".join(part for part in folded.split("_") if part)


@lru_cache(maxsize=65536)
def collision_key(text: str) -> str:
    """`text` as written, up to case and separators: two names with one `norm_name` but different
    keys (`C++`, `C#`) are different names that normalising would merge."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in folded if ch not in _SEPARATORS)


@lru_cache(maxsize=65536)
def step_key(name: str) -> str:
    """How a step type named in a compatible source is compared with the catalog's step types:
    up to Unicode case and compatibility forms (`dataloading` names `DataLoading`). The typo check
    and the matching both use it, so a source the check accepts is a source that matches."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())
