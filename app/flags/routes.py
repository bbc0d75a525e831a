"""The flag queue for supervisors and regulators; reviews by supervisors."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import tokens
from app.flags import services
from app.flags.schemas import FlaggedItemSchema, FlagPageSchema, FlagQueryArgsSchema, ReviewBodySchema

blp = Blueprint("flags", __name__, url_prefix="/api/v1/flags", description="标记复核 Flag review")


@blp.route("")
class FlagQueue(MethodView):
    @tokens.login_required("flags.read")
    @blp.arguments(FlagQueryArgsSchema, location="query")
    @blp.response(200, FlagPageSchema)
    def get(self, args):
        """Flagged records of the points in scope, newest first, each with its review;
        `reviewed=false` is the queue still to work through."""
        return services.list_flagged(tokens.current_user(), args)


@blp.route("/<uuid:entry_id>/review")
class FlagReviewResource(MethodView):
    @tokens.login_required("flags.review")
    @blp.arguments(ReviewBodySchema)
    @blp.response(200, FlaggedItemSchema)
    def put(self, body, entry_id):
        """Mark a flagged record reviewed with a note (again to change the note)."""
        return services.review(tokens.current_user(), str(entry_id), body["note"])
