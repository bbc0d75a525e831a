"""/api/v1/users and their devices."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth.tokens import current_user, login_required
from app.registry.users import services
from app.registry.users.schemas import (
    DeviceRevokeSchema,
    DeviceSchema,
    UserCreateSchema,
    UserPageSchema,
    UserQueryArgsSchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="用户与设备 Users and devices")


@blp.route("/users")
class Users(MethodView):
    @login_required()
    @blp.arguments(UserQueryArgsSchema, location="query")
    @blp.response(200, UserPageSchema)
    def get(self, args):
        """Users in your scope (phones masked unless you own the record)."""
        return services.list_users(current_user(), args)

    @login_required("users.write")
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Add a user; a supervisor adds keepers, grid workers and field agents of her bank."""
        return services.create_user(current_user(), data)


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @login_required()
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """One user."""
        return services.get_user(current_user(), user_id)

    @login_required("users.write")
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data, user_id):
        """Change name, phone, links, active flag or password (never returned)."""
        return services.update_user(current_user(), user_id, data)


@blp.route("/users/<int:user_id>/devices")
class UserDevices(MethodView):
    @login_required("devices.read")
    @blp.response(200, DeviceSchema(many=True))
    def get(self, user_id):
        """Phones this user has signed in on."""
        return services.list_devices(current_user(), user_id)


@blp.route("/devices/<int:device_id>/revoke")
class RevokeDevice(MethodView):
    @login_required("devices.revoke")
    @blp.arguments(DeviceRevokeSchema)
    @blp.response(200, DeviceSchema)
    def post(self, data, device_id):
        """A lost phone: stop the device and every token issued to it."""
        return services.revoke_device(current_user(), device_id, data.get("reason"))
