"""Where a notification in `/notifications` leads: its subject's page, the list where it is
acted on, the record it names, or the approvals desk for the approver of an external-sourcing
request."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.portal.routes.notifications import listing, subject_link


def item(event_type: str, subject: str = "x_1", **refers_to: str) -> dict[str, Any]:
    return {
        "event_type": f"marketplace.{event_type}.v1",
        "subject": subject,
        "refers_to": refers_to,
    }


@pytest.mark.parametrize(
    ("notice", "desk", "link"),
    [
        (item("need.posted", "need_1"), False, "/needs/need_1"),
        (item("need.external_sourcing_approved", "need_1"), False, "/needs/need_1"),
        (item("need.external_sourcing_requested", "need_1"), True, "/approvals"),
        (item("need.external_sourcing_requested", "need_1"), False, "/needs/need_1"),
        (item("tender.launched", "tnd_1", need_id="need_1"), False, "/tenders/tnd_1"),
        (item("contract.signed", "ctr_1"), False, "/contracts/ctr_1"),
        (item("dispute.raised", "dsp_1"), False, "/disputes/dsp_1"),
        (item("inspection.finding_recorded", "fnd_1"), False, "/findings/fnd_1"),
        (item("offer.awarded", "off_1", contract_id="ctr_1"), False, "/contracts/ctr_1"),
        (
            item("quality_incident.recorded", "inc_1", contract_id="ctr_1"),
            False,
            "/contracts/ctr_1",
        ),
        (item("quality_incident.escalated", "inc_1", dispute_id="dsp_1"), False, "/disputes/dsp_1"),
        (item("offer.not_awarded", "off_1"), False, None),
        (item("meeting.scheduled", "mtg_1"), False, "/meetings/mtg_1"),
        (item("meeting.minutes_recorded", "mtg_1"), False, "/meetings/mtg_1"),
        (item("action_item.assigned", "act_1", meeting_id="mtg_1"), False, "/action-items"),
        (item("meeting_request.filed", "mrq_1"), False, "/meeting-requests"),
        (item("meeting_request.accepted", "mrq_1", meeting_id="mtg_2"), False, "/meetings/mtg_2"),
        (item("meeting_request.declined", "mrq_1"), False, "/meeting-requests"),
        (item("visit.planned", "vis_1"), False, "/visits/vis_1"),
        (item("visit.held", "vis_1"), False, "/visits/vis_1"),
        (item("visit.cancelled", "vis_1"), False, "/visits/vis_1"),
        (item("framework.created", "fwk_1"), False, "/frameworks/fwk_1"),
        (item("framework.period_closed", "fwk_1"), False, "/frameworks/fwk_1"),
        (
            item("joint_procurement.launched", "jp_1", need_id="need_9"),
            False,
            "/joint-procurements/jp_1",
        ),
        (item("joint_procurement.joined", "jp_1"), True, "/joint-procurements/jp_1"),
        (
            item("resource.booked", "res_1", contract_id="ctr_9"),
            False,
            "/resources/res_1",
        ),
        (item("resource.withdrawn", "res_1"), False, "/resources/res_1"),
        (item("contract.signed", "a/b?c"), False, "/contracts/a%2Fb%3Fc"),
    ],
)
def test_a_notification_leads_to_its_subjects_page(
    notice: dict[str, Any], desk: bool, link: str | None
) -> None:
    assert subject_link(notice, desk) == link


def test_a_mark_leads_back_to_the_list_it_was_on() -> None:
    assert listing(False) == "/notifications"
    assert listing(True) == "/notifications?unread=1"
    assert listing(True, "c/1") == "/notifications?unread=1&cursor=c%2F1"
