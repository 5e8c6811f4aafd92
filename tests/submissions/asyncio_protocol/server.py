"""Chat server (lab 4) with an asyncio Protocol class -- a correct one.

Intended behaviour: loop.create_server makes one ChatProtocol per
connection; data_received() splits the byte stream into lines; the first
line is the name; notices "* NAME joined/left the chat"; messages go to
the others as "NAME: text".
"""
import asyncio

members = set()


class ChatProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""
        self.name = None

    def tell_others(self, text):
        for other in list(members):
            if other is not self:
                other.transport.write((text + "\n").encode("utf-8"))

    def data_received(self, data):
        self.buffer += data
        while b"\n" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\n", 1)
            text = raw.decode("utf-8", "replace").rstrip("\r")
            if self.name is None:
                self.name = text.strip() or "guest"
                members.add(self)
                self.tell_others("* %s joined the chat" % self.name)
            elif text == "/quit":
                self.transport.close()
            elif text:
                self.tell_others("%s: %s" % (self.name, text))

    def connection_lost(self, exc):
        if self in members:
            members.discard(self)
            self.tell_others("* %s left the chat" % self.name)


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(ChatProtocol, "localhost", 7000)
    async with server:
        await server.serve_forever()


asyncio.run(main())
