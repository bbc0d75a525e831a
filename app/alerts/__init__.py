"""Risk alerts (风险提示, e.g. 反电诈 anti-fraud warnings): regulators publish them for
their region, every device in the region pulls them until they end."""

