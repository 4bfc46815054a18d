"""A fake AMI server speaking the wire protocol, for fast unit tests of the bridge's connection handling."""

from __future__ import annotations

import asyncio
from typing import Any

EOL = "\r\n"


class FakeAmi:
    def __init__(self, secret: str = "s3cret-for-tests") -> None:
        self.secret = secret
        self.answer_ping = True
        self.silent_actions: set[str] = set()
        self.error_actions: set[str] = set()
        self.channels: list[dict[str, str]] = []
        self.received: list[dict[str, str]] = []
        self.logins = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.port = 0

    async def start(self, port: int = 0) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self.drop_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop_all(self) -> None:
        for w in self._writers:
            w.close()
        self._writers.clear()

    def push_event(self, **headers: str) -> None:
        for w in self._writers:
            w.write(self.wire(headers).encode())

    async def push_raw(self, data: bytes) -> None:
        """Send pre-built AMI wire text (many events at once) to every connected client."""
        for w in self._writers:
            w.write(data)
            await w.drain()

    @staticmethod
    def wire(headers: dict[str, Any]) -> str:
        """One AMI message as wire text."""
        return "".join(f"{k}: {v}{EOL}" for k, v in headers.items()) + EOL

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        writer.write(f"Asterisk Call Manager/5.0.4{EOL}".encode())
        try:
            while True:
                block = await reader.readuntil(f"{EOL}{EOL}".encode())
                action: dict[str, str] = {}
                for line in block.decode().split(EOL):
                    if ":" in line:
                        k, _, v = line.partition(":")
                        action[k.strip()] = v.strip()
                self.received.append(action)
                self._respond(writer, action)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            writer.close()

    def _respond(self, w: asyncio.StreamWriter, a: dict[str, str]) -> None:
        name, aid = a.get("Action", ""), a.get("ActionID", "")
        if name in self.silent_actions or (name == "Ping" and not self.answer_ping):
            return
        if name in self.error_actions:
            w.write(self.wire({"Response": "Error", "ActionID": aid, "Message": f"{name} refused"}).encode())
            return
        if name == "Login":
            if a.get("Secret") != self.secret:
                w.write(self.wire({"Response": "Error", "ActionID": aid,
                                   "Message": "Authentication failed"}).encode())
                return
            self.logins += 1
            w.write(self.wire({"Response": "Success", "ActionID": aid,
                               "Message": "Authentication accepted"}).encode())
            w.write(self.wire({"Event": "FullyBooted", "Privilege": "system,all", "Status": "Fully Booted"}).encode())
        elif name == "Ping":
            w.write(self.wire({"Response": "Success", "ActionID": aid, "Ping": "Pong"}).encode())
        elif name == "CoreSettings":
            w.write(self.wire({"Response": "Success", "ActionID": aid, "AsteriskVersion": "16.28.0-fake"}).encode())
        elif name in ("CoreShowChannels", "QueueStatus"):
            w.write(self.wire({"Response": "Success", "ActionID": aid, "EventList": "start",
                               "Message": "will follow"}).encode())
            items = self.channels if name == "CoreShowChannels" else []
            for c in items:
                w.write(self.wire({"Event": "CoreShowChannel", "ActionID": aid, **c}).encode())
            w.write(self.wire({"Event": f"{name}Complete", "ActionID": aid, "EventList": "Complete",
                               "ListItems": str(len(items))}).encode())
        else:
            w.write(self.wire({"Response": "Error", "ActionID": aid, "Message": "Invalid/unknown command"}).encode())
