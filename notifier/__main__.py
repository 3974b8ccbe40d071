"""`python -m notifier` runs the CLI (used by `notifier dev` to start its children)."""

from notifier.cli import main

main()
