"""Schema revisions of the case registry, oldest first (``r0001_…``)."""
