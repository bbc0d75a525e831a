"""People: keepers, grid workers, field agents, supervisors, regulators, admins; devices."""
