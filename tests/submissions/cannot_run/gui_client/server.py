"""Multi-user chat server: the reference answer (socket + threading, stdlib only).

Protocol (plain UTF-8 text, one message per line, every line ends in "\\n"):
  * The first line a client sends is its name ("" becomes "guest<N>").
  * The newcomer gets "* Welcome, NAME! Online: a, b. Type /quit to leave.";
    everyone else gets "* NAME joined the chat".
  * Every other line is a chat message and goes to all OTHER members as
    "NAME: text" (the sender does not get an echo).
  * "/quit" ends the session; closing or resetting the connection does too.
    Either way the others get "* NAME left the chat", exactly once.

Two threads per member: a reader (its lines in) and a writer (lines out,
from the member's own queue).  Nobody ever sends on another member's
socket, so a member who stops reading only stalls its own writer, and two
broadcasts can never interleave half-sent lines on one socket.

Run:  python server.py [--host 127.0.0.1] [--port 9090]     Stop: Ctrl-C
"""
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
    """Runs in its own thread: handshake, then relay this client's lines."""
    member = None
    # makefile() buffers the byte stream and splits it into lines. TCP has no
    # message boundaries: one recv() may hold half a line, half a UTF-8
    # character, or three lines. Never treat one recv() as one message.
    reader = conn.makefile("r", encoding="utf-8", errors="replace", newline="\n")
    try:
        # The handshake happens HERE, in the client's own thread. If the accept
        # loop waited for the name, one silent client would block everybody.
        first = reader.readline()
        if not first:  # readline() == "" means EOF: gone before sending a name
            return
        name = first.strip() or f"guest{next(guest_numbers)}"
        member = Member(conn, name)
        with members_lock:
            others = ", ".join(m.name for m in members.values()) or "nobody else"
            # Welcome queued BEFORE the member is registered: no broadcast
            # can get into its queue ahead of the welcome.
            member.send(f"* Welcome, {name}! Online: {others}. Type /quit to leave.")
            members[conn] = member
        broadcast(f"* {name} joined the chat", exclude=member)

        # readline() blocks until a full line arrives and returns "" at EOF.
        # EOF is what recv() == b"" means underneath: the peer closed its side.
        # Checking for it is what ends the loop; ignoring it would spin forever
        # at 100% CPU, because a closed socket is always "readable".
        for line in iter(reader.readline, ""):
            text = line.rstrip("\r\n")
            if text.strip() == "/quit":
                member.send(f"* Goodbye, {name}!")
                break
            if text:
                broadcast(f"{name}: {text}", exclude=member)
    except OSError:
        pass  # ConnectionResetError (client killed, RST) etc.: treat as leaving
    finally:
        # Every way out of the loop ends here, so the notice is sent once.
        reader.close()  # while a makefile() is open, the socket does not really close
        if member is not None:
            with members_lock:
                del members[conn]
            member.finish()  # the writer sends what is left, then closes the socket
            broadcast(f"* {member.name} left the chat")
        else:
            conn.close()  # gone before its name: there is no writer to close it
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
