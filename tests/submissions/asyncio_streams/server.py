"""Chat server (lab 4) with asyncio streams -- a correct one, one task per client.

Intended behaviour: asyncio.start_server calls serve() for each connection;
the first line is the name; "* NAME joined the chat" to the others; every
other line goes to the others as "NAME: text"; on EOF or a reset,
"* NAME left the chat".
"""
import asyncio

writers = {}


async def broadcast(text, exclude=None):
    for writer in list(writers):
        if writer is exclude:
            continue
        try:
            writer.write((text + "\n").encode("utf-8"))
            await writer.drain()
        except (ConnectionError, OSError):
            writers.pop(writer, None)


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    name = None
    try:
        first = await reader.readline()
        if not first:
            return
        name = first.decode("utf-8", "replace").strip() or "guest"
        writers[writer] = name
        await broadcast("* %s joined the chat" % name, exclude=writer)
        while True:
            raw = await reader.readline()
            if not raw:  # EOF: the client closed
                break
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            if text == "/quit":
                break
            if text:
                await broadcast("%s: %s" % (name, text), exclude=writer)
    except (ConnectionError, OSError):
        pass
    finally:
        writers.pop(writer, None)
        writer.close()
        if name is not None:
            await broadcast("* %s left the chat" % name)


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 8888)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
