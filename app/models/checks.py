"""CHECK constraints built from the tuples the code validates against, so the database
and the schemas state each rule once."""
from sqlalchemy import CheckConstraint


def one_of_sql(column: str, values) -> str:
    return f"{column} in (" + ",".join(f"'{v}'" for v in values) + ")"


def one_of(column: str, values, name: str) -> CheckConstraint:
    """CHECK that `column` holds one of `values`."""
    return CheckConstraint(one_of_sql(column, values), name=name)
