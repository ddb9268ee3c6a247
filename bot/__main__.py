"""`python -m bot` is the same as the `palaver` command."""

from bot.cli import main

main()
