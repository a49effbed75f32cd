"""`python -m assistant` is the same program as `assistant`."""

from assistant.cli.app import main

main()
