"""Field endpoints: thin views over app/field (pushes go through /api/v1/sync/push)."""
from flask_smorest import Blueprint

from app.auth import tokens
from app.field import services, sync
from app.field.schemas import FieldPullSchema, PullArgsSchema, VisitPageSchema, VisitQueryArgsSchema

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


visits_blp = Blueprint("visits", __name__, url_prefix="/api/v1/visits",
                       description="走访记录 Visits to villages")


@visits_blp.route("", methods=["GET"])
@tokens.login_required("visits.read")
@visits_blp.arguments(VisitQueryArgsSchema, location="query")
@visits_blp.response(200, VisitPageSchema)
def list_visits(args):
    """Visits in scope with their business totals, newest first: a field worker her
    own, a supervisor her bank's, a regulator her region's."""
    return services.list_visits(tokens.current_user(), args)
