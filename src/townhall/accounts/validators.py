from django.core.validators import RegexValidator

username_validators = [
    RegexValidator(
        r"^[A-Za-z0-9_]{3,30}$",
        "Use 3 to 30 letters, digits or underscores for your @username.",
    )
]
