"""Threaded echo server: the reference answer (socket + threading, stdlib only).

Whatever a client sends comes back to that client, byte for byte, for as
long as the client stays connected.  Every client is served by a thread of
its own, so any number of clients are served at once.

Run:  python server.py [--host 127.0.0.1] [--port 9091]
"""
import argparse
import socket
import threading


def serve(conn: socket.socket) -> None:
    """Echo everything ``conn`` sends until it closes (or its connection breaks)."""
    with conn:
        try:
            while True:
                data = conn.recv(4096)
                if not data:  # b'': the client closed its side; recv() would return b'' forever
                    break
                # Bytes, not text: nothing to decode, so any UTF-8 (or any bytes) comes back intact.
                conn.sendall(data)
        except OSError:  # reset by a killed client: this client is gone, the server carries on
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description="threaded echo server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9091)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A restarted server may bind the port at once, even with old connections in TIME_WAIT.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen()
    with listener:
        while True:
            conn, _address = listener.accept()
            # daemon: the threads of connected clients do not keep the server alive after Ctrl+C.
            threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
