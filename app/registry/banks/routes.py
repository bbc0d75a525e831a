"""/api/v1/banks: organisations (banks and regulators)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.tokens import current_user, login_required
from app.registry.banks import services
from app.registry.banks.schemas import (
    BankCreateSchema,
    BankPageSchema,
    BankQueryArgsSchema,
    BankSchema,
    BankUpdateSchema,
)

blp = Blueprint("banks", __name__, url_prefix="/api/v1/banks", description="银行机构 Banks")


@blp.route("")
class Banks(MethodView):
    @login_required()
    @blp.arguments(BankQueryArgsSchema, location="query")
    @blp.response(200, BankPageSchema)
    def get(self, args):
        """Organisations in your scope, in tree order (by path)."""
        return services.list_banks(current_user(), args)

    @login_required("banks.write")
    @blp.arguments(BankCreateSchema)
    @blp.response(201, BankSchema)
    def post(self, data):
        """Add a head office, branch, outlet or regulator (admin)."""
        return services.create_bank(current_user(), data)


@blp.route("/<int:org_id>")
class BankById(MethodView):
    @login_required()
    @blp.response(200, BankSchema)
    def get(self, org_id):
        """One organisation."""
        return services.get_bank(current_user(), org_id)

    @login_required("banks.write")
    @blp.arguments(BankUpdateSchema)
    @blp.response(200, BankSchema)
    def patch(self, data, org_id):
        """Rename an organisation or set its region (admin). Moving it in the tree is not offered."""
        return services.update_bank(current_user(), org_id, data)
