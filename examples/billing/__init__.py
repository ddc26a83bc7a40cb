"""Example billing-provider adapters: provider webhook payloads -> neutral lifecycle events.

These belong to a product template, not to core: core never imports them.
Mapping tables live in ``mappings/*.json``; synthetic payload sequences in
``payloads/``. No real ids, keys or secrets appear anywhere here.
"""
