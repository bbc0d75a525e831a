"""Sync endpoints: thin views over app/sync/services.py."""
from flask import g, jsonify
from flask_smorest import Blueprint

from app.auth import tokens
from app.security import own_string_checks
from app.sync import services
from app.sync.schemas import PullArgsSchema, PullSchema, PushResponseSchema, PushSchema

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="离线同步 Offline sync")


@blp.route("/push", methods=["POST"])
@own_string_checks("records")  # app/sync/records.py refuses a bad record on its own
@tokens.login_required()
@blp.arguments(PushSchema)
@blp.response(200, PushResponseSchema)
@blp.alt_response(413, description="More than 1,000 records in the batch")
def push(body):
    """Push a batch of register records; one result per record, in order, after commit."""
    user = tokens.current_user()
    device_id = services.push_device_id(g.token, user, body.get("device_id"))
    results = services.push(user, device_id, body["records"])
    # Plain JSON: the results are built by the service in their final shape, and a
    # schema dump of 1,000 results would cost more than the insert.
    return jsonify(results=results)


@blp.route("/pull", methods=["GET"])
@tokens.login_required()
@blp.arguments(PullArgsSchema, location="query")
@blp.response(200, PullSchema)
def pull(args):
    """The keeper's point, limits in force, risk alerts and records after `cursor`."""
    return services.pull(tokens.current_user(), args["cursor"], args["limit"])
