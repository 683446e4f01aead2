"""`python -m ecsprep` runs the same app as the `ecsprep` console script."""

from ecsprep.ui.app import main

if __name__ == "__main__":
    main()
