"""flask CLI groups: demo data, imports, maintenance."""


def register(app):
    from app.coverage.cli import coverage_cli
    from app.demo.cli import demo_cli
    from app.imports.cli import registry_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(registry_cli)
    app.cli.add_command(coverage_cli)
