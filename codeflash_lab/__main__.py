"""``python -m codeflash_lab``: the command-line interface."""

from codeflash_lab.cli import main

raise SystemExit(main())
