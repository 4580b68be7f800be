"""`python -m tf_longformer ...` runs the `tf-longformer` command (which starts faster on its own)."""

import sys

from tf_longformer_cli import main

sys.exit(main())
