"""The public model modules: names, schemas, typed validating constructors, runtime boundaries."""

import dataclasses
import importlib
import json
from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from tests.entitlements._support import event as lifecycle_event
from tests.entitlements._support import record, request
from tests.ledger._support import BASE_EVENT
from tests.strategies import instances

from saas_contracts import ContractViolationError, is_valid, validator_for
from saas_contracts._generated.meta.v1.contract_schema import ContractDeclaration
from saas_contracts._generated.usage_ledger.v1.event_schema import UsageEventEnvelope
from saas_contracts._registry import default_catalog
from saas_contracts.entitlements import SOURCE_KINDS, PlanSourceState, apply_event, decide
from saas_contracts.entitlements import apply_events as apply_all
from saas_contracts.ledger import ReplayRequest, ensure_event, event_violations, fingerprint, replay_lines
from saas_contracts.models import (
    ModelConversionError,
    ModelValidationError,
    ensure_model_valid,
    from_json,
    load_model,
    model_for,
    public_name,
    schema_for,
    to_json,
)
from saas_contracts.models.entitlements.v1 import DecisionRequest, LifecycleEvent, SourceKind
from saas_contracts.models.usage_ledger.v1 import PlanSnapshot, UsageEvent

MODULES = [
    "saas_contracts.models.common.v1",
    "saas_contracts.models.entitlements.v1",
    "saas_contracts.models.privacy.v1",
    "saas_contracts.models.usage_ledger.v1",
]
PUBLIC_CLASSES: list[tuple[str, type]] = [
    (module, cls) for module in MODULES for cls in importlib.import_module(module)._MODELS
]
# Fixture and meta schemas are repository tooling; every other object schema needs a public name.
PRODUCT_SCHEMAS = [
    info.name
    for info in default_catalog()
    if info.contents.get("type") == "object"
    and info.contract != "meta"
    and not info.name.endswith("/core-fixture")
]


def _event_model():
    return UsageEvent(
        event_id="evt-sample-0001",
        event_type="sample.unit_consumed",
        subject="ws_ref_3ebuhqwhofzsfhxhpz2f3xmvja",
        plan=PlanSnapshot(
            plan_key="plan-b-monthly",
            plan_label="pro",
            catalog_revision="catalog/2026-11",
            captured_at="2026-11-02T09:59:00Z",
        ),
        quantity=5,
        occurred_at="2026-11-02T10:00:00Z",
        recorded_at="2026-11-02T10:00:02Z",
        source="sample-producer",
        idempotency_key="sample.unit_consumed:0001",
    )


class TestPublicModules:
    """Every public module re-exports what its __all__ names, with a schema per class."""

    @pytest.mark.parametrize("module", MODULES)
    def test_all_names_resolve(self, module):
        loaded = importlib.import_module(module)
        assert loaded.__all__ == sorted(loaded.__all__)
        for name in loaded.__all__:
            assert getattr(loaded, name) is not None

    @pytest.mark.parametrize(
        ("module", "cls"), PUBLIC_CLASSES, ids=lambda value: getattr(value, "__name__", "")
    )
    def test_class_schema_compiles_and_names_match(self, module, cls):
        loaded = importlib.import_module(module)
        assert getattr(loaded, public_name(cls)) is cls
        validator_for(schema_for(cls))  # the pointer resolves in the offline registry
        assert dataclasses.is_dataclass(cls)
        assert getattr(cls, "__dataclass_params__").frozen  # noqa: B009 - mypy does not know the attribute

    @pytest.mark.parametrize("schema", PRODUCT_SCHEMAS)
    def test_every_product_schema_root_has_a_public_name(self, schema):
        assert schema_for(model_for(schema)) == schema
        assert public_name(model_for(schema)) != ""

    def test_public_name_reads_better_than_the_title(self):
        assert UsageEvent is UsageEventEnvelope
        assert public_name(UsageEventEnvelope) == "UsageEvent"
        assert schema_for(PlanSnapshot) == "usage-ledger/v1/event#/$defs/plan_snapshot"

    def test_literal_vocabulary_aliases(self):
        assert set(get_args(SourceKind)) == set(SOURCE_KINDS)

    def test_root_without_public_name_still_has_its_schema(self):
        assert schema_for(ContractDeclaration) == "meta/v1/contract"

    def test_not_a_model(self):
        @dataclasses.dataclass(frozen=True)
        class Local:
            a: int

        with pytest.raises(ModelConversionError, match="not a contract model"):
            schema_for(Local)


class TestLoadModel:
    """load_model validates, then converts, typed as the class it is given."""

    def test_round_trip_is_exact(self):
        model = load_model(UsageEvent, BASE_EVENT)
        assert isinstance(model, UsageEvent)
        assert isinstance(model.plan, PlanSnapshot)
        assert model == _event_model()
        assert to_json(model) == BASE_EVENT

    def test_nested_model_validates_against_its_fragment(self):
        plan = load_model(PlanSnapshot, BASE_EVENT["plan"])
        assert plan == _event_model().plan
        with pytest.raises(ModelValidationError, match="field 'plan_label'"):
            load_model(PlanSnapshot, {**BASE_EVENT["plan"], "plan_label": "Not A Label"})

    def test_error_names_model_field_and_pointer_without_the_value(self):
        secret = "SK_LIVE_" + "X" * 40
        bad = {**BASE_EVENT, "plan": {**BASE_EVENT["plan"], "plan_key": secret}}
        with pytest.raises(ModelValidationError) as caught:
            load_model(UsageEvent, bad)
        message = str(caught.value)
        assert message.startswith("UsageEvent is not valid against usage-ledger/v1/event: ")
        assert "field 'plan.plan_key' (at /plan/plan_key)" in message
        assert secret not in message
        assert isinstance(caught.value, ContractViolationError)
        assert caught.value.model == "UsageEvent"
        assert caught.value.violations[0].pointer == "/plan/plan_key"

    def test_whole_document_errors_and_counts(self):
        with pytest.raises(ModelValidationError) as caught:
            load_model(UsageEvent, [])
        assert "the document (at /)" in str(caught.value)
        missing = {key: value for key, value in BASE_EVENT.items() if key not in {"source", "quantity"}}
        with pytest.raises(ModelValidationError, match=r"\(\+1 more\)"):
            load_model(UsageEvent, missing)

    def test_schema_string_still_works(self):
        assert to_json(load_model("usage-ledger/v1/event", BASE_EVENT)) == BASE_EVENT


class TestEnsureModelValid:
    """A model built with keyword arguments is checked on request, on its exact JSON."""

    def test_valid_model_passes(self):
        ensure_model_valid(_event_model())

    def test_invalid_model_is_refused(self):
        model = dataclasses.replace(_event_model(), quantity=-1)
        with pytest.raises(ModelValidationError, match=r"field 'quantity' \(at /quantity\)"):
            ensure_model_valid(model)

    def test_plain_dict_is_not_a_model(self):
        with pytest.raises(ModelConversionError):
            ensure_model_valid(BASE_EVENT)


class TestRuntimeAcceptsModels:
    """The runtime takes models where it takes JSON, with the same answers."""

    @pytest.mark.slow  # about 1-2 s alone on 2 cores
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=instances("usage-ledger/v1/event"))
    def test_fingerprint_of_model_equals_fingerprint_of_json(self, data):
        model = load_model(UsageEvent, data)
        assert fingerprint(model) == fingerprint(data)
        assert event_violations(model) == event_violations(data) == ()

    def test_event_checks_see_the_model_json(self):
        bad = dataclasses.replace(_event_model(), source="Not A Label")
        assert event_violations(bad) == event_violations(to_json(bad))
        assert event_violations(bad)
        with pytest.raises(ContractViolationError):
            ensure_event(bad)

    def test_replay_lines_of_models_equals_replay_of_json(self):
        models = [_event_model(), dataclasses.replace(_event_model(), event_id="evt-sample-0002")]
        lines = [json.dumps(to_json(model)) for model in models]
        replay_request = ReplayRequest(
            window_start="2026-11-01T00:00:00Z", window_end="2026-11-08T00:00:00Z", suppression_threshold=1
        )
        now = "2026-11-10T00:00:00Z"
        from_models = replay_lines(models, replay_request, now=now)
        from_text = replay_lines(lines, replay_request, now=now)
        assert from_models.to_json() == from_text.to_json()
        assert from_models.counts["duplicate"] == 1

    def test_decide_on_a_typed_request(self):
        data = request([record()], "2026-06-01T00:00:00Z")
        typed = load_model(DecisionRequest, data)
        assert decide(typed) == decide(data)

    def test_apply_event_and_replay_of_lifecycle_models(self):
        data = lifecycle_event(1, "purchase", "2026-01-01T00:00:00Z", plan="pro")
        assert is_valid(data, "entitlements/v1/lifecycle-event")
        typed = load_model(LifecycleEvent, data)
        from_json_state, from_model_state = PlanSourceState(), PlanSourceState()
        assert apply_event(from_model_state, typed) == apply_event(from_json_state, data)
        assert from_model_state.to_json() == from_json_state.to_json()
        report = apply_all(PlanSourceState(), [typed, data])
        assert [result.outcome for result in report.results] == ["applied", "duplicate"]

    def test_from_json_keeps_generated_identity(self):
        assert from_json(UsageEvent, BASE_EVENT) == _event_model()
