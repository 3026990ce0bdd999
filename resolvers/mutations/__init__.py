"""Mutation root: one file per mutation, each with its input, success type and errors; every
mutation passes the same boundary (resolvers.boundary)."""

from __future__ import annotations

import strawberry

from resolvers.boundary import at_the_boundary
from resolvers.mutations import (
    adjust_points,
    cancel_redemption,
    check_in,
    create_partner_link_code,
    enroll_member,
    link_identifier,
    link_partner_member,
    merge_members,
    override_tier,
    record_activity,
    record_message_feedback,
    record_partner_activity,
    record_purchase,
    redeem_reward,
    replay_webhook_delivery,
    return_purchase,
    set_consent,
    set_preferences,
    subscribe_webhook,
    unlink_partner,
    unlink_partner_member,
    unsubscribe_webhook,
    update_member_profile,
    use_reward,
)


@strawberry.type
class Mutation:
    enroll_member = at_the_boundary(enroll_member.field)
    record_purchase = at_the_boundary(record_purchase.field)
    record_activity = at_the_boundary(record_activity.field)
    redeem_reward = at_the_boundary(redeem_reward.field)
    use_reward = at_the_boundary(use_reward.field)
    cancel_redemption = at_the_boundary(cancel_redemption.field)
    adjust_points = at_the_boundary(adjust_points.field)
    override_tier = at_the_boundary(override_tier.field)
    return_purchase = at_the_boundary(return_purchase.field)
    link_identifier = at_the_boundary(link_identifier.field)
    merge_members = at_the_boundary(merge_members.field)
    check_in = at_the_boundary(check_in.field)
    set_consent = at_the_boundary(set_consent.field)
    set_preferences = at_the_boundary(set_preferences.field)
    update_member_profile = at_the_boundary(update_member_profile.field)
    record_message_feedback = at_the_boundary(record_message_feedback.field)
    subscribe_webhook = at_the_boundary(subscribe_webhook.field)
    unsubscribe_webhook = at_the_boundary(unsubscribe_webhook.field)
    replay_webhook_delivery = at_the_boundary(replay_webhook_delivery.field)
    # Partners (`domain.partners`): the member's consent, the partner's link, earning.
    create_partner_link_code = at_the_boundary(create_partner_link_code.field)
    link_partner_member = at_the_boundary(link_partner_member.field)
    unlink_partner_member = at_the_boundary(unlink_partner_member.field)
    unlink_partner = at_the_boundary(unlink_partner.field)
    record_partner_activity = at_the_boundary(record_partner_activity.field)
