"""Terminals: listed and added under their point, changed and removed by id."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.tokens import current_user, login_required
from app.registry.terminals import services
from app.registry.terminals.schemas import (
    TerminalCreateSchema,
    TerminalRemoveSchema,
    TerminalSchema,
    TerminalUpdateSchema,
)

blp = Blueprint("terminals", __name__, url_prefix="/api/v1", description="机具 Terminals")


@blp.route("/service-points/<int:point_id>/terminals")
class PointTerminals(MethodView):
    @login_required()
    @blp.response(200, TerminalSchema(many=True))
    def get(self, point_id):
        """The point's terminals, removed ones included (with removed_on)."""
        return services.list_terminals(current_user(), point_id)

    @login_required("terminals.write")
    @blp.arguments(TerminalCreateSchema)
    @blp.response(201, TerminalSchema)
    def post(self, data, point_id):
        """Install a terminal at a point in your scope."""
        return services.add_terminal(current_user(), point_id, data)


@blp.route("/terminals/<int:terminal_id>")
class TerminalById(MethodView):
    @login_required()
    @blp.response(200, TerminalSchema)
    def get(self, terminal_id):
        """One terminal of a point in your scope."""
        return services.get_terminal(current_user(), terminal_id)

    @login_required("terminals.write")
    @blp.arguments(TerminalUpdateSchema)
    @blp.response(200, TerminalSchema)
    def patch(self, data, terminal_id):
        """Correct a terminal's codes, serial, kind or installation date."""
        return services.update_terminal(current_user(), terminal_id, data)


@blp.route("/terminals/<int:terminal_id>/remove")
class RemoveTerminal(MethodView):
    @login_required("terminals.write")
    @blp.arguments(TerminalRemoveSchema)
    @blp.response(200, TerminalSchema)
    def post(self, data, terminal_id):
        """Record that a terminal was taken away (removed_on, default today)."""
        return services.remove_terminal(current_user(), terminal_id, data)
