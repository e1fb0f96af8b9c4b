"""`python -m pypedream.cli`: the same as the `pypedream` command."""

import sys

from pypedream.cli.main import main

sys.exit(main())
