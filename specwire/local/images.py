"""Which containers a local run can stand in for, checked before anything runs.

A step runs locally when its container is one of SageMaker's framework images (scikit-learn,
XGBoost, PyTorch, ...) in script mode: the script is Python, and the libraries the image holds
are the ones installed beside specwire (`pip install "specwire[local]"`). A team's own image,
a built-in algorithm without a script, or a framework whose library is not installed here
cannot be emulated: the run is refused naming the step and the reason.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

#: SageMaker image repository -> the Python module its scripts need (None: nothing beyond the `local` extra).
FRAMEWORK_IMAGES: Mapping[str, str | None] = {
    "sagemaker-scikit-learn": "sklearn",
    "sagemaker-xgboost": "xgboost",
    "pytorch-training": "torch",
    "pytorch-inference": "torch",
    "sagemaker-pytorch": "torch",
    "tensorflow-training": "tensorflow",
    "tensorflow-inference": "tensorflow",
    "huggingface-pytorch-training": "transformers",
    "huggingface-pytorch-inference": "transformers",
}


def repository(image_uri: str) -> str:
    """`683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1` -> `sagemaker-xgboost`."""
    path = image_uri.split("/", 1)[1] if "/" in image_uri else image_uri
    return path.split("@", 1)[0].split(":", 1)[0]


def emulation_problem(image_uri: object) -> str | None:
    """Why a container of this image cannot run here, or None when it can."""
    if not isinstance(image_uri, str):
        return "its image is computed at run time, so it cannot be checked before the run"
    repo = repository(image_uri)
    if repo not in FRAMEWORK_IMAGES:
        return (f"it runs the image {image_uri}, which is not one of SageMaker's framework images "
                f"({', '.join(sorted(FRAMEWORK_IMAGES))}): a local run cannot emulate a team's own container "
                "without Docker")
    module = FRAMEWORK_IMAGES[repo]
    if module is not None and importlib.util.find_spec(module) is None:
        return (f"its image {repo} runs Python with {module!r}, which is not installed here "
                f"(pip install the library, e.g. pip install \"specwire[local]\")")
    return None
