"""nnplug on Ray: the ``ray`` executor runs every trial as a Ray task (``bin/train --executor=ray``)."""
