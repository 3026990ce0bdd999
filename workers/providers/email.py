"""Email over SMTP (aiosmtplib).

The Message-ID header is derived from the message's stable id (`<{message_id}@tessera>`) and
repeated in `X-Tessera-Message-Id`, so an email re-sent after a worker crash carries the same
id and the receiving system can drop the repeat.

Failures: an SMTP 5xx reply is permanent (bounce, unknown mailbox, policy refusal), except an
authentication refusal, which is our misconfiguration rather than the recipient's and so is
transient. 4xx replies, timeouts and connection errors are transient.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from workers.providers.base import Delivery, OutgoingMessage

MESSAGE_ID_DOMAIN = "tessera"


def message_id_header(message_id: str) -> str:
    return f"<{message_id}@{MESSAGE_ID_DOMAIN}>"


class SmtpEmailProvider:
    def __init__(
        self,
        *,
        hostname: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        start_tls: bool | None = None,  # None: upgrade when the server offers STARTTLS
        timeout_seconds: float = 10.0,
    ) -> None:
        self._hostname = hostname
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._use_tls = use_tls
        self._start_tls = start_tls
        self._timeout = timeout_seconds

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._sender
        email["To"] = message.to
        if message.subject is not None:
            email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = message_id_header(message.message_id)
        email["X-Tessera-Message-Id"] = message.message_id
        email["X-Tessera-Member-Version"] = str(message.member_version)
        email.set_content(message.body)
        return email

    async def send(self, message: OutgoingMessage) -> Delivery:
        try:
            errors, reply = await aiosmtplib.send(
                self.compose(message),
                sender=self._sender,
                recipients=[message.to],
                hostname=self._hostname,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._use_tls,
                start_tls=self._start_tls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            return _refusal(refused.recipients[0]) if refused.recipients else _unknown(refused)
        except aiosmtplib.SMTPAuthenticationError as error:
            return Delivery.transient(f"SMTP authentication refused: {error.code} {error.message}")
        except aiosmtplib.SMTPResponseException as error:
            return _refusal(error)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            # Connection refused, dropped or timed out: nothing says the address is bad.
            return Delivery.transient(f"SMTP unavailable: {type(error).__name__}: {error}")
        if message.to in errors:  # one recipient per message, so this is not partial delivery
            response = errors[message.to]
            return _by_code(response.code, response.message)
        return Delivery.sent(message_id_header(message.message_id), detail=reply)


def _refusal(error: aiosmtplib.SMTPResponseException) -> Delivery:
    return _by_code(error.code, error.message)


def _by_code(code: int, text: str) -> Delivery:
    detail = f"SMTP {code} {text}"
    return Delivery.rejected(detail) if 500 <= code < 600 else Delivery.transient(detail)


def _unknown(error: Exception) -> Delivery:
    return Delivery.transient(f"SMTP error: {type(error).__name__}: {error}")
