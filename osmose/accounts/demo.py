"""The demo accounts: fixed, printed at start, refused in production."""

from django.conf import settings

from osmose.accounts.models import Role, User

DEMO_DOMAIN = "demo.osmose.test"
DEMO_ACCOUNTS: list[tuple[str, str, Role]] = [
    (f"admin@{DEMO_DOMAIN}", "demo-admin", Role.ADMIN),
    (f"animator@{DEMO_DOMAIN}", "demo-animator", Role.ANIMATOR),
    (f"member@{DEMO_DOMAIN}", "demo-member", Role.MEMBER),
    (f"funder@{DEMO_DOMAIN}", "demo-funder", Role.FUNDER),
]
DEMO_NAMES = {
    Role.ADMIN: ("Alix", "Admin"),
    Role.ANIMATOR: ("Camille", "Animatrice"),
    Role.MEMBER: ("Maël", "Membre"),
    Role.FUNDER: ("Françoise", "Financeur"),
}


def is_demo_email(email: str) -> bool:
    return email.lower().endswith("@" + DEMO_DOMAIN)


def ensure_demo_accounts() -> list[User]:
    """Create (or reset the password of) each demo account; refused in production."""
    if not settings.DEMO_ACCOUNTS_ALLOWED:
        raise RuntimeError("Demo accounts are refused in production.")
    from osmose.accounts.services import create_user

    users = []
    for email, password, role in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            first, last = DEMO_NAMES[role]
            user = create_user(
                email=email, role=role, password=password, first_name=first, last_name=last
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        users.append(user)
    return users
