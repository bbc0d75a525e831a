"""Administrative regions: browse the tree, search by name or code."""
