"""Demo step "network": the animator's follow-up tasks, some done, some due around today."""

from datetime import timedelta
from random import Random

from osmose.accounts.models import Role, User
from osmose.core.demo import DemoContext
from osmose.network.models import Task
from osmose.registry.models import Affiliation, OrganisationStatus, Scope

ANIMATOR_EMAIL = "animator@demo.osmose.test"
DONE_TASKS = 6
OPEN_TASKS = 9

# Each template gets a person, their organisation and another organisation.
TASK_TEMPLATES = [
    "Relancer {person} ({organisation}) pour l'inscription au congrès",
    "Suivi à +30 jours : mise en relation entre {organisation} et {other}",
    "Suivi à +90 jours : la rencontre {organisation} / {other} a-t-elle abouti ?",
    "Vérifier la fiche « {organisation} » (effectif, adresse, contacts)",
    "Appeler {person} ({organisation}) au sujet de ses projets de financement",
    "Envoyer la présentation du réseau à {person} ({organisation})",
    "Proposer à {person} ({organisation}) d'intervenir au prochain Afterwork",
    "Mise en relation : présenter {other} à {person} ({organisation})",
]


def animator(context: DemoContext) -> User | None:
    users = context.shared.get("users") or {}
    return users.get(Role.ANIMATOR) or User.objects.filter(email=ANIMATOR_EMAIL).first()


def pick_affiliations(rng: Random, count: int) -> list[Affiliation]:
    """Current primary affiliations at active regional organisations, in a stable order."""
    candidates = list(
        Affiliation.objects.filter(
            is_primary=True,
            organisation__status=OrganisationStatus.ACTIVE,
            organisation__scope=Scope.REGIONAL,
        )
        .select_related("person", "organisation")
        .order_by("pk")
    )
    return rng.sample(candidates, min(count, len(candidates)))


def run(context: DemoContext) -> None:
    rng, now = context.rng, context.now
    assignee = animator(context)
    chosen = pick_affiliations(rng, (DONE_TASKS + OPEN_TASKS) * 2)
    pairs = list(zip(chosen[::2], chosen[1::2], strict=False))
    tasks = []
    for index, (affiliation, other) in enumerate(pairs[: DONE_TASKS + OPEN_TASKS]):
        title = TASK_TEMPLATES[index % len(TASK_TEMPLATES)].format(
            person=affiliation.person,
            organisation=affiliation.organisation.name,
            other=other.organisation.name,
        )
        if index < DONE_TASKS:
            done_at = now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 8))
            due_on = done_at.date() + timedelta(days=rng.randint(-3, 5))
        else:
            # Open tasks around today: a few late, most due within the month.
            done_at, due_on = None, now.date() + timedelta(days=rng.randint(-10, 30))
        tasks.append(
            Task(
                title=title[:200],
                due_on=due_on,
                assignee=assignee,
                organisation=affiliation.organisation,
                person=affiliation.person,
                done_at=done_at,
            )
        )
    context.shared["tasks"] = Task.objects.bulk_create(tasks)
    context.log(f"Tasks: {len(tasks)}.")


def reset() -> None:
    """Delete every task (``demo --reset`` rebuilds them)."""
    Task.objects.all().delete()
