"""How a personal copy reaches its recipient: a folder (local or fsspec) or SMTP."""
from __future__ import annotations

from tasks.deliver.channels.base import Channel, SendFailed
from tasks.deliver.channels.folder import FolderChannel
from tasks.deliver.channels.smtp import SmtpChannel
from tasks.operation import Delivery

__all__ = ["Channel", "SendFailed", "open_channel"]


def open_channel(settings: Delivery) -> Channel:
    """The configured channel, ready to send (SMTP credentials are read now: a missing one is an
    error before anything is sent)."""
    if settings.channel == "smtp":
        return SmtpChannel(settings.smtp)
    return FolderChannel(settings.root)
