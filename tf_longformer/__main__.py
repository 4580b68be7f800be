"""`python -m tf_longformer ...` runs the `tf-longformer` command."""

import sys

from tf_longformer.cli import main

sys.exit(main())
