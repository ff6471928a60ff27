from django.urls import reverse

from osmose.core.audit import history_of, log_action
from osmose.core.models import AuditLogEntry
from osmose.registry.models import Organisation, OrganisationKind, Sector


def test_log_action_records_actor_target_and_data(animator):
    organisation = Organisation.objects.create(
        name="Immunothéra Touraine", kind=OrganisationKind.STARTUP, sector=Sector.PRIVATE
    )
    entry = log_action(
        "registry.organisation.created",
        actor=animator,
        target=organisation,
        data={"source": "test"},
    )
    assert entry.actor == animator
    assert entry.target_repr == "Immunothéra Touraine"
    assert list(history_of(organisation)) == [entry]
    assert entry.data == {"source": "test"}


def test_an_anonymous_actor_is_recorded_as_the_system(db):
    from django.contrib.auth.models import AnonymousUser

    entry = log_action("core.test", actor=AnonymousUser())
    assert entry.actor is None


def test_the_audit_log_admin_is_read_only(client, admin_user, animator):
    client.force_login(admin_user)
    response = client.get(reverse("admin:core_auditlogentry_changelist"))
    assert response.status_code == 200
    assert "accounts.user.created" in response.content.decode()
    entry = AuditLogEntry.objects.get(action="accounts.user.created", target_id=str(animator.pk))
    assert (
        client.post(reverse("admin:core_auditlogentry_delete", args=[entry.pk])).status_code == 403
    )
    assert client.get(reverse("admin:core_auditlogentry_add")).status_code == 403


def test_the_admin_is_closed_to_members_and_outsiders(member_client, outsider_client):
    url = reverse("admin:core_auditlogentry_changelist")
    assert member_client.get(url).status_code == 302
    assert outsider_client.get(url).status_code == 302
