"""``python -m saas_contracts``: the same CLI as the ``saas-contracts`` command."""

from saas_contracts.cli import main

if __name__ == "__main__":
    main(prog_name="saas-contracts")
