"""``python -m policykg``."""

from .cli import main

main()
