"""gaps.lp: insert catalog steps for required inputs nobody provides, fewest first."""

from __future__ import annotations

from rulekit import catalog, dep, out, pipeline, spec


def test_the_documented_gap_is_reported_then_filled(resolve, builtin):
    result = resolve(builtin, pipeline("DataLoading", "XGBoostTraining"))
    assert not result.ok
    (err,) = result.errors
    assert err.kind == "missing_dependency"
    assert err.message.startswith("XGBoostTraining needs processed tabular data (training_data), "
                                  "but DataLoading produces raw tabular data.")
    assert "Add TabularPreprocessing between DataLoading and XGBoostTraining?" in err.suggested_fix
    assert [n.name for n in result.nodes] == ["DataLoading", "XGBoostTraining"]  # nothing invented

    filled = resolve(builtin, pipeline("DataLoading", "XGBoostTraining"), fill_gaps=True)
    assert filled.ok and filled.order == ["DataLoading", "TabularPreprocessing", "XGBoostTraining"]
    assert [n.name for n in filled.inserted] == ["TabularPreprocessing"]
    assert [d.kind for d in filled.diagnostics] == ["inserted_step"]


def test_fewest_steps_win(resolve):
    # Raw -> Out can be bridged by Direct (one step) or by Half1 -> Half2 (two steps).
    reg = catalog(
        spec("Raw", outs=[out("raw", "raw")]),
        spec("Direct", deps=[dep("raw", ["raw"], sources=["Raw"])], outs=[out("done", "done")]),
        spec("Half1", deps=[dep("raw", ["raw"], sources=["Raw"])], outs=[out("half", "half")]),
        spec("Half2", deps=[dep("half", ["half"], sources=["Half1"])], outs=[out("done", "done")]),
        spec("Out", deps=[dep("done", ["done"], sources=["Direct", "Half2"])]),
    )
    result = resolve(reg, pipeline("Raw", "Out"), fill_gaps=True)
    assert [n.step_type for n in result.inserted] == ["Direct"]


def test_a_chain_of_insertions_when_one_is_not_enough(resolve):
    reg = catalog(
        spec("Raw", outs=[out("raw", "raw")]),
        spec("Half1", deps=[dep("raw", ["raw"], sources=["Raw"])], outs=[out("half", "half")]),
        spec("Half2", deps=[dep("half", ["half"], sources=["Half1"])], outs=[out("done", "done")]),
        spec("Out", deps=[dep("done", ["done"], sources=["Half2"])]),
    )
    result = resolve(reg, pipeline("Raw", "Out"), fill_gaps=True)
    assert result.order == ["Raw", "Half1", "Half2", "Out"]
    suggestion = resolve(reg, pipeline("Raw", "Out"))
    assert "Add Half1 -> Half2 between Raw and Out?" in suggestion.errors[0].suggested_fix


def test_no_insertion_when_the_catalog_cannot_help(resolve):
    reg = catalog(spec("Out", deps=[dep("thing", ["unobtainium"])]))
    result = resolve(reg, pipeline("Out"), fill_gaps=True)
    (err,) = result.errors
    assert err.kind == "missing_dependency" and err.message == (
        "Out needs unobtainium data (thing), but no step of the pipeline provides it.")
    assert err.suggested_fix == "no step of the catalog provides it: add a spec pack with a step that does"


def test_an_inserted_step_inherits_the_job_type_it_serves(resolve, builtin):
    nodes = [("load_c", "DataLoading", "calibration"), ("score_c", "ModelEvaluation", "calibration"),
             ("train", "XGBoostTraining", None), ("prep_t", "TabularPreprocessing", "training"),
             ("load_t", "DataLoading", "training")]
    result = resolve(builtin, pipeline(*nodes), fill_gaps=True)
    assert [(n.name, n.job_type) for n in result.inserted] == [("TabularPreprocessing_calibration", "calibration")]
