"""/api/v1/service-points: list, create, read, update, status changes, history."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.tokens import current_user, login_required
from app.core.paging import PageArgsSchema
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
    @login_required()
    @blp.arguments(PointQueryArgsSchema, location="query")
    @blp.response(200, PointPageSchema)
    def get(self, args):
        """Points in your scope, filtered by region prefix, bank subtree, status, bbox, text."""
        return services.list_points(current_user(), args)

    @login_required("points.write")
    @blp.arguments(PointCreateSchema)
    @blp.response(201, PointSchema)
    def post(self, data):
        """Register a point for a bank in your subtree (admin: any bank)."""
        return services.create_point(current_user(), data)


@blp.route("/<int:point_id>")
class ServicePointById(MethodView):
    @login_required()
    @blp.response(200, PointSchema)
    def get(self, point_id):
        """One point with its terminals."""
        return services.get_point(current_user(), point_id)

    @login_required("points.write")
    @blp.arguments(PointUpdateSchema)
    @blp.response(200, PointSchema)
    def patch(self, data, point_id):
        """Correct registry fields; the status changes only through suspend/close/reopen."""
        return services.update_point(current_user(), point_id, data)


@blp.route("/<int:point_id>/suspend")
class SuspendPoint(MethodView):
    @login_required("points.write")
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, PointSchema)
    def post(self, data, point_id):
        """暂停 Suspend an active point (reason required)"""
        return services.suspend_point(current_user(), point_id, data["reason"])


@blp.route("/<int:point_id>/close")
class ClosePoint(MethodView):
    @login_required("points.write")
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, PointSchema)
    def post(self, data, point_id):
        """撤销 Close a point (reason required)"""
        return services.close_point(current_user(), point_id, data["reason"])


@blp.route("/<int:point_id>/reopen")
class ReopenPoint(MethodView):
    @login_required("points.write")
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, PointSchema)
    def post(self, data, point_id):
        """恢复 Reopen a suspended or closed point (reason required)"""
        return services.reopen_point(current_user(), point_id, data["reason"])


@blp.route("/<int:point_id>/history")
class PointHistory(MethodView):
    @login_required()
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, HistoryPageSchema)
    def get(self, args, point_id):
        """Every change to the point and its terminals: who, when, action, before/after."""
        return services.point_history(current_user(), point_id, args)
