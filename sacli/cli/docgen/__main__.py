"""``python -m sacli.cli.docgen``: rewrite the README parts, the man page and the completion scripts."""

from sacli.cli.docgen import main

raise SystemExit(main())
