"""Demo step "accounts": the four demo accounts, one per role."""

from osmose.accounts.demo import ensure_demo_accounts
from osmose.core.demo import DemoContext


def run(context: DemoContext) -> None:
    users = ensure_demo_accounts()
    # Later steps look the accounts up by role: the member gets a Person, the animator tasks.
    context.shared["users"] = {user.role: user for user in users}
    context.log(f"Demo accounts: {', '.join(user.email for user in users)}")


def reset() -> None:
    """Keep the accounts: ensure_demo_accounts resets their passwords on the next run."""
