"""The wiring faults of issue 15, each fixed by a general rule about spec fields.

Each fault has a test through the resolver on a small catalog and, where the rule sits in one
file, a test that grounds that file alone on hand-written facts (rulekit.ground_one).
"""

from __future__ import annotations

from rulekit import catalog, dep, ground_one, kinds, out, pipeline, ports, spec

# --------------------------------------------------------------------------- leak across split chains


def _leak_catalog(keywords: tuple[str, ...] = ("training",), sources: tuple[str, ...] = ("Prep",)):
    return catalog(
        spec("Prep", [], [out("features", keywords=["features", "tabular"])]),
        spec("Trainer", [dep("input_path", sources=sources, keywords=keywords, kind="training_data",
                             aliases=["features"])],
             [out("model", kind="model_artifacts")], kind="Training"),
    )


def test_a_training_step_never_learns_from_another_split_chain(resolve):
    result = resolve(_leak_catalog(), pipeline(("prep_c", "Prep", "calibration"), ("train", "Trainer", None)))
    assert ("prep_c", "train") not in {(e.source, e.target) for e in result.edges}
    assert "missing_dependency" in kinds(result)


def test_the_training_chain_feeds_a_training_step_without_job_type(resolve):
    result = resolve(_leak_catalog(), pipeline(("prep_c", "Prep", "calibration"), ("prep_t", "Prep", "training"),
                                               ("train", "Trainer", None)))
    assert ports(result) == {("prep_t", "features", "train", "input_path")}


def test_a_spec_that_names_the_chain_may_take_it(resolve):
    named = _leak_catalog(keywords=("calibration",))
    result = resolve(named, pipeline(("prep_c", "Prep", "calibration"), ("train", "Trainer", None)))
    assert ("prep_c", "features", "train", "input_path") in ports(result)
    qualified = _leak_catalog(sources=("Prep:calibration",))
    result = resolve(qualified, pipeline(("prep_c", "Prep", "calibration"), ("train", "Trainer", None)))
    assert ("prep_c", "features", "train", "input_path") in ports(result)


_LEAK_FACTS = """
vprofile(t,tp). trains(tp). vjob(t,none). vprofile(c,cp). vjob(c,calibration). vprofile(v,vp). vjob(v,custom).
node_job(t,none). node_job(c,calibration). node_job(v,custom).
try_dep(c,t,d). try_dep(v,t,d). try_dep(c,t,named). dword(tp,named,calibration).
split_job(training). split_job(calibration).
"""


def test_jobs_lp_alone_a_leak_is_another_split_chain_into_a_learner():
    assert ground_one("jobs.lp", _LEAK_FACTS, show="leak/3") == {"leak(c,t,d)"}


# --------------------------------------------------------------------------- held-out outputs


def _held_out_catalog(name: str, oot_words: tuple[str, ...]):
    return catalog(
        spec("Split", [], [out("training_data", keywords=["training"]),
                           out(name, keywords=["evaluation", *oot_words])]),
        spec("Eval", [dep("processed_data", sources=["Split"], keywords=["evaluation"])], [out("metrics")]),
    )


def test_an_output_named_out_of_time_is_held_out_too(resolve):
    result = resolve(_held_out_catalog("oot_data", ()),
                     pipeline(("split_t", "Split", "training"), ("eval_t", "Eval", "testing")))
    assert ports(result) == {("split_t", "oot_data", "eval_t", "processed_data")}


def test_an_out_of_time_output_feeds_the_evaluation_chain_that_lists_it(resolve):
    result = resolve(_held_out_catalog("later_data", ("oot", "out_of_time")),
                     pipeline(("split_t", "Split", "training"), ("eval_t", "Eval", "testing")))
    assert ports(result) == {("split_t", "later_data", "eval_t", "processed_data")}
    assert result.ok and "missing_dependency" not in kinds(result)


def test_without_out_of_time_words_the_crossing_is_a_last_resort(resolve):
    # Another chain's data costs more than inserting a step of the right chain: reported as missing.
    result = resolve(_held_out_catalog("later_data", ()),
                     pipeline(("split_t", "Split", "training"), ("eval_t", "Eval", "testing")))
    assert "missing_dependency" in kinds(result)


def test_match_lp_alone_held_out_is_read_from_the_words_of_an_output():
    facts = "out(p,oot_data). out_word(p,oot_data,oot). out(p,train). out_word(p,train,training). " \
            "held_out_word(oot)."
    assert ground_one("match.lp", facts, show="held_out/2") == {"held_out(p,oot_data)"}


# --------------------------------------------------------------------------- bypass


def test_the_processed_step_is_not_bypassed(resolve):
    registry = catalog(
        spec("Load", [], [out("data", keywords=["data", "raw", "calibration", "dataset", "source"])]),
        spec("Prep", [dep("data", sources=["Load"], keywords=["raw", "dataset"])], [out("features")]),
        spec("Model", [dep("processed_data", sources=["Load", "Prep"], aliases=["data"],
                           keywords=["raw", "dataset", "features"]),
                       dep("artifacts", required=False, sources=["Prep"], keywords=["features"])],
             [out("scores")]),
        # Prep feeds a required input elsewhere, so it is not idle: only the bypass rule keeps it in place.
        spec("Calib", [dep("preprocessor_input", sources=["Prep"], keywords=["features"])], [out("calibrated")]),
    )
    result = resolve(registry, pipeline("Load", "Prep", "Model", "Calib"))
    assert ("Prep", "features", "Model", "processed_data") in ports(result)
    assert ("Load", "data", "Model", "processed_data") not in ports(result)


# --------------------------------------------------------------------------- optional inputs


def _optional_catalog(sources: list[str]):
    return catalog(
        spec("Other", [], [out("model_artifacts_input", keywords=["artifacts"])]),
        spec("Listed", [], [out("artifacts_out", keywords=["artifacts", "model_artifacts"])]),
        spec("Consumer", [dep("model_artifacts_input", required=False, sources=sources,
                              keywords=["artifacts", "model_artifacts"])], [out("done")]),
    )


def test_an_optional_input_is_not_filled_on_a_name_its_sources_do_not_back(resolve):
    result = resolve(_optional_catalog(["Listed"]), pipeline("Other", "Consumer"))
    assert ports(result) == set()


def test_an_optional_input_without_a_source_list_takes_a_name_match(resolve):
    result = resolve(_optional_catalog([]), pipeline("Other", "Consumer"))
    assert ports(result) == {("Other", "model_artifacts_input", "Consumer", "model_artifacts_input")}


def test_a_source_naming_the_kind_backs_a_name_match(resolve):
    result = resolve(_optional_catalog(["ProcessingStep"]), pipeline("Other", "Consumer"))
    assert ports(result) == {("Other", "model_artifacts_input", "Consumer", "model_artifacts_input")}


def _secondary_catalog():
    return catalog(
        spec("Load", [], [out("data", keywords=["raw", "dataset"])]),
        spec("Enrich", [], [out("summary", keywords=["secondary", "additional"])]),
        spec("Prep", [dep("data", sources=["Load"], keywords=["raw", "dataset"]),
                      dep("data_secondary", required=False, sources=["Load", "Enrich"],
                          keywords=["secondary", "additional"])], [out("features")]),
    )


def test_an_optional_secondary_input_crosses_to_a_listed_step_of_another_chain(resolve):
    result = resolve(_secondary_catalog(), pipeline(("load", "Load", "training"), ("enrich", "Enrich", "delta"),
                                                    ("prep", "Prep", "training")))
    assert ("enrich", "summary", "prep", "data_secondary") in ports(result)


def test_an_optional_secondary_input_never_crosses_split_chains(resolve):
    result = resolve(_secondary_catalog(), pipeline(("load", "Load", "training"),
                                                    ("enrich", "Enrich", "calibration"), ("prep", "Prep", "training")))
    assert ("enrich", "summary", "prep", "data_secondary") not in ports(result)
