"""Every built-in step type has exactly one config class, and every config class a step type."""

from __future__ import annotations

import pytest

from specwire.configs import (
    CONFIG_CLASSES,
    StepConfig,
    XGBoostTrainingConfig,
    config_class_for,
    register_config_class,
    step_types,
)
from specwire.errors import ConfigError, UnknownStepError
from specwire.specs import load_registry


def test_every_catalog_step_type_has_a_config_class() -> None:
    catalog = set(load_registry().step_types())
    assert catalog - set(CONFIG_CLASSES) == set()


def test_every_config_class_has_a_catalog_step_type() -> None:
    catalog = set(load_registry().step_types())
    assert set(CONFIG_CLASSES) - catalog == set()


def test_pairing_is_one_to_one_and_keyed_by_the_class_step_type() -> None:
    assert len(set(CONFIG_CLASSES.values())) == len(CONFIG_CLASSES) == 16
    for step_type, cls in CONFIG_CLASSES.items():
        assert step_type == cls.STEP_TYPE
        assert issubclass(cls, StepConfig)
        assert cls.__name__ == f"{step_type}Config"
    assert step_types() == sorted(CONFIG_CLASSES)


def test_lookup_is_exact_or_case_insensitive() -> None:
    assert config_class_for("XGBoostTraining") is XGBoostTrainingConfig
    assert config_class_for("xgboosttraining") is XGBoostTrainingConfig


def test_unknown_step_type_suggests_the_closest() -> None:
    with pytest.raises(UnknownStepError) as info:
        config_class_for("XGBoostTrainer")
    assert info.value.message == "no config class for step type 'XGBoostTrainer'"
    assert info.value.suggested_fix == "did you mean 'XGBoostTraining'?"


def test_unknown_step_type_without_a_close_match_says_how_to_add_one() -> None:
    with pytest.raises(UnknownStepError) as info:
        config_class_for("Zzz")
    fix = info.value.suggested_fix or ""
    assert "implementation:" in fix and "specwire.configs.register_config_class" in fix


def test_register_config_class_refuses_to_replace_silently() -> None:
    class OtherXGBoost(XGBoostTrainingConfig):
        pass

    with pytest.raises(ConfigError) as info:
        register_config_class(OtherXGBoost)
    assert info.value.message == "step type 'XGBoostTraining' already has the config class XGBoostTrainingConfig"
    try:
        assert register_config_class(OtherXGBoost, replace=True) is OtherXGBoost
        assert config_class_for("XGBoostTraining") is OtherXGBoost
    finally:
        CONFIG_CLASSES["XGBoostTraining"] = XGBoostTrainingConfig


def test_register_config_class_adds_a_custom_step_type() -> None:
    from typing import ClassVar

    from specwire.configs import ProcessingStepConfig

    class FraudRulesConfig(ProcessingStepConfig):
        STEP_TYPE: ClassVar[str] = "FraudRules"

    try:
        register_config_class(FraudRulesConfig)
        assert config_class_for("FraudRules") is FraudRulesConfig
    finally:
        CONFIG_CLASSES.pop("FraudRules", None)
