"""Sign-in and sign-out."""
from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import throttle, tokens
from app.auth.schemas import LoginSchema, MeSchema, TokenSchema
from app.extensions import db

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录 Sign-in")


@blp.route("/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(429, description="Too many failed sign-ins for the account or the client; see Retry-After")
@blp.doc(security=[])
def login(body):
    """Sign in with username and password; returns a bearer token.

    Failed sign-ins are counted per account and per client address, across every
    worker; past the allowance the answer is 429 with Retry-After."""
    throttle.check(body["username"], request.remote_addr)
    user = tokens.authenticate(body["username"], body["password"])
    if user is None:
        throttle.failed(body["username"], request.remote_addr)
        abort(401, message="用户名或密码错误 Wrong username or password")
    throttle.succeeded(body["username"])
    raw, token = tokens.issue_token(user, body.get("device_id"), body.get("device_label"))
    db.session.commit()
    return {"token": raw, "token_type": "Bearer", "expires_at": token.expires_at, "user": user}


@blp.route("/logout", methods=["POST"])
@tokens.login_required()
@blp.response(204)
def logout():
    """Revoke the token used for this request."""
    tokens.revoke_token(g.token)
    db.session.commit()


@blp.route("/me")
class Me(MethodView):
    @tokens.login_required()
    @blp.response(200, MeSchema)
    def get(self):
        """The signed-in user and her role."""
        return tokens.current_user()
