"""`python -m tf_longformer.demo`: the README's main command (see `tf_longformer.demo.run`)."""

import sys

from tf_longformer.cli.demo import main

sys.exit(main())
