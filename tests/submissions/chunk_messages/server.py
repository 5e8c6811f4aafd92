"""Intended mistake: a chat that is right in every other way (a queue and a
writer thread per member, Ctrl-C handled) but takes each recv() chunk as one
message: two lines that arrive together become one message, and a line that
arrives in pieces becomes several (a UTF-8 character split between two pieces
is garbled)."""
import argparse
import itertools
import queue
import socket
import sys
import threading
import time

# A member whose writer has waited this long in one sendall() has stopped
# reading: it is disconnected, so its queue cannot grow forever. (Time, not
# the queue's length: a member who reads, only slower than a flood comes in,
# must stay.)
STUCK_SECONDS = 10.0


class Member:
    """One connected client: its socket, its name and its queue of lines to send."""

    def __init__(self, conn: socket.socket, name: str):
        self.conn = conn
        self.name = name
        self.outbox: queue.Queue = queue.Queue()
        self.sending_since: float | None = None  # set while the writer is inside sendall()
        threading.Thread(target=self._write, daemon=True).start()

    def send(self, text: str) -> None:
        """Queue one line; never blocks, whatever the client does."""
        since = self.sending_since
        if since is not None and time.monotonic() - since > STUCK_SECONDS:
            self.disconnect()  # it has not read for a long time: drop it
        else:
            self.outbox.put((text + "\n").encode("utf-8"))

    def finish(self) -> None:
        """Send what is queued, then close (the writer closes after its last line)."""
        self.outbox.put(None)

    def disconnect(self) -> None:
        # shutdown() wakes both threads of this member: the writer's blocked
        # sendall() fails and the reader sees EOF, then cleans up as for a leave.
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _write(self) -> None:
        # The only thread that sends on this socket: lines leave whole, in order.
        try:
            while (data := self.outbox.get()) is not None:
                self.sending_since = time.monotonic()
                self.conn.sendall(data)  # may block: only this member waits
                self.sending_since = None
        except OSError:
            self.disconnect()  # the client is gone; its reader will notice too
        finally:
            self.conn.close()


# Shared state: socket -> Member. Every client thread reads and changes it, so
# a Lock makes each change atomic (no "dictionary changed size during iteration").
members: dict[socket.socket, Member] = {}
members_lock = threading.Lock()
guest_numbers = itertools.count(1)
fd_freed = threading.Condition()  # notified when a connection closes (see accept_loop)


def broadcast(text: str, exclude: Member | None = None) -> None:
    """Queue one line for every member except `exclude` (returns at once)."""
    with members_lock:
        for member in members.values():
            if member is not exclude:
                member.send(text)


def handle_client(conn: socket.socket) -> None:
    """Runs in its own thread: the first chunk is the name, every later chunk a message."""
    member = None
    try:
        first = conn.recv(1024)
        if not first:
            return
        name = first.decode("utf-8", "replace").strip() or f"guest{next(guest_numbers)}"
        member = Member(conn, name)
        with members_lock:
            others = ", ".join(m.name for m in members.values()) or "nobody else"
            member.send(f"* Welcome, {name}! Online: {others}. Type /quit to leave.")
            members[conn] = member
        broadcast(f"* {name} joined the chat", exclude=member)
        while True:
            data = conn.recv(1024)  # the mistake: one recv() taken as one message
            if not data:
                break
            text = data.decode("utf-8", "replace").strip()
            if text == "/quit":
                member.send(f"* Goodbye, {name}!")
                break
            if text:
                broadcast(f"{name}: {text}", exclude=member)
    except OSError:
        pass
    finally:
        if member is not None:
            with members_lock:
                del members[conn]
            member.finish()
            broadcast(f"* {member.name} left the chat")
        else:
            conn.close()
        with fd_freed:
            fd_freed.notify_all()


def accept_loop(server: socket.socket) -> None:
    """The main thread only accepts: one thread per client does the rest."""
    while True:
        try:
            conn, _addr = server.accept()
        except OSError as exc:
            # EMFILE (too many open files), ECONNABORTED...: this client is
            # lost, the server is not. Wait until a connection closes (or a
            # moment), instead of retrying in a busy loop.
            print(f"accept() failed: {exc}", file=sys.stderr, flush=True)
            with fd_freed:
                fd_freed.wait(timeout=0.5)
            continue
        # daemon=True: client threads do not keep the process alive on exit.
        threading.Thread(target=handle_client, args=(conn,), daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description="Threaded multi-user chat server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    args = parser.parse_args()

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Lets you restart the server at once instead of waiting for TIME_WAIT.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.host, args.port))
    server.listen()
    print(f"Chat server listening on {args.host}:{args.port}", flush=True)
    with server:
        accept_loop(server)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # Ctrl-C arrives in the main thread (blocked in accept()) as
        # KeyboardInterrupt: end quietly. Every other thread is a daemon, so
        # the process ends now; the kernel closes the clients' sockets.
        print("Server stopped.", flush=True)
