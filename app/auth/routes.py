"""Sign-in and sign-out."""
from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from app.auth import tokens
from app.auth.schemas import LoginSchema, MeSchema, TokenSchema
from app.extensions import db, limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录 Sign-in")


@blp.route("/login", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, description="Wrong username or password")
@blp.doc(security=[])
def login(body):
    """Sign in with username and password; returns a bearer token."""
    user = tokens.authenticate(body["username"], body["password"])
    if user is None:
        abort(401, message="用户名或密码错误 Wrong username or password")
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
