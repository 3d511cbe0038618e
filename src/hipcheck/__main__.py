"""``python -m hipcheck``: the same as the ``hipcheck`` command."""

from hipcheck.cli import main

if __name__ == "__main__":
    main()
