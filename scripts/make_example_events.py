"""Generate the bundled example usage events (deterministic).

Writes, from a fixed seed:

* ``examples/products/image-renders/rows.jsonl`` and ``examples/products/chat-messages/rows.jsonl``:
  sample D1 rows of the two example products (the first rows of each);
* ``examples/data/usage-events.jsonl``: both products' rows mapped through their
  adapters into the shared envelope, interleaved by time, with the anomalies a
  real stream has: re-sent duplicates (keys reordered, ``5.0`` spellings, later
  ``recorded_at``), conflicts (same key, different quantity), late events,
  events outside the README's replay window, events dated far in the future,
  truncated JSON lines, schema violations (a raw id as subject) and blank lines.

Usage: ``python scripts/make_example_events.py [--rows N] [--check]``; ``--check``
fails when the committed files differ from what the generator makes.

The redaction key below is an example-only key, public on purpose; a real
product keeps its key secret.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = ROOT / "examples" / "products"
EVENTS = ROOT / "examples" / "data" / "usage-events.jsonl"
EXAMPLE_KEY = b"example-only-redaction-key-0001"
SEED = 20261121
WINDOW_START = 1_792_022_400  # 2026-10-15T00:00:00Z
WINDOW_END = 1_794_614_400  # 2026-11-14T00:00:00Z
SAMPLE_ROWS = 25


def _load_adapter(product: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"example_adapter_{product.replace('-', '_')}", PRODUCTS / product / "adapter.py"
    )
    if spec is None or spec.loader is None:
        raise ImportError(product)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _token(rng: random.Random, alphabet: str, size: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def _sqlite_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def render_rows(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """D1 ``renders`` rows, as the product stores them."""
    b32 = "0123456789abcdefghjkmnpqrstvwxyz"
    teams = [f"team_{_token(rng, b32, 10)}" for _ in range(40)]
    plans = ["studio-free", "studio-pro-2026", "studio-team-annual"]
    rows = []
    for _ in range(count):
        created = rng.randint(WINDOW_START - 4 * 86_400, WINDOW_END + 2 * 86_400)
        kind = "upscale" if rng.random() < 0.2 else "generate"
        side = rng.choice([512, 768, 1024, 1536])
        job = f"rnd_{_token(rng, b32, 20)}"
        rows.append(
            {
                "id": job,
                "team_id": rng.choice(teams),
                "user_id": f"user_{_token(rng, b32, 12)}",
                "kind": kind,
                "status": rng.choices(["succeeded", "failed", "running"], weights=[92, 6, 2])[0],
                "plan_slug": rng.choices(plans, weights=[5, 3, 2])[0],
                "model": rng.choice(["flux-schnell", "sdxl-turbo"]),
                "image_count": rng.choice([1, 2, 4]) if kind == "generate" else 1,
                "width": side,
                "height": side,
                "r2_output_key": f"renders/{job}/0.png",
                "provider_prediction_id": _token(rng, b32, 24),
                "created_at": created,
                "completed_at": created + rng.randint(3, 40),
            },
        )
    return sorted(rows, key=lambda row: (row["created_at"], row["id"]))


def chat_rows(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """D1 ``messages`` rows, as the product stores them."""
    accounts = [f"acct_{rng.randint(1000, 99999)}" for _ in range(60)]
    tiers = ["Starter", "Team", "Business"]
    rows = []
    for number in range(count):
        sent = rng.randint(WINDOW_START - 4 * 86_400, WINDOW_END + 2 * 86_400)
        role = rng.choices(["user", "assistant", "system"], weights=[48, 48, 4])[0]
        rows.append(
            {
                "message_id": 500_000 + number,
                "conversation_id": f"conv_{_token(rng, '0123456789abcdef', 16)}",
                "account_id": rng.choice(accounts),
                "author_user_id": rng.randint(1, 5000),
                "role": role,
                "model": rng.choice(["small-chat", "large-chat"]),
                "prompt_tokens": rng.randint(20, 2000),
                "completion_tokens": rng.randint(10, 1500) if role == "assistant" else 0,
                "tier": rng.choices(tiers, weights=[6, 3, 1])[0],
                "tier_version": rng.choice([6, 7]),
                "sent_at": _sqlite_time(sent),
                "inserted_at": _sqlite_time(sent + rng.randint(0, 3)),
                "gateway_log_id": _token(rng, "0123456789abcdef", 32),
                "body": "(message text stays in the product)",
            },
        )
    return sorted(rows, key=lambda row: (row["sent_at"], row["message_id"]))


def _shift(stamp: str, seconds: int) -> str:
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(event: dict[str, Any], rng: random.Random) -> str:
    return json.dumps(event, separators=(",", ":"), sort_keys=rng.random() < 0.5)


def stream(events: list[dict[str, Any]], rng: random.Random) -> list[str]:
    """Serialize events into JSON Lines with realistic anomalies mixed in."""
    lines: list[str] = []
    for event in events:
        roll = rng.random()
        if roll < 0.02:  # late: recorded five days after it occurred
            event = {**event, "recorded_at": _shift(event["occurred_at"], 5 * 86_400)}  # noqa: PLW2901
        lines.append(_line(event, rng))
        roll = rng.random()
        if roll < 0.05:  # a retry: same business content, keys reordered, 5 -> 5.0, new receipt time
            resent = dict(reversed(list(event.items())))
            resent["recorded_at"] = resent["recorded_at"][:17] + "59Z"
            text = json.dumps(resent, separators=(", ", ": "))
            lines.append(
                text.replace(f'"quantity": {event["quantity"]},', f'"quantity": {event["quantity"]}.0,')
            )
        elif roll < 0.06:  # a conflict: same scope, different quantity
            lines.append(_line({**event, "quantity": int(event["quantity"]) + 1}, rng))
        elif roll < 0.065:  # a broken line: truncated mid-write
            text = _line(event, rng)
            lines.append(text[: len(text) // 2])
        elif roll < 0.07:  # a schema violation: a raw account id instead of a redacted reference
            lines.append(_line({**event, "subject": "acct_" + str(rng.randint(1000, 99999))}, rng))
        elif roll < 0.073:  # a clock gone wrong: dated far in the future
            lines.append(
                _line(
                    {**event, "occurred_at": "2099-01-01T00:00:00Z", "recorded_at": "2099-01-01T00:00:01Z"},
                    rng,
                )
            )
        elif roll < 0.075:
            lines.append("")
    return lines


def build(rows_per_product: int) -> dict[Path, str]:
    """Every generated file and its content."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible example data, not secrets
    renders = render_rows(rng, rows_per_product)
    messages = chat_rows(rng, rows_per_product)
    render_adapter, chat_adapter = _load_adapter("image-renders"), _load_adapter("chat-messages")
    events = [
        *render_adapter.adapt_rows(renders, key=EXAMPLE_KEY),
        *chat_adapter.adapt_rows(messages, key=EXAMPLE_KEY),
    ]
    events.sort(key=lambda event: (event["occurred_at"], event["event_id"]))

    def jsonl(items: list[Any]) -> str:
        return "".join(json.dumps(item, sort_keys=True) + "\n" for item in items)

    return {
        PRODUCTS / "image-renders" / "rows.jsonl": jsonl(renders[:SAMPLE_ROWS]),
        PRODUCTS / "chat-messages" / "rows.jsonl": jsonl(messages[:SAMPLE_ROWS]),
        EVENTS: "".join(line + "\n" for line in stream(events, rng)),
    }


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) the generated files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=2400, help="rows per product (default 2400)")
    parser.add_argument("--check", action="store_true", help="fail if the committed files are out of date")
    options = parser.parse_args(argv)
    stale = []
    for path, content in build(options.rows).items():
        if options.check:
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                stale.append(path.relative_to(ROOT))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)} ({content.count(chr(10))} lines)")
    if stale:
        print(
            "out of date (run scripts/make_example_events.py): " + ", ".join(map(str, stale)), file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
