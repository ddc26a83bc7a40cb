"""Public models of the entitlements contract, one module per major (see scripts/codegen.py). DO NOT EDIT."""
