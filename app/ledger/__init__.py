"""The ledger as supervisors, regulators and admins see it: scoped lists of register
records (flagged ones first among their worries) and the daily rollups."""

