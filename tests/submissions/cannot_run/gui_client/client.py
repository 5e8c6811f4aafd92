# A tkinter chat window: an entry box and a text area, a receiver thread.
import socket
import threading
import tkinter as tk

sock = socket.create_connection(("localhost", 9090))
root = tk.Tk()
area = tk.Text(root)
area.pack()
entry = tk.Entry(root)
entry.pack()


def send(_event=None):
    sock.sendall((entry.get() + "\n").encode())
    entry.delete(0, tk.END)


def receive():
    while True:
        data = sock.recv(1024)
        if not data:
            break
        area.insert(tk.END, data.decode())


entry.bind("<Return>", send)
threading.Thread(target=receive, daemon=True).start()
root.mainloop()
