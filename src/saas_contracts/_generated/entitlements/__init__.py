"""Generated bindings (see scripts/codegen.py). DO NOT EDIT."""
