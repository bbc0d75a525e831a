"""Sign-in, bearer tokens, and the signed-in user's scope."""
