"""Field endpoints: thin views over app/field (pushes go through /api/v1/sync/push)."""
from flask import g
from flask_smorest import Blueprint

from app.alerts.schemas import AckSummarySchema
from app.auth import tokens
from app.core.paging import PageArgsSchema
from app.field import acks, inspections, requests, services, sync, teams, trainings
from app.field.schemas import (
    TrainingCreateSchema,
    TrainingPageSchema,
    TrainingSchema,
    UntrainedArgsSchema,
    UntrainedPageSchema,
    MemberSchema,
    PlanCreateSchema,
    PlanPageSchema,
    PlanQueryArgsSchema,
    PlanSchema,
    TeamCreateSchema,
    TeamPageSchema,
    TeamSchema,
    AlertAckSchema,
    AssignSchema,
    CloseSchema,
    DuePageSchema,
    DueQueryArgsSchema,
    FindingPageSchema,
    FindingQueryArgsSchema,
    FindingSchema,
    FixSchema,
    InspectionCreateSchema,
    InspectionItemSchema,
    InspectionPageSchema,
    InspectionQueryArgsSchema,
    FieldPullSchema,
    PullArgsSchema,
    RequestCreateSchema,
    RequestItemSchema,
    RequestPageSchema,
    RequestQueryArgsSchema,
    ResolveSchema,
    VisitPageSchema,
    VisitQueryArgsSchema,
)

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


acks_blp = Blueprint("alert_acks", __name__, url_prefix="/api/v1/alerts",
                     description="风险提示确认 Risk-alert acknowledgements")


@acks_blp.route("/<int:alert_id>/ack", methods=["POST"])
@tokens.login_required("alerts.ack")
@acks_blp.response(200, AlertAckSchema)
def acknowledge(alert_id):
    """I have read this alert (idempotent: a second call answers the first)."""
    user = tokens.current_user()
    return acks.acknowledge(user, alert_id, g.token.device_id)


@acks_blp.route("/<int:alert_id>/acks", methods=["GET"])
@tokens.login_required("alerts.publish")
@acks_blp.response(200, AckSummarySchema)
def ack_summary(alert_id):
    """Who in the alert's region has acknowledged it: count, rate by child region, and
    who has not yet."""
    return acks.summary(tokens.current_user(), alert_id)


requests_blp = Blueprint("requests", __name__, url_prefix="/api/v1/requests",
                         description="村民诉求 Villagers' requests")


@requests_blp.route("", methods=["GET"])
@tokens.login_required("requests.read")
@requests_blp.arguments(RequestQueryArgsSchema, location="query")
@requests_blp.response(200, RequestPageSchema)
def list_requests(args):
    """Requests in scope, overdue ones first."""
    return requests.list_requests(tokens.current_user(), args)


@requests_blp.route("", methods=["POST"])
@tokens.login_required("requests.create")
@requests_blp.arguments(RequestCreateSchema)
@requests_blp.response(201, RequestItemSchema)
def create_request(body):
    """Take a request online (offline: a `request` record in the sync push)."""
    return requests.create(tokens.current_user(), body)


@requests_blp.route("/<uuid:request_id>", methods=["GET"])
@tokens.login_required("requests.read")
@requests_blp.response(200, RequestItemSchema)
def get_request(request_id):
    return requests.get(tokens.current_user(), request_id)


@requests_blp.route("/<uuid:request_id>/assign", methods=["POST"])
@tokens.login_required("requests.assign")
@requests_blp.arguments(AssignSchema)
@requests_blp.response(200, RequestItemSchema)
def assign_request(body, request_id):
    return requests.assign(tokens.current_user(), request_id, body["assignee_id"])


@requests_blp.route("/<uuid:request_id>/resolve", methods=["POST"])
@tokens.login_required("requests.resolve")
@requests_blp.arguments(ResolveSchema)
@requests_blp.response(200, RequestItemSchema)
def resolve_request(body, request_id):
    """Resolved, with what was done."""
    return requests.resolve(tokens.current_user(), request_id, body["resolution"])


@requests_blp.route("/<uuid:request_id>/close", methods=["POST"])
@tokens.login_required("requests.close")
@requests_blp.arguments(CloseSchema)
@requests_blp.response(200, RequestItemSchema)
def close_request(body, request_id):
    """Closed with the villager's feedback (回访)."""
    return requests.close(tokens.current_user(), request_id, body["feedback"], body["satisfied"])


inspections_blp = Blueprint("inspections", __name__, url_prefix="/api/v1",
                            description="巡检 Inspections and findings")


@inspections_blp.route("/inspections", methods=["GET"])
@tokens.login_required("inspections.read")
@inspections_blp.arguments(InspectionQueryArgsSchema, location="query")
@inspections_blp.response(200, InspectionPageSchema)
def list_inspections(args):
    """Inspections of the points in scope, newest first, with their findings."""
    return inspections.list_inspections(tokens.current_user(), args)


@inspections_blp.route("/inspections", methods=["POST"])
@tokens.login_required("inspections.write")
@inspections_blp.arguments(InspectionCreateSchema)
@inspections_blp.response(201, InspectionItemSchema)
def create_inspection(body):
    """Record an inspection online (offline: an `inspection` record in the sync push);
    each failed item becomes a finding for the keeper, with a deadline."""
    return inspections.create(tokens.current_user(), body)


@inspections_blp.route("/inspections/due", methods=["GET"])
@tokens.login_required("inspections.read")
@inspections_blp.arguments(DueQueryArgsSchema, location="query")
@inspections_blp.response(200, DuePageSchema)
def inspections_due(args):
    """Points by when their next inspection is due (the bank's interval)."""
    return inspections.due(tokens.current_user(), args)


@inspections_blp.route("/findings", methods=["GET"])
@tokens.login_required("inspections.read")
@inspections_blp.arguments(FindingQueryArgsSchema, location="query")
@inspections_blp.response(200, FindingPageSchema)
def list_findings(args):
    """Findings of the points in scope by deadline; `overdue=true` for those past it."""
    return inspections.list_findings(tokens.current_user(), args)


@inspections_blp.route("/findings/<int:finding_id>/fix", methods=["POST"])
@tokens.login_required("findings.fix")
@inspections_blp.arguments(FixSchema)
@inspections_blp.response(200, FindingSchema)
def fix_finding(body, finding_id):
    return inspections.fix(tokens.current_user(), finding_id, body["fix"])


@inspections_blp.route("/findings/<int:finding_id>/verify", methods=["POST"])
@tokens.login_required("findings.verify")
@inspections_blp.response(200, FindingSchema)
def verify_finding(finding_id):
    return inspections.verify(tokens.current_user(), finding_id)


teams_blp = Blueprint("teams", __name__, url_prefix="/api/v1/teams",
                      description="流动服务队 Mobile service teams")


@teams_blp.route("", methods=["GET"])
@tokens.login_required("teams.read")
@teams_blp.arguments(PageArgsSchema, location="query")
@teams_blp.response(200, TeamPageSchema)
def list_teams(args):
    return teams.list_teams(tokens.current_user(), args)


@teams_blp.route("", methods=["POST"])
@tokens.login_required("teams.write")
@teams_blp.arguments(TeamCreateSchema)
@teams_blp.response(201, TeamSchema)
def create_team(body):
    return teams.create_team(tokens.current_user(), body)


@teams_blp.route("/<int:team_id>", methods=["GET"])
@tokens.login_required("teams.read")
@teams_blp.response(200, TeamSchema)
def get_team(team_id):
    return teams.get_team(tokens.current_user(), team_id)


@teams_blp.route("/<int:team_id>/members", methods=["POST"])
@tokens.login_required("teams.write")
@teams_blp.arguments(MemberSchema)
@teams_blp.response(200, TeamSchema)
def add_member(body, team_id):
    """Add a field agent or grid worker of the bank (idempotent)."""
    return teams.add_member(tokens.current_user(), team_id, body["user_id"])


@teams_blp.route("/<int:team_id>/plans", methods=["GET"])
@tokens.login_required("teams.read")
@teams_blp.arguments(PlanQueryArgsSchema, location="query")
@teams_blp.response(200, PlanPageSchema)
def list_plans(args, team_id):
    """Planned visits in the period, each done or not, and the totals: done vs planned."""
    return teams.list_plans(tokens.current_user(), team_id, args)


@teams_blp.route("/<int:team_id>/plans", methods=["POST"])
@tokens.login_required("teams.write")
@teams_blp.arguments(PlanCreateSchema)
@teams_blp.response(201, PlanSchema)
def add_plan(body, team_id):
    return teams.add_plan(tokens.current_user(), team_id, body)


trainings_blp = Blueprint("trainings", __name__, url_prefix="/api/v1/trainings",
                          description="培训 Training of keepers and grid workers")


@trainings_blp.route("", methods=["GET"])
@tokens.login_required("trainings.read")
@trainings_blp.arguments(PageArgsSchema, location="query")
@trainings_blp.response(200, TrainingPageSchema)
def list_trainings(args):
    return trainings.list_trainings(tokens.current_user(), args)


@trainings_blp.route("", methods=["POST"])
@tokens.login_required("trainings.write")
@trainings_blp.arguments(TrainingCreateSchema)
@trainings_blp.response(201, TrainingSchema)
def create_training(body):
    """A session held, with its topic, date and attendees."""
    return trainings.create_training(tokens.current_user(), body)


@trainings_blp.route("/untrained", methods=["GET"])
@tokens.login_required("trainings.read")
@trainings_blp.arguments(UntrainedArgsSchema, location="query")
@trainings_blp.response(200, UntrainedPageSchema)
def untrained(args):
    """Keepers and grid workers never trained, or not within `every_days`."""
    return trainings.untrained(tokens.current_user(), args)
