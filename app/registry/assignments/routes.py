"""/api/v1/grid-assignments: which grid worker covers which village."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.tokens import current_user, login_required
from app.registry.assignments import services
from app.registry.assignments.schemas import (
    AssignmentCreateSchema,
    AssignmentEndSchema,
    AssignmentPageSchema,
    AssignmentQueryArgsSchema,
    AssignmentSchema,
)

blp = Blueprint("grid_assignments", __name__, url_prefix="/api/v1/grid-assignments",
                description="网格员驻村 Grid-worker assignments")


@blp.route("")
class Assignments(MethodView):
    @login_required()
    @blp.arguments(AssignmentQueryArgsSchema, location="query")
    @blp.response(200, AssignmentPageSchema)
    def get(self, args):
        """Assignments in your scope."""
        return services.list_assignments(current_user(), args)

    @login_required("assignments.write")
    @blp.arguments(AssignmentCreateSchema)
    @blp.response(201, AssignmentSchema)
    def post(self, data):
        """Assign a grid worker to a village (409 if it has one, unless replace: true)."""
        return services.assign(current_user(), data)


@blp.route("/<int:assignment_id>")
class AssignmentById(MethodView):
    @login_required()
    @blp.response(200, AssignmentSchema)
    def get(self, assignment_id):
        """One assignment."""
        return services.get_assignment(current_user(), assignment_id)


@blp.route("/<int:assignment_id>/end")
class EndAssignment(MethodView):
    @login_required("assignments.write")
    @blp.arguments(AssignmentEndSchema)
    @blp.response(200, AssignmentSchema)
    def post(self, data, assignment_id):
        """End an assignment (ends_on, default today)."""
        return services.end_assignment(current_user(), assignment_id, data)
