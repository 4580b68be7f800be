"""`python -m tf_longformer.demo`: the same as `tf-longformer demo`."""

import sys

from tf_longformer_cli.demo import main

sys.exit(main())
