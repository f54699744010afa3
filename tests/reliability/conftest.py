"""The reliability suite's catalog cache stays out of the home folder (profiles: reliability_support)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import reliability_support  # noqa: F401  (registers the hypothesis profiles)


@pytest.fixture(autouse=True, scope="module")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Stage one's on-disk cache goes to a temporary folder: random catalogs must not fill ~/.cache."""
    folder = tmp_path_factory.mktemp("specwire-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPECWIRE_CACHE_DIR", str(folder))
        yield folder
