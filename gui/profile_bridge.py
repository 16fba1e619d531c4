"""Between a saved ``Profile`` and the form's ``ProbePlan`` (Qt-free).

``plan_of`` does not validate: a half-finished profile must still open in the form, where the
inline messages say what is missing. ``profile_with_plan`` copies the form's fields back.
"""

from __future__ import annotations

import dataclasses

from core.model import MessageSpec, ProbePlan, Timeouts, TlsPolicy
from core.profiles.model import Profile


def plan_of(profile: Profile) -> ProbePlan:
    return ProbePlan(
        host=profile.host,
        port=profile.port,
        security=profile.security,
        auth=profile.auth,
        username=profile.username or None,
        credential_kind=profile.credential_kind,
        message=MessageSpec(
            mail_from=profile.mail_from,
            rcpt_to=profile.rcpt_to,
            header_from=profile.header_from or None,
            attachment_bytes=profile.attachment_bytes,
            subject_note=profile.name,
        ),
        helo_name=profile.helo or None,
        tls=TlsPolicy(
            verify=profile.tls_verify,
            ca_file=profile.ca_file or None,
            min_version=profile.tls_min or None,
            max_version=profile.tls_max or None,
        ),
        timeouts=Timeouts.uniform(profile.timeout) if profile.timeout else Timeouts(),
        profile_name=profile.name,
        device_profile=profile.device_profile or None,
    )


def profile_with_plan(profile: Profile, plan: ProbePlan) -> Profile:
    """``profile`` with the fields the form edits taken from ``plan`` (the rest unchanged)."""
    return dataclasses.replace(
        profile,
        host=plan.host,
        port=plan.port,
        security=plan.security,
        auth=plan.auth,
        username=plan.username or "",
        credential_kind=plan.credential_kind,
        mail_from=plan.message.mail_from,
        rcpt_to=plan.message.rcpt_to,
        tls_verify=plan.tls.verify,
        ca_file=plan.tls.ca_file or "",
    )
