"""`python -m tf_longformer.demo`: the README's main command (see `tf_longformer.demo.run`)."""

import sys

from tf_longformer.demo.command import main

sys.exit(main())
