"""Mutation root: one file per mutation, each with its input, success type and errors."""

from __future__ import annotations

import strawberry

from resolvers.mutations import (
    adjust_points,
    check_in,
    enroll_member,
    link_identifier,
    merge_members,
    record_message_feedback,
    record_purchase,
    redeem_reward,
    return_purchase,
    set_consent,
    set_preferences,
    use_reward,
)


@strawberry.type
class Mutation:
    enroll_member = enroll_member.field
    record_purchase = record_purchase.field
    redeem_reward = redeem_reward.field
    use_reward = use_reward.field
    adjust_points = adjust_points.field
    return_purchase = return_purchase.field
    link_identifier = link_identifier.field
    merge_members = merge_members.field
    check_in = check_in.field
    set_consent = set_consent.field
    set_preferences = set_preferences.field
    record_message_feedback = record_message_feedback.field
