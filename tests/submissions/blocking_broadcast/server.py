"""Intended mistake: a correct line chat, except that a broadcast sends to every
member with a blocking sendall() in the *speaker's* thread, with no timeout.
A member who stops reading fills its socket buffers, and then the speaker's
thread (and every later speaker's) waits forever: the chat stops."""
import argparse
import itertools
import socket
import threading

# Shared state: socket -> name. Every client thread reads and changes it, so a
# Lock makes each change atomic (no "dictionary changed size during iteration").
members: dict[socket.socket, str] = {}
members_lock = threading.Lock()
guest_numbers = itertools.count(1)


def send_line(conn: socket.socket, text: str) -> None:
    # sendall() loops until every byte is out; a plain send() may send a part.
    conn.sendall((text + "\n").encode("utf-8"))


def broadcast(text: str, exclude: socket.socket | None = None) -> None:
    """Send one line to every member except `exclude`."""
    # Copy the recipients under the lock, send outside it: a slow socket must
    # not keep every other thread waiting for the lock.
    with members_lock:
        recipients = [c for c in members if c is not exclude]
    for conn in recipients:
        try:
            send_line(conn, text)
        except OSError:
            # That recipient has gone (or is going). Its own thread will see
            # EOF/error and remove it. Never let the failure escape: it would
            # end the *sender's* thread and drop the wrong member.
            pass


def handle_client(conn: socket.socket) -> None:
    """Runs in its own thread: handshake, then relay this client's lines."""
    name = None
    # makefile() buffers the byte stream and splits it into lines. TCP has no
    # message boundaries: one recv() may hold half a line or three lines.
    reader = conn.makefile("r", encoding="utf-8", errors="replace", newline="\n")
    try:
        # The handshake happens HERE, in the client's own thread. If the accept
        # loop waited for the name, one silent client would block everybody.
        first = reader.readline()
        if not first:  # readline() == "" means EOF: gone before sending a name
            return
        name = first.strip() or f"guest{next(guest_numbers)}"
        with members_lock:
            others = list(members.values())
            members[conn] = name
        send_line(conn, f"* Welcome, {name}! Online: {', '.join(others) or 'nobody else'}. "
                        "Type /quit to leave.")
        broadcast(f"* {name} joined the chat", exclude=conn)

        # readline() blocks until a full line arrives and returns "" at EOF.
        # EOF is what recv() == b"" means underneath: the peer closed its side.
        # Checking for it is what ends the loop; ignoring it would spin forever
        # at 100% CPU, because a closed socket is always "readable".
        for line in iter(reader.readline, ""):
            text = line.rstrip("\r\n")
            if text.strip() == "/quit":
                send_line(conn, f"* Goodbye, {name}!")
                break
            if text:
                broadcast(f"{name}: {text}", exclude=conn)
    except OSError:
        pass  # ConnectionResetError (client killed, RST) etc.: treat as leaving
    finally:
        # Every way out of the loop ends here, so the notice is sent once.
        with members_lock:
            was_member = members.pop(conn, None) is not None
        # Close the reader too: while a makefile() object is open, conn.close()
        # does not really close the socket and the client would never see EOF.
        reader.close()
        conn.close()
        if was_member:
            broadcast(f"* {name} left the chat")


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
    try:
        while True:
            # The main thread only accepts. One thread per client means a
            # blocking readline() for one client never delays the others.
            conn, _addr = server.accept()
            # daemon=True: client threads do not keep the process alive on exit.
            threading.Thread(target=handle_client, args=(conn,), daemon=True).start()
    except KeyboardInterrupt:
        pass  # Ctrl-C: leave quietly, no traceback
    finally:
        server.close()


if __name__ == "__main__":
    main()
