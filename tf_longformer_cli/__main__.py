"""`python -m tf_longformer_cli ...` runs the `tf-longformer` command."""

import sys

from tf_longformer_cli import main

sys.exit(main())
