"""Typed errors for Asterisk I/O."""


class AsteriskError(Exception):
    """Base class for errors talking to Asterisk."""


class AmiNotConnected(AsteriskError):
    """No authenticated AMI session right now."""


class AmiTimeout(AsteriskError):
    """An AMI action got no (complete) response in time."""


class AmiAuthError(AsteriskError):
    """Asterisk refused the AMI login (wrong username/secret or not permitted from this host)."""


class AmiActionError(AsteriskError):
    """Asterisk answered an action with Error."""

    def __init__(self, action: str, message: str) -> None:
        super().__init__(f"AMI action {action} failed: {message}")
        self.action = action
        self.message = message


class AgiHangup(AsteriskError):
    """The channel hung up (or the FastAGI socket closed) during an AGI command."""


class AgiTimeout(AsteriskError):
    """An AGI command got no response in time."""


class AgiCommandError(AsteriskError):
    """An AGI command was answered with an error status (510/511/520)."""


class AsteriskNotInstalled(AsteriskError):
    pass


class AsteriskStartError(AsteriskError):
    pass


class PortInUse(AsteriskError):
    pass
