from __future__ import annotations

from e820scope.cli.main import main

main()
