import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._support import ROOT
from tests.strategies import instances

from saas_contracts import ContractError, ContractViolationError
from saas_contracts._registry import default_catalog
from saas_contracts.models import ModelConversionError, from_json, load_model, model_for, to_json

# Schemas whose root is an object get a generated root dataclass.
OBJECT_SCHEMAS = [info.name for info in default_catalog() if info.contents.get("type") == "object"]
# Fixture documents nest whole envelopes under per-vector expectations; random generation
# cannot satisfy their cross-field rules, so they round-trip on the real packaged fixtures.
EXAMPLE_ONLY = {name for name in OBJECT_SCHEMAS if name.endswith("/core-fixture")}
FIXTURES = sorted((ROOT / "fixtures").glob("*.core-fixture.json"))


def _canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False).encode()


@pytest.mark.parametrize("schema", OBJECT_SCHEMAS)
def test_every_object_schema_has_a_root_dataclass(schema):
    """model_for finds a frozen, keyword-only dataclass for each object schema."""
    model = model_for(schema)
    assert dataclasses.is_dataclass(model)
    assert getattr(model, "__dataclass_params__").frozen  # noqa: B009 - mypy does not know the attribute


@pytest.mark.slow  # ~130 s, two thirds of the suite: 25 generated instances per schema
@pytest.mark.parametrize("schema", sorted(set(OBJECT_SCHEMAS) - EXAMPLE_ONLY))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_round_trip_is_exact(schema, data):
    """Property: dict -> dataclass -> dict gives the same canonical bytes."""
    instance = data.draw(instances(schema))
    model = load_model(schema, instance)
    assert _canonical(to_json(model)) == _canonical(instance)
    assert to_json(from_json(type(model), to_json(model))) == to_json(model)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_packaged_fixtures_round_trip(path):
    """The real core fixtures convert to their dataclasses and back, exactly."""
    document = json.loads(path.read_text(encoding="utf-8"))
    schema = {
        "usage-event-ledger": "usage-ledger/v1/core-fixture",
        "entitlement-plan-source": "entitlements/v1/core-fixture",
    }[document["candidate"]]
    assert _canonical(to_json(load_model(schema, document))) == _canonical(document)


class TestConversionErrors:
    """Conversion refuses JSON that does not fit."""

    def test_invalid_json_is_refused_before_conversion(self):
        """load_model validates first and raises ContractViolationError."""
        schema = OBJECT_SCHEMAS[0]
        with pytest.raises(ContractViolationError):
            load_model(schema, {"unexpected": True})

    def test_unknown_property(self):
        """from_json on an unknown key raises ModelConversionError (a ContractError, TypeError)."""
        model = model_for(OBJECT_SCHEMAS[0])
        with pytest.raises(ModelConversionError) as caught:
            from_json(model, {"surely_not_a_field": 1})
        assert isinstance(caught.value, ContractError)
        assert isinstance(caught.value, TypeError)

    def test_to_json_needs_a_dataclass(self):
        """Plain dicts are not models."""
        with pytest.raises(ModelConversionError):
            to_json({"a": 1})
