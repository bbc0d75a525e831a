"""Banks as an organisation tree (head office > branch > outlet) and regulators."""
