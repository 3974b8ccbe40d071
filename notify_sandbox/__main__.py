"""`python -m notify_sandbox ...`: the same command as `notifier sandbox`, without loading the
rest of notifier's CLI (tests start many sandboxes, and this starts several times faster)."""

import typer

from notify_sandbox.cli import sandbox_command

if __name__ == "__main__":
    typer.run(sandbox_command)
