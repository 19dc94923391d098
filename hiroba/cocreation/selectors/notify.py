"""Reads of follows and notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from hiroba.cocreation.models import Digest, Follow, Notification, NotificationSetting
from hiroba.identity.models import User


def follows(*, user: User, kind: str, ref: str) -> bool:
    return Follow.objects.filter(user=user, kind=kind, ref=ref).exists()


def follow_list(*, user: User) -> QuerySet[Follow]:
    return Follow.objects.filter(user=user).order_by("kind", "ref")


def notification_list(*, user: User, limit: int = 100) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-pk")[:limit])


def notification_unread(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_digest(*, user: User) -> str:
    setting = NotificationSetting.objects.filter(user=user).first()
    return setting.digest if setting else Digest.WEEKLY
