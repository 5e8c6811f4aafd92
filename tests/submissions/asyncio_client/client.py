"""Chat client (lab 4) with asyncio -- a correct one, without threads.

Intended behaviour: asks "Name: " (input() in an executor), connects with
asyncio.open_connection, sends the name as the first line, prints every
line the server sends while it waits for the keyboard; Ctrl-D or /quit ends
it; when the server closes, it says so and ends.
"""
import asyncio
import os
import sys

async def receive(reader):
    while True:
        line = await reader.readline()
        if not line:
            print("Server closed the connection", flush=True)
            break
        print(line.decode("utf-8", "replace").rstrip("\n"), flush=True)

async def main():
    loop = asyncio.get_running_loop()
    name = await loop.run_in_executor(None, input, "Name: ")
    reader, writer = await asyncio.open_connection("localhost", 9090)
    writer.write((name + "\n").encode()); await writer.drain()
    rx = asyncio.create_task(receive(reader))
    while True:
        read = asyncio.ensure_future(loop.run_in_executor(None, sys.stdin.readline))
        done, _ = await asyncio.wait({read, rx}, return_when=asyncio.FIRST_COMPLETED)
        if rx in done:
            break
        line = read.result()
        if not line or line.strip() == "/quit":
            break
        writer.write(line.encode()); await writer.drain()
    writer.close()
    os._exit(0)  # the executor thread is stuck in readline()

asyncio.run(main())
