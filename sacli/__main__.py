"""``python -m sacli``."""

from sacli.entry import main

main()
