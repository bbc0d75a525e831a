"""/api/v1/service-points: list, create, read, update, status changes, history."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import tokens
from app.auth.tokens import current_user
from app.registry.common import PageArgsSchema
from app.registry.points import services
from app.registry.points.schemas import (
    HistoryPageSchema,
    PointCreateSchema,
    PointPageSchema,
    PointQueryArgsSchema,
    PointSchema,
    PointUpdateSchema,
    StatusChangeSchema,
)

blp = Blueprint("service_points", __name__, url_prefix="/api/v1/service-points",
                description="服务点 Service points")


@blp.route("")
class ServicePoints(MethodView):
    @tokens.login_required()
    @blp.arguments(PointQueryArgsSchema, location="query")
    @blp.response(200, PointPageSchema)
    def get(self, args):
        """Points in your scope, filtered by region prefix, bank subtree, status, bbox, text."""
        return services.list_points(current_user(), args)

    @tokens.login_required("points.write")
    @blp.arguments(PointCreateSchema)
    @blp.response(201, PointSchema)
    def post(self, data):
        """Register a point for a bank in your subtree (admin: any bank)."""
        return services.create_point(current_user(), data)


@blp.route("/<int:point_id>")
class ServicePointById(MethodView):
    @tokens.login_required()
    @blp.response(200, PointSchema)
    def get(self, point_id):
        """One point with its terminals."""
        return services.get_point(current_user(), point_id)

    @tokens.login_required("points.write")
    @blp.arguments(PointUpdateSchema)
    @blp.response(200, PointSchema)
    def patch(self, data, point_id):
        """Correct registry fields; the status changes only through suspend/close/reopen."""
        return services.update_point(current_user(), point_id, data)


def _status_route(action, summary):
    @tokens.login_required("points.write")
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, PointSchema)
    @blp.doc(summary=summary)
    def view(data, point_id):
        return services.change_status(current_user(), point_id, action, data["reason"])

    view.__name__ = f"{action}_point"
    blp.route(f"/<int:point_id>/{action}", methods=["POST"])(view)


_status_route("suspend", "暂停 Suspend an active point (reason required)")
_status_route("close", "撤销 Close a point (reason required)")
_status_route("reopen", "恢复 Reopen a suspended or closed point (reason required)")


@blp.route("/<int:point_id>/history")
@tokens.login_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, HistoryPageSchema)
def point_history(args, point_id):
    """Every change to the point and its terminals: who, when, action, before/after."""
    return services.point_history(current_user(), point_id, args)
