"""Field endpoints: thin views over app/field (pushes go through /api/v1/sync/push)."""
from flask_smorest import Blueprint

from app.auth import tokens
from app.field import sync
from app.field.schemas import FieldPullSchema, PullArgsSchema

blp = Blueprint("field", __name__, url_prefix="/api/v1/field",
                description="入村走访 Field work: grid workers and mobile teams")


@blp.route("/pull", methods=["GET"])
@tokens.login_required("field.sync")
@blp.arguments(PullArgsSchema, location="query")
@blp.response(200, FieldPullSchema)
def pull(args):
    """Her villages (with boundaries), their points, alerts in force, and her visits,
    talks and visit business after `cursor`."""
    return sync.pull(tokens.current_user(), args["cursor"], args["limit"])
