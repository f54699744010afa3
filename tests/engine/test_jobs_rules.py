"""jobs.lp: one data chain per job type; qualified sources; chain coherence."""

from __future__ import annotations

from rulekit import catalog, dep, kinds, out, pipeline, ports, spec

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode


def _edges(result):
    return {(e.source, e.target) for e in result.edges}


def test_training_and_calibration_chains_are_wired_chain_by_chain(resolve, builtin):
    nodes = [("load_t", "DataLoading", "training"), ("prep_t", "TabularPreprocessing", "training"),
             ("load_c", "DataLoading", "calibration"), ("prep_c", "TabularPreprocessing", "calibration"),
             ("train", "XGBoostTraining", None), ("score_c", "ModelEvaluation", "calibration"),
             ("calib", "ModelCalibration", "calibration")]
    result = resolve(builtin, pipeline(*nodes))
    assert result.ok
    edges = _edges(result)
    assert ("load_t", "prep_t") in edges and ("load_c", "prep_c") in edges
    assert ("load_t", "prep_c") not in edges and ("load_c", "prep_t") not in edges
    assert ("prep_t", "train") in edges and ("prep_c", "train") not in edges
    assert ("prep_c", "score_c") in edges and ("prep_t", "score_c") not in edges
    # The model crosses chains: the calibration chain scores the model trained on the training chain.
    assert ("train", "score_c") in edges and ("score_c", "calib") in edges


def test_a_step_without_job_type_follows_the_chain_of_its_model(resolve, builtin):
    nodes = [("load_t", "DataLoading", "training"), ("prep_t", "TabularPreprocessing", "training"),
             ("load_c", "DataLoading", "calibration"), ("prep_c", "TabularPreprocessing", "calibration"),
             ("train", "XGBoostTraining", None), ("evaluate", "ModelEvaluation", None),
             ("score_c", "ModelEvaluation", "calibration")]
    result = resolve(builtin, pipeline(*nodes))
    edges = {(e.source, e.output, e.target, e.dependency) for e in result.edges}
    assert ("prep_c", "test_data", "score_c", "evaluation_data") in edges
    assert ("prep_t", "validation_data", "train", "validation_data") in edges
    assert ("prep_t", "test_data", "evaluate", "evaluation_data") in edges
    assert "ambiguous" not in kinds(result)


def test_a_qualified_source_takes_the_named_instance_only(resolve):
    fit = spec("Impute",
               deps=[dep("rows", sources=["Source"], keywords=["rows", "table"]),
                     dep("params", required=False, sources=["Impute:training"], keywords=["params", "fitted"])],
               outs=[out("rows_out", keywords=["rows", "table"]), out("params", keywords=["params", "fitted"])],
               variants={"calibration": {"dependencies": {"params": {"required": True}}},
                         "testing": {"dependencies": {"params": {"required": True}}}})
    reg = catalog(spec("Source", outs=[out("rows", keywords=["rows", "table"])]), fit)
    nodes = [("src_t", "Source", "training"), ("src_c", "Source", "calibration"), ("src_x", "Source", "testing"),
             ("imp_t", "Impute", "training"), ("imp_c", "Impute", "calibration"), ("imp_x", "Impute", "testing")]
    result = resolve(reg, pipeline(*nodes))
    assert result.ok
    assert ("imp_t", "params", "imp_c", "params") in ports(result)
    assert ("imp_t", "params", "imp_x", "params") in ports(result)
    assert not any(e.target == "imp_t" and e.dependency == "params" for e in result.edges)
    reasons = next(e for e in result.edges if e.target == "imp_c" and e.dependency == "params").reasons
    assert any("names this job-type instance" in r for r in reasons)


def test_another_chains_data_is_reported_not_silently_used(resolve, builtin):
    # The calibration chain has no preprocessing step: its evaluation must not read training data.
    nodes = [("load_t", "DataLoading", "training"), ("prep_t", "TabularPreprocessing", "training"),
             ("train", "XGBoostTraining", None), ("load_c", "DataLoading", "calibration"),
             ("score_c", "ModelEvaluation", "calibration")]
    result = resolve(builtin, pipeline(*nodes))
    assert not result.ok
    missing = [d for d in result.errors if d.kind == "missing_dependency"]
    assert len(missing) == 1 and "score_c" in missing[0].nodes
    assert "TabularPreprocessing:calibration" in missing[0].suggested_fix
    assert ("prep_t", "score_c") not in _edges(result)
    filled = resolve(builtin, pipeline(*nodes), fill_gaps=True)
    assert filled.ok
    inserted = filled.inserted
    assert [(n.step_type, n.job_type) for n in inserted] == [("TabularPreprocessing", "calibration")]
    assert (inserted[0].name, "score_c") in _edges(filled) and ("load_c", inserted[0].name) in _edges(filled)


def test_an_optional_input_never_crosses_chains(resolve):
    reg = catalog(
        spec("Src", outs=[out("extra", keywords=["extra", "side"])]),
        spec("Use", deps=[dep("extra", required=False, sources=["Src"], keywords=["extra", "side"])]),
    )
    result = resolve(reg, PipelineDefinition((PipelineNode("a", "Src", "training"),
                                              PipelineNode("b", "Use", "calibration"))))
    assert ports(result) == set() and result.ok
