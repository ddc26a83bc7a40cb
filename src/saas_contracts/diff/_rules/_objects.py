"""Rules for the object keywords: names required, the schemas of properties and property names.

``required``, ``dependentRequired``, ``properties`` with ``patternProperties``
and ``additionalProperties``, ``propertyNames``, ``dependentSchemas``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from saas_contracts._ecma import compile_ecma
from saas_contracts.diff._generate import PALETTE, AnyKey, KeyOf, regex_samples
from saas_contracts.diff._normalize import Part
from saas_contracts.diff._rules._common import IN_PLACE, unevaluated_in_place
from saas_contracts.errors import ContractError

if TYPE_CHECKING:
    from saas_contracts.diff._compare import Ctx, Walker
    from saas_contracts.diff._normalize import Node

__all__ = [
    "compare_dependent_required",
    "compare_dependent_schemas",
    "compare_properties",
    "compare_property_names",
    "compare_required",
]


def compare_required(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = set(o.kw.get("required", [])), set(n.kw.get("required", []))
    added, removed = sorted(after - before), sorted(before - after)
    if added:
        w.emit_local(
            "required-added",
            "now required: " + ", ".join(map(repr, added)),
            o,
            n,
            ctx,
            back_ok=False,
            fwd_ok=True,
            old_at=o.where("required") if before else "",
            new_at=n.where("required"),
            hybrid_keys=("required",),
        )
    if removed:
        w.emit_local(
            "required-removed",
            "no longer required: " + ", ".join(map(repr, removed)),
            o,
            n,
            ctx,
            back_ok=True,
            fwd_ok=False,
            old_at=o.where("required"),
            new_at=n.where("required") if after else "",
            hybrid_keys=("required",),
        )


def compare_dependent_required(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = o.kw.get("dependentRequired", {}), n.kw.get("dependentRequired", {})
    for trigger in sorted(set(before) | set(after)):
        old_set, new_set = set(before.get(trigger, [])), set(after.get(trigger, []))
        if old_set == new_set:
            continue
        extra_back = [] if ctx.proof_only else w.o_gen.samples({"allOf": [o.raw, {"required": [trigger]}]}, 4)
        extra_fwd = [] if ctx.proof_only else w.n_gen.samples({"allOf": [n.raw, {"required": [trigger]}]}, 4)
        w.emit_local(
            "dependentRequired-changed",
            f"properties required with {trigger!r}: {sorted(old_set)} -> {sorted(new_set)}",
            o,
            n,
            ctx,
            back_ok=new_set <= old_set,
            fwd_ok=old_set <= new_set,
            old_at=o.where("dependentRequired", trigger) if trigger in before else "",
            new_at=n.where("dependentRequired", trigger) if trigger in after else "",
            extra_back=extra_back,
            extra_fwd=extra_fwd,
        )


def _effective(w: Walker, node: Node, side: str, name: str) -> tuple[Node, bool, bool]:
    """The schema a property ``name`` meets on one side: (node, open by default, opaque)."""
    norm = w.o_norm if side == "old" else w.n_norm
    parts: list[Part] = []
    for pattern, schema in node.kw.get("patternProperties", {}).items():
        if _search(pattern, name):
            parts.append(Part(raw=schema, base=node.where("patternProperties", pattern)))
    open_default = False
    opaque = False
    if not parts:
        if "additionalProperties" in node.kw:
            parts.append(Part(raw=node.kw["additionalProperties"], base=node.where("additionalProperties")))
        elif "unevaluatedProperties" in node.kw:
            parts.append(Part(raw=node.kw["unevaluatedProperties"], base=node.where("unevaluatedProperties")))
            opaque = any(key in node.kw for key in (*IN_PLACE, "$ref"))
        else:
            parts.append(Part(raw=True, base=node.where("additionalProperties")))
            open_default = True
    return norm.conjunction(parts), open_default, opaque


def compare_properties(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:  # noqa: C901
    o_props: dict[str, Any] = o.kw.get("properties", {})
    n_props: dict[str, Any] = n.kw.get("properties", {})
    for name in sorted(set(o_props) | set(n_props)):
        inner = ctx.step(name)
        if name in o_props and name in n_props:
            w.walk(w.child(o, "old", "properties", name), w.child(n, "new", "properties", name), inner)
            continue
        if name in n_props:
            before, open_default, opaque = _effective(w, o, "old", name)
            after = w.n_norm.conjunction(
                [
                    Part(raw=n_props[name], base=n.where("properties", name)),
                    *_pattern_parts(n, name),
                ],
            )
            differs, back_ok, fwd_ok = w.decide(before, after, inner)
            if not differs:
                continue
            note = ""
            if open_default and not back_ok:
                note = (
                    "the object was open: old data may already use this name with any value "
                    "(strictly backward-breaking)"
                )
                if w.policy.lenient_open_content:
                    back_ok = True
                    note = (
                        "compatible under the lenient open-content policy "
                        "(assumes old data never used this name)"
                    )
            w.emit_local(
                "property-added",
                f"property {name!r} declared",
                before,
                after,
                inner.opaque() if opaque else inner,
                back_ok=back_ok,
                fwd_ok=fwd_ok,
                old_at=before.base if not open_default else "",
                new_at=n.where("properties", name),
                extra_back=PALETTE,
                extra_fwd=PALETTE,
                note=note,
            )
        else:
            after, _, opaque = _effective(w, n, "new", name)
            before = w.o_norm.conjunction(
                [
                    Part(raw=o_props[name], base=o.where("properties", name)),
                    *_pattern_parts(o, name),
                ],
            )
            differs, back_ok, fwd_ok = w.decide(before, after, inner)
            if not differs:
                continue
            w.emit_local(
                "property-removed",
                f"property {name!r} no longer declared",
                before,
                after,
                inner.opaque() if opaque else inner,
                back_ok=back_ok,
                fwd_ok=fwd_ok,
                old_at=o.where("properties", name),
                new_at=after.base,
                extra_back=PALETTE,
                extra_fwd=PALETTE,
            )
    o_pat: dict[str, Any] = o.kw.get("patternProperties", {})
    n_pat: dict[str, Any] = n.kw.get("patternProperties", {})
    declared = frozenset(o_props) | frozenset(n_props)
    for pattern in sorted(set(o_pat) | set(n_pat)):
        keys = [key for key in regex_samples(pattern, 8) if key not in declared] or ["k"]
        inner = ctx.step(keys[0])
        if pattern in o_pat and pattern in n_pat:
            w.walk(
                w.child(o, "old", "patternProperties", pattern),
                w.child(n, "new", "patternProperties", pattern),
                inner,
            )
            continue
        before = _effective(w, o, "old", keys[0])[0]
        after = _effective(w, n, "new", keys[0])[0]
        differs, back_ok, fwd_ok = w.decide(before, after, inner)
        # Only a closed side (additionalProperties: false, no other pattern) is decided:
        # it accepted no undeclared name, so the pattern only lets names in.
        added = pattern in n_pat
        closed, other_pat = (o, o_pat) if added else (n, n_pat)
        only_opens = (
            closed.kw.get("additionalProperties") is False
            and not other_pat
            and not any(_search(pattern, name) for name in declared)
            and not unevaluated_in_place(o, "unevaluatedProperties")
            and not unevaluated_in_place(n, "unevaluatedProperties")
        )
        w.emit_local(
            "patternProperties-added" if pattern in n_pat else "patternProperties-removed",
            f"patternProperties {pattern!r} {'added' if pattern in n_pat else 'removed'}",
            before,
            after,
            inner,
            back_ok=only_opens and added,
            fwd_ok=only_opens and not added,
            extra_back=PALETTE,
            extra_fwd=PALETTE,
            old_at=o.where("patternProperties", pattern) if pattern in o_pat else "",
            new_at=n.where("patternProperties", pattern) if pattern in n_pat else "",
            note=""
            if only_opens
            else "which names a pattern covers is not decided; the verdict rests on sampled names",
        )
        del differs, back_ok, fwd_ok
    if unevaluated_in_place(o, "unevaluatedProperties") or unevaluated_in_place(n, "unevaluatedProperties"):
        return  # _unevaluated decides names no applicator declares
    before_key = _other_key(o)
    after_key = _other_key(n)
    if before_key is None and after_key is None:
        return
    w.walk(
        w.child(o, "old", before_key or "additionalProperties"),
        w.child(n, "new", after_key or "additionalProperties"),
        ctx.step(AnyKey(declared)),
    )


def _pattern_parts(node: Node, name: str) -> list[Part]:
    return [
        Part(raw=schema, base=node.where("patternProperties", pattern))
        for pattern, schema in node.kw.get("patternProperties", {}).items()
        if _search(pattern, name)
    ]


def compare_property_names(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    if "propertyNames" in o.kw or "propertyNames" in n.kw:
        w.walk(
            w.child(o, "old", "propertyNames"),
            w.child(n, "new", "propertyNames"),
            ctx.step(KeyOf()),
        )


def compare_dependent_schemas(w: Walker, o: Node, n: Node, ctx: Ctx) -> None:
    before, after = o.kw.get("dependentSchemas", {}), n.kw.get("dependentSchemas", {})
    for trigger in sorted(set(before) | set(after)):
        guard = {"required": [trigger]}
        old_node = w.o_norm.conjunction(
            [
                Part(raw=before.get(trigger, True), base=o.where("dependentSchemas", trigger)),
                Part(raw=guard, base=o.where("dependentSchemas", trigger)),
            ]
        )
        new_node = w.n_norm.conjunction(
            [
                Part(raw=after.get(trigger, True), base=n.where("dependentSchemas", trigger)),
                Part(raw=guard, base=n.where("dependentSchemas", trigger)),
            ]
        )
        saved = w.seeds
        if not ctx.proof_only:
            w.seeds = [
                *saved,
                *w.o_gen.samples({"allOf": [o.raw, guard]}, 4),
                *w.n_gen.samples({"allOf": [n.raw, guard]}, 4),
            ]
        w.walk(old_node, new_node, replace(ctx, depth=ctx.depth + 1))
        w.seeds = saved


def _other_key(node: Node) -> str | None:
    """Which keyword governs names no ``properties``/``patternProperties`` entry declares."""
    for key in ("additionalProperties", "unevaluatedProperties"):
        if key in node.kw:
            return key
    return None


def _search(pattern: str, text: str) -> bool:
    try:
        return bool(compile_ecma(pattern).search(text))
    except ContractError:
        return False
